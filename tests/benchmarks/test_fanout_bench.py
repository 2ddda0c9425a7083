"""The fan-out benchmark runs (tiny: 2 drafts, one Dask worker) so that the script a GPU machine
runs cannot rot; its timings are not asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.fanout_bench import main

pytestmark = pytest.mark.slow


def test_fanout_bench_runs_tiny(tmp_path: Path) -> None:
    result = main(["--tiny", "--out", str(tmp_path / "fanout.json")])
    rates = result["renders_per_min"]
    assert isinstance(rates, dict) and set(rates) == {"in_process", "dask_1_workers"}
    assert all(isinstance(v, float) and v > 0 for v in rates.values())
    assert (tmp_path / "fanout.json").is_file()
