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
    from pipeline.models import CampaignRequest

    request = CampaignRequest(brief=str(BRIEF), count=2, channels=["instagram_post"], max_replans=1)
    result = campaign_flow(request)
    assert result.campaign == "spring-citrus-launch" and result.run_id
    first = {d.id for d in result.drafts if d.parent_id is None}
    assert first == {"spring-citrus-launch-instagram_post-1", "spring-citrus-launch-instagram_post-2"}
    for d in result.drafts:
        assert d.status in ("in_review", "rejected_by_gate") and Path(d.image).is_file()
        if d.parent_id is not None:  # a re-plan of a gate rejection
            assert d.id.endswith("-r1")
    images = _images(workspace)
    again = campaign_flow(request)
    assert [d.id for d in again.drafts] == [d.id for d in result.drafts]
    assert _images(workspace) == images  # nothing rendered (or rewritten) twice
    assert again.run_id != result.run_id


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


def test_review_commands_decide_once_and_request_changes_re_renders(
    workspace: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from pipeline.cli import main

    assert main(["run", "summer-table-bottles", "--drafts", "2", "--channel", "instagram_post", "--replans", "0"]) == 0
    capsys.readouterr()
    assert main(["review", "list", "--campaign", "summer-table-bottles", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"id", "campaign", "channel", "image", "status", "verdict", "checks"} <= set(listed[0])
    assert all(c["name"] and c["status"] for c in listed[0]["checks"])
    in_review = [d["id"] for d in listed if d["status"] == "in_review"]
    if len(in_review) < 2:
        pytest.skip("the gate rejected the drafts of this seed; decisions are covered in test_review_store")
    first, second = in_review[:2]
    assert main(["review", "approve", first, "--by", "maya", "--note", "good light", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "approved"
    assert main(["review", "reject", first, "--by", "sam", "--reason", "too dark"]) == 2
    assert "no longer in review" in capsys.readouterr().err  # one wins, the other is told
    assert main(["review", "reject", second, "--by", "sam", "--reason", " "]) == 2
    capsys.readouterr()
    assert main(["review", "request-changes", second, "--by", "sam", "--note", "warmer light", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "changes_requested" and out["revised"]["id"] == f"{second}-r1"
    assert out["revised"]["status"] in ("in_review", "rejected_by_gate")
    assert main(["review", "list", "--status", "approved", "--json"]) == 0
    assert [d["id"] for d in json.loads(capsys.readouterr().out)] == [first]


def test_a_renderer_crash_fails_one_draft_and_a_rerun_retries_it(
    workspace: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agents.campaign import plan_brief
    from flows.campaign import campaign_flow
    from pipeline.models import CampaignRequest
    from pipeline.render.renderer import Renderer

    doomed = plan_brief(BRIEF, workspace, count=3, channels=["web_banner"]).drafts[1]
    real = Renderer.render

    def flaky(self: Renderer, jobs: list, model: str) -> list:  # type: ignore[type-arg]
        if any(job.seed == doomed.seed for job in jobs):
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        return real(self, jobs, model)

    monkeypatch.setattr(Renderer, "render", flaky)
    request = CampaignRequest(brief=str(BRIEF), count=3, channels=["web_banner"], max_replans=0)
    result = campaign_flow(request)
    by_id = {d.id: d for d in result.drafts}
    assert by_id[doomed.id].status == "failed" and "illegal memory access" in by_id[doomed.id].reasons[0]
    assert all(d.status != "failed" for i, d in by_id.items() if i != doomed.id)  # the rest continued
    monkeypatch.setattr(Renderer, "render", real)
    again = campaign_flow(request)
    assert {d.id: d.status for d in again.drafts}[doomed.id] in ("in_review", "rejected_by_gate")


def test_export_writes_only_approved_drafts_at_channel_size_with_history(
    workspace: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import os
    import zipfile

    from PIL import Image

    from pipeline.cli import main
    from pipeline.review.store import ReviewStore

    assert main(["run", "spring-citrus-launch", "--drafts", "2", "--channel", "instagram_story", "--replans", "0"]) == 0
    capsys.readouterr()
    out = tmp_path / "export"
    assert main(["export", "spring-citrus-launch", "--out", str(out)]) == 2  # nothing approved yet
    assert "no approved drafts" in capsys.readouterr().err
    store = ReviewStore(os.environ["ONBRAND_DATABASE_URL"])
    waiting = [r.id for r in store.list_drafts(campaign="spring-citrus-launch", status="in_review")]
    if not waiting:
        pytest.skip("the gate rejected both drafts of this seed")
    approved = waiting[0]
    assert main(["review", "approve", approved, "--by", "maya"]) == 0
    capsys.readouterr()
    kit = DATA_DIR / "brands" / "tidewell" / "brand-kit"
    assert main(["export", "spring-citrus-launch", "--out", str(out), "--kit", str(kit), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert set(listed) >= {"files", "manifest"} and len(listed["files"]) == 1
    files = sorted((out / "spring-citrus-launch").rglob("*.png"))
    assert [f.stem for f in files] == [approved]  # only the approved draft
    image = Image.open(files[0])
    assert image.size == (1080, 1920)
    meta = json.loads(image.info["onbrand"])
    assert meta["approver"] == "maya" and meta["draft_id"] == approved and meta["seed"] and meta["checks"]
    manifest = json.loads((out / "spring-citrus-launch" / "manifest.json").read_text())
    assert [f["draft_id"] for f in manifest["files"]] == [approved]
    assert manifest["files"][0]["text_contrast"]["headline"] >= 4.5
    with zipfile.ZipFile(out / "spring-citrus-launch.zip") as z:
        assert f"spring-citrus-launch/instagram_story/{approved}.png" in z.namelist()
    assert store.get(approved).status == "exported"
