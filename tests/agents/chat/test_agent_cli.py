"""``onbrand plan`` and ``onbrand chat``: the JSON contracts and one-line errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.settings import DATA_DIR, Settings
from tests.agents.conftest import write_brief

pytestmark = pytest.mark.integration


@pytest.fixture
def home(agent_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ONBRAND_HOME", str(agent_settings.home))
    return agent_settings.home


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_json_contract(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, _ = run(capsys, "plan", str(DATA_DIR / "briefs" / "spring-citrus-launch.yaml"), "--json")
    assert code == 0
    data = json.loads(out)
    assert {"campaign", "plans", "warnings"} <= set(data)
    assert data["campaign"] == "spring-citrus-launch" and len(data["plans"]) == 9
    for plan in data["plans"]:
        assert {"id", "channel", "width", "height", "prompt", "negative_prompt", "seed", "layout"} <= set(plan)
        for box in plan["layout"]["boxes"]:
            assert set(box) == {"role", "x0", "y0", "x1", "y1"}
    code, out, _ = run(
        capsys,
        "plan",
        str(DATA_DIR / "briefs" / "spring-citrus-launch.yaml"),
        "--json",
        "--drafts",
        "99",
        "--channel",
        "web_banner",
    )
    data = json.loads(out)
    assert len(data["plans"]) == 16 and "capped at 16" in data["warnings"][0]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"brand": "Nobody", "product": "x"}, "brand 'Nobody' has no profile"),
        ({"brand": "Tidewell"}, "'product'"),
        ({"brand": "Tidewell", "product": "x", "channels": ["instagram_pst"]}, "did you mean 'instagram_post'"),
        ({"brand": "Tidewell", "product": "x", "drafts_per_channel": 500}, "'drafts_per_channel'"),
        ({"brand": "Tidewell", "product": "can", "must_include": ["a topless model"]}, "must_include[1]"),
    ],
)
def test_bad_briefs_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path, fields: dict[str, object], message: str
) -> None:
    path = write_brief(tmp_path, "bad", **fields)
    code, _, err = run(capsys, "plan", str(path))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_plan_of_malformed_yaml_exits_2(capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("campaign: [unclosed\n", encoding="utf-8")
    code, _, err = run(capsys, "plan", str(path))
    assert code == 2 and "broken.yaml" in err


def test_chat_json_contract_and_errors(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, _ = run(capsys, "chat", "which fonts may a headline use?", "--brand", "Tidewell", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"reply", "actions"} and "Lato" in data["reply"]
    assert data["actions"][0]["tool"] == "search_guidelines" and set(data["actions"][0]) == {"tool", "args", "result"}
    code, _, err = run(capsys, "chat", "hello", "--brand", "Nobody")
    assert code == 2 and "brand 'Nobody' has no profile" in err
    code, _, err = run(capsys, "chat", "   ")
    assert code == 2 and "empty" in err
