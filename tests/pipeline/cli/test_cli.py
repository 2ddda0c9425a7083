"""The CLI contract: command names, JSON shapes and exit codes, against real Chroma and MiniLM.

Most tests call ``main(argv)`` in-process (same code path as the console script); a few run the
installed ``onbrand`` executable to check start-up and process exit codes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.conftest import FIXTURES, SAMPLE_GUIDELINES

ONBRAND = str(Path(sys.executable).parent / "onbrand")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ONBRAND_HOME", str(tmp_path / "ws"))
    return tmp_path / "ws"


@pytest.mark.slow
def test_help_is_fast_to_import_and_lists_the_commands() -> None:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pipeline.cli; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('torch', 'chromadb', 'sentence_transformers', 'transformers')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"
    result = subprocess.run([ONBRAND, "--help"], capture_output=True, text=True, check=True)
    for command in ("ingest", "search", "brand", "demo"):
        assert command in result.stdout


@pytest.mark.integration
def test_ingest_search_and_brand_show_json_contract(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, err = run(capsys, "ingest", str(SAMPLE_GUIDELINES), "--brand", "Tidewell", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert {"brand", "documents", "chunks", "added", "unchanged", "removed"} <= set(report)
    assert report["brand"] == "Tidewell" and report["documents"] == 7 and report["added"] == report["chunks"] > 50

    code, out, _ = run(capsys, "ingest", str(SAMPLE_GUIDELINES), "--brand", "tidewell", "--json")
    again = json.loads(out)
    assert code == 0 and again["added"] == 0 and again["removed"] == 0 and again["unchanged"] == report["chunks"]

    code, out, _ = run(
        capsys, "search", "how much clear space around the logo?", "--brand", "Tidewell", "--k", "3", "--json"
    )
    hits = json.loads(out)
    assert code == 0 and len(hits) == 3
    assert all({"text", "source", "section", "score"} <= set(h) for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert "clear space" in hits[0]["text"].lower()

    code, out, _ = run(capsys, "brand", "show", "Tidewell", "--json")
    profile = json.loads(out)
    assert code == 0
    assert {"name", "palette", "fonts", "banned_terms", "tone", "logo_rules", "imagery_rules", "layout_rules"} <= set(
        profile
    )
    assert all(
        re.fullmatch(r"#[0-9A-F]{6}", c["hex"]) and {"name", "hex", "role"} <= set(c) for c in profile["palette"]
    )
    assert "Lato" in profile["fonts"] and "cheap" in profile["banned_terms"]
    assert all(
        isinstance(x, str)
        for key in ("fonts", "banned_terms", "tone", "logo_rules", "imagery_rules")
        for x in profile[key]
    )
    assert isinstance(profile["layout_rules"], dict) and profile["layout_rules"]["logo_corners"]

    code, out, _ = run(capsys, "brand", "list", "--json")
    assert code == 0 and [b["name"] for b in json.loads(out)] == ["Tidewell"]

    code, out, _ = run(capsys, "brand", "show", "Tidewell")
    assert code == 0 and "Palette" in out and "#0F7C8C" in out


@pytest.mark.integration
def test_bad_files_exit_2_with_one_line_each_and_good_files_still_land(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 nope")
    code, out, err = run(
        capsys,
        "ingest",
        str(FIXTURES / "brands" / "ardent" / "ardent-guidelines.txt"),
        str(bad),
        str(tmp_path / "missing.docx"),
        "--brand",
        "Ardent",
        "--json",
    )
    assert code == 2
    assert json.loads(out)["documents"] == 1
    lines = err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("onbrand: error: ") for line in lines)
    assert "broken.pdf: is not a readable PDF" in err and "missing.docx: no such file or folder" in err
    assert "Traceback" not in err


@pytest.mark.integration
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "logo", "--brand", "Nobody"], "brand 'Nobody' has no ingested guidelines"),
        (["brand", "show", "Nobody"], "brand 'Nobody' has no profile"),
        (["brief", "check", "nope.yaml"], "nope.yaml: no such file"),
        (["ingest", "x.md", "--brand", "  "], "brand name is empty"),
        (["train-draft-model", "--colour-only"], "--colour-only needs --resume FOLDER"),
        (["train-draft-model", "--layout-only", "--colour-only"], "separate stages"),
        (["train-draft-model", "--embedding-from", "x"], "--embedding-from only applies to --layout-only"),
        (["train-draft-model", "--resume", "nowhere"], "--resume nowhere: not a draft model folder"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], home: Path, argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_process_exit_codes(tmp_path: Path) -> None:
    env = {**os.environ, "ONBRAND_HOME": str(tmp_path / "ws")}
    brief = tmp_path / "brief.yaml"
    brief.write_text("campaign: c\nbrand: b\nproduct: p\nchannels: [instagram_pst]\n")
    result = subprocess.run([ONBRAND, "brief", "check", str(brief)], capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "known channels: "
        + ", ".join(sorted(__import__("pipeline.campaign.channels", fromlist=["load_channels"]).load_channels()))
    )
    result = subprocess.run([ONBRAND, "search"], capture_output=True, text=True, env=env)
    assert result.returncode == 2  # usage error
    env["ONBRAND_CHROMA_PORT"] = "not-a-port"
    result = subprocess.run([ONBRAND, "brand", "list"], capture_output=True, text=True, env=env)
    assert result.returncode == 2 and "ONBRAND_CHROMA_PORT" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.integration
def test_brand_set_installs_a_validated_override(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    run(capsys, "ingest", str(FIXTURES / "brands" / "ardent"), "--brand", "Ardent Outdoor")
    override = tmp_path / "fix.yaml"
    override.write_text("fonts: [Oswald]\nlayout_rules: {logo_min_width_px: 120}\n")
    code, _, err = run(capsys, "brand", "set", "ardent outdoor", str(override))
    assert code == 0, err
    code, out, _ = run(capsys, "brand", "show", "Ardent Outdoor", "--json")
    profile = json.loads(out)
    assert profile["fonts"] == ["Oswald"] and profile["layout_rules"]["logo_min_width_px"] == 120
    assert profile["layout_rules"]["logo_corners"] == ["bottom-left"]  # extraction kept where not overridden
    override.write_text("colours: []\n")
    code, _, err = run(capsys, "brand", "set", "Ardent Outdoor", str(override))
    assert code == 2 and "unknown field 'colours'" in err
