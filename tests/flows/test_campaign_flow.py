"""The campaign flow as a real Prefect run (temporary local server), on the bundled draft model."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.settings import DATA_DIR, Settings

pytestmark = pytest.mark.slow

BRIEF = DATA_DIR / "briefs" / "spring-citrus-launch.yaml"


@pytest.fixture
def workspace(agent_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("ONBRAND_HOME", str(agent_settings.home))
    monkeypatch.setenv("ONBRAND_DATABASE_URL", f"sqlite:///{tmp_path / 'review.db'}")
    return agent_settings


def _images(settings: Settings) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in (settings.home / "drafts").rglob("*.png") if p.parent.name != "conditions"}


def test_a_campaign_run_stores_drafts_and_a_rerun_renders_nothing_twice(workspace: Settings) -> None:
    from flows.campaign import campaign_flow

    result = campaign_flow(brief=str(BRIEF), count=2, channels=["instagram_post"], max_replans=1)
    assert result["campaign"] == "spring-citrus-launch" and result["run_id"]
    first = {d["id"] for d in result["drafts"] if d["parent_id"] is None}
    assert first == {"spring-citrus-launch-instagram_post-1", "spring-citrus-launch-instagram_post-2"}
    for d in result["drafts"]:
        assert d["status"] in ("in_review", "rejected_by_gate") and Path(d["image"]).is_file()
        if d["parent_id"] is not None:  # a re-plan of a gate rejection
            assert d["id"].endswith("-r1")
    images = _images(workspace)
    again = campaign_flow(brief=str(BRIEF), count=2, channels=["instagram_post"], max_replans=1)
    assert [d["id"] for d in again["drafts"]] == [d["id"] for d in result["drafts"]]
    assert _images(workspace) == images  # nothing rendered (or rewritten) twice
    assert again["run_id"] != result["run_id"]


def test_onbrand_run_json_contract(workspace: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from pipeline.cli import main

    code = main(["run", "spring-citrus-launch", "--drafts", "1", "--channel", "instagram_story", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"campaign", "run_id", "drafts"}
    assert data["drafts"][0]["id"] == "spring-citrus-launch-instagram_story-1"
    assert set(data["drafts"][0]) >= {"id", "channel", "image", "verdict", "status"}
    assert main(["run", "no-such-brief"]) == 2
    assert "no brief named 'no-such-brief'" in capsys.readouterr().err
