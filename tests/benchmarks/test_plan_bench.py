"""The planning benchmark runs (tiny) so it cannot rot; its timings are not asserted here."""

from __future__ import annotations

import pytest

from tests.benchmarks.plan_bench import main

pytestmark = pytest.mark.slow


def test_plan_bench_runs_tiny(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = main(["--tiny", "--out", str(tmp_path / "plan.json")])
    assert result["drafts"] == 8 and (tmp_path / "plan.json").is_file()
