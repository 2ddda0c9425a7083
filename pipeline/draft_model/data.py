"""Training data of the draft model: procedural scenes drawn in worker processes, latents, text states."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from pipeline.draft_model.scenes import COLOURS, SIZES, SceneSpec, condition, draw_scene, sample_scene
from pipeline.draft_model.vocabulary import COLOUR_WORDS
from pipeline.progress import Progress, no_progress


def _draw(seed: int) -> tuple[SceneSpec, bytes]:
    import numpy as np

    scene = draw_scene(sample_scene(seed))
    return scene.spec, np.asarray(scene.image, dtype=np.uint8).tobytes()


class SceneSet:
    """Scenes grouped by size (a batch is one size), as uint8 images and later as latents."""

    def __init__(self) -> None:
        self.specs: dict[tuple[int, int], list[SceneSpec]] = {s: [] for s in SIZES}
        self.pixels: dict[tuple[int, int], Any] = {}
        self.latents: dict[tuple[int, int], Any] = {}
        self.scale = 1.0  # latent scaling factor, set once the autoencoder is trained

    @classmethod
    def generate(cls, count: int, seed: int, workers: int, progress: Progress = no_progress) -> SceneSet:
        import numpy as np

        out = cls()
        raw: dict[tuple[int, int], list[bytes]] = {s: [] for s in SIZES}
        seeds = [seed * 1_000_003 + i for i in range(count)]
        with _pool(workers) as pool:
            for done, (spec, data) in enumerate(pool(_draw, seeds, 64), 1):
                out.specs[(spec.width, spec.height)].append(spec)
                raw[(spec.width, spec.height)].append(data)
                if done % 256 == 0 or done == count:
                    progress("scenes", done, count, {})
        for (w, h), chunks in raw.items():
            out.pixels[(w, h)] = np.frombuffer(b"".join(chunks), dtype=np.uint8).reshape(len(chunks), h, w, 3)
        return out

    def sizes(self) -> list[tuple[int, int]]:
        return [s for s in SIZES if self.specs[s]]


@contextmanager
def _pool(workers: int) -> Iterator[Callable[..., Iterator[Any]]]:
    if workers <= 1:
        yield lambda fn, items, _chunk: map(fn, items)
        return
    with ProcessPoolExecutor(max_workers=workers) as executor:
        yield lambda fn, items, chunk: executor.map(fn, items, chunksize=chunk)


def to_tensor(pixels: Any, device: str) -> Any:
    import torch

    return torch.from_numpy(pixels.copy()).to(device).permute(0, 3, 1, 2).float() / 127.5 - 1


def encode_latents(
    vae: Any, data: SceneSet, device: str, progress: Progress = no_progress, scale: float = 0.0
) -> float:
    """Latents of every scene (the posterior mean); returns and records the scaling factor, measured
    as 1 / std unless ``scale`` gives it (a trained model keeps its own)."""
    import torch

    total = sum(len(v) for v in data.pixels.values())
    done = 0
    stds = []
    with torch.no_grad():
        for size, pixels in data.pixels.items():
            chunks = []
            for start in range(0, len(pixels), 64):
                x = to_tensor(pixels[start : start + 64], device)
                chunks.append(vae.encode(x).latent_dist.mean.cpu())
                done += len(x)
                progress("encode", done, total, {})
            data.latents[size] = torch.cat(chunks) if chunks else torch.empty(0)
            if chunks:
                stds.append(data.latents[size].std().item())
    if not scale:
        scale = 1.0 / (sum(stds) / len(stds))
        vae.register_to_config(scaling_factor=scale)
    return scale


class TextCache:
    """Frozen text encoder: token states per caption (padded to ``max_tokens``, as the pipeline does)."""

    def __init__(self, tokenizer: Any, encoder: Any, device: str) -> None:
        self.tokenizer, self.encoder, self.device = tokenizer, encoder.to(device), device

    def __call__(self, texts: list[str]) -> Any:
        import torch

        tokens = self.tokenizer(
            texts,
            padding="max_length",
            max_length=self.tokenizer.model_max_length,
            truncation=True,
            return_tensors="pt",
        )
        with torch.no_grad():
            out = self.encoder(tokens.input_ids.to(self.device), attention_mask=tokens.attention_mask.to(self.device))
        return out[0]


def control_batch(specs: list[SceneSpec], rng: random.Random, segmentation_share: float, device: str) -> Any:
    import numpy as np
    import torch

    images = [
        np.asarray(condition(s, "segmentation" if rng.random() < segmentation_share else "boxes"), dtype=np.uint8)
        for s in specs
    ]
    # The ControlNet pipeline hands conditions over in 0..1 (no normalisation), so train on the same.
    return torch.from_numpy(np.stack(images)).to(device).permute(0, 3, 1, 2).float() / 255


COLOUR_NAMES = list(COLOURS)

_COLOUR_PATTERNS = {
    name: re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)
    for name, words in COLOUR_WORDS.items()
}


def colour_labels(spec: SceneSpec, text: str) -> tuple[int, int]:
    """Indices of the background and product colours when the caption names them, else -100
    (ignored by the loss): a caption may name one colour, or none."""

    def label(name: str) -> int:
        return COLOUR_NAMES.index(name) if _COLOUR_PATTERNS[name].search(text) else -100

    return label(spec.background_colour), label(spec.product_colour)
