"""The GPU render benchmark runs in CI at tiny scale on the CPU, so it cannot rot between GPU runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("render_bench.py")


@pytest.mark.slow
def test_render_benchmark_runs_tiny_and_checks_equivalence(tmp_path: Path) -> None:
    out = tmp_path / "render.json"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--tiny", "--out", str(out)], check=True, capture_output=True, timeout=600
    )
    result = json.loads(out.read_text())
    assert result["tiny"] is True and result["drafts"] == 2
    assert result["plain_images_per_s"] > 0 and result["onbrand_images_per_s"] > 0
    assert result["same_function"] is True, result["latents_max_abs_diff"]


@pytest.mark.slow
def test_gate_benchmark_runs_tiny(tmp_path: Path) -> None:
    out = tmp_path / "gate.json"
    subprocess.run(
        [sys.executable, str(SCRIPT.with_name("gate_bench.py")), "--tiny", "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    result = json.loads(out.read_text())
    assert result["prompt_gate_p50_ms"] > 0 and result["images_per_s_sequential"] > 0
    assert result["same_verdicts"] is True
