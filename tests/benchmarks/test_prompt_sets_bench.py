"""The prompt-set and colour benchmarks run (tiny) so they cannot rot; their figures are not asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_prompt_sets_bench_runs_tiny(tmp_path: Path) -> None:
    from tests.benchmarks.prompt_sets_bench import main

    result = main(["--tiny", "--quiet", "--out", str(tmp_path / "prompt_sets.json")])
    assert (tmp_path / "prompt_sets.json").is_file()
    held_out = result["sets"]["heldout_own"]
    assert held_out["n"] == 20 and held_out["classifier"] == {"ok": 20}
    assert {"p50", "p95", "classifier_batched_per_prompt"} <= set(held_out["latency_ms"])
    assert {"precision", "recall", "f1"} <= set(result["brand_pairs"]["report_half"])


def test_gate_colour_bench_runs_tiny(tmp_path: Path) -> None:
    from tests.benchmarks.gate_colour_bench import main

    result = main(["--tiny", "--out", str(tmp_path / "colour.json")])
    assert result["cases"] == 8 and 0 <= result["agreement"] <= 1
    assert (tmp_path / "colour.png").is_file() and result["product_colour_accuracy_by_colour"]
