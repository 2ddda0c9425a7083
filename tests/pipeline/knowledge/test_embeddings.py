from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.knowledge.embeddings import BertMeanPooler, Embedder, resolve_model_path
from pipeline.settings import BUNDLED_EMBEDDER

pytestmark = pytest.mark.integration

TEXTS = [
    "How much clear space around the logo?",
    "a",
    "Tidewell Teal #0F7C8C is our primary colour. " * 80,
    "Never show alcohol, cocktails or smoking.",
    "Ünïcödé and emoji 🌊 survive tokenisation",
]


def test_fast_path_matches_sentence_transformers() -> None:
    assert BertMeanPooler.supports(resolve_model_path(BUNDLED_EMBEDDER))
    fast = Embedder(backend="auto")
    reference = Embedder(backend="sentence-transformers")
    assert isinstance(fast.warm_up(), BertMeanPooler)
    a, b = fast.embed_documents(TEXTS, batch_size=2), reference.embed_documents(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(fast.embed_query(TEXTS[0]), a[0], atol=1e-6)


def test_order_is_kept_when_batching_by_length() -> None:
    emb = Embedder()
    together = emb.embed_documents(TEXTS, batch_size=2)
    one_by_one = np.stack([emb.embed_query(t) for t in TEXTS])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)
    assert emb.embed_documents([]).shape == (0, 384)


def test_missing_model_is_a_user_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="could not be loaded from local files"):
        Embedder(str(tmp_path / "no-such-model")).warm_up()
