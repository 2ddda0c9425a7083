"""`make gpu-check` stays runnable where no GPU is lent: it says so and exits 0, and its upscaling check
runs at test scale on the CPU (the render and fan-out benchmarks and draft-model training have tiny
tests of their own: tests/benchmarks/test_render_bench.py, test_fanout_bench.py,
tests/pipeline/draft_model/test_train.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.gpu_check import main

pytestmark = pytest.mark.slow


def test_without_a_gpu_it_says_so_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: make gpu-check runs for real here")
    assert main(["--out", str(tmp_path / "gpu.json")]) == 0
    report = json.loads((tmp_path / "gpu.json").read_text())
    assert report["gpu"] is None and "no CUDA GPU" in report["skipped"]
    assert "no CUDA GPU" in capsys.readouterr().out


def test_the_upscaling_check_runs_tiny(tmp_path: Path) -> None:
    assert main(["--tiny", "--only", "upscaling", "--out", str(tmp_path / "gpu.json")]) == 0
    report = json.loads((tmp_path / "gpu.json").read_text())
    assert report["upscaling"]["ok"] and report["ok"], report["upscaling"]
