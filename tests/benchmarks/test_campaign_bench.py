"""The campaign benchmark runs (tiny) so it cannot rot; its timings are not asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.campaign_bench import main

pytestmark = pytest.mark.slow


def test_campaign_bench_runs_tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONBRAND_DATABASE_URL", raising=False)
    result = main(["--tiny", "--out", str(tmp_path / "campaign.json")])
    assert result["drafts"] == 2 and "prefect_overhead" in result and (tmp_path / "campaign.json").is_file()
