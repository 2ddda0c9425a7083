"""The real-brand corpus benchmark runs (one small development brand, no baseline) so it cannot rot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.brand_corpus import DEFAULT_CORPUS, HELD_OUT, main

pytestmark = pytest.mark.slow


def test_brand_corpus_runs_on_one_dev_brand(tmp_path: Path) -> None:
    assert "home_assistant" not in HELD_OUT
    out = tmp_path / "brand_corpus.json"
    main(["--brands", "home_assistant", "--no-baseline", "--out", str(out)])
    payload = json.loads(out.read_text())
    result = payload["brands"]["home_assistant"]
    assert payload["corpus"] == str(DEFAULT_CORPUS) and payload["aggregates"]["dev"]["brands"] == ["home_assistant"]
    assert result["counts"]["onbrand_hit@1"][1] == 15 and result["rates"]["onbrand_hit@3"] is not None
    assert result["invented_colours"] == 0 and result["ingest"]["chunks"] > 0 and not result["ingest"]["errors"]
    assert {"missed_questions", "missed_banned_terms", "missed_logo_minimums"} <= set(result["misses"])
