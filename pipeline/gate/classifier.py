"""The learned prompt classifier: logistic regression over MiniLM sentence embeddings.

    >>> classifier = PromptClassifier.default()           # cheap: weights and MiniLM load on first use
    >>> reading = classifier.read("a man pointing a gun at a crowd")   # doctest: +SKIP
    >>> reading.category, reading.score > reading.block                # doctest: +SKIP
    ('weapons', True)

It sits beside the word lists (:mod:`pipeline.gate.prompt`), not in their place: the lists give exact,
explainable blocks for the words they know; the classifier reads the prompt as a whole, so slang,
euphemisms and paraphrases the lists never listed still score high. Its weights (a few kB) and
thresholds come from ``onbrand train-prompt-classifier`` (:func:`train_prompt_classifier`), which
records what it was trained on in ``data/safety/classifier/CARD.md``.

A missing or unreadable weight file never lets a prompt through silently: :meth:`PromptClassifier.read`
raises :class:`ClassifierUnavailable`, and the gate falls back to the word lists and marks every
verdict "classifier unavailable".
"""

from __future__ import annotations

import io
import json
import logging
import random
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from pipeline.files import atomic_write_bytes, atomic_write_text
from pipeline.models import PromptClassifierCard
from pipeline.progress import Progress, no_progress
from pipeline.settings import BUNDLED_EMBEDDER, DATA_DIR

CLASSIFIER_DIR = DATA_DIR / "safety" / "classifier"
CLASSIFIER_FILE = CLASSIFIER_DIR / "prompt_classifier.npz"
TRAIN_FILE = CLASSIFIER_DIR / "train.jsonl"
CARD_FILE = CLASSIFIER_DIR / "CARD.md"

UNSAFE_CATEGORIES = ("sexual", "minors", "violence", "weapons", "hate", "self_harm", "drugs")
SAFE_CATEGORIES = ("safe", "safe_tricky", "safe_marketing")
FORMAT = 2  # bump when the weight file's layout changes

# What the block threshold is chosen for, on the validation split: lists + classifier block at most
# this share of ordinary prompts, and of tricky or marketing prompts. The targets are 0.5% and
# 1%; the first thresholds, chosen at 0.4% and 0.8% here, blocked 2.1% of a public benign set and 7% of
# held-out tricky prompts (docs/benchmarks.md, issue 18): the validation split is easier than prompts
# from elsewhere, so the classifier now blocks only above every safe validation prompt.
BLOCK_FP_TARGET = 0.001
TRICKY_FP_TARGET = 0.002
# ...and the classifier sends at most this share of safe prompts to a person for review.
REVIEW_SHARE_TARGET = 0.03
# Logistic regression's C and class weighting, picked on the validation split.
REGULARISATION = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
CLASS_WEIGHTS = ("balanced", "none")
VALIDATION_SHARE = 0.15
# The quick first stage (a linear model over the mean of MiniLM's token vectors, no transformer) may
# send at most this share of the prompts the full model blocks or flags on the validation split
# straight to "safe"; everything above its skip score gets the full MiniLM reading.
QUICK_MISS_TARGET = 0.005
QUICK_C = 4.0
# Safe items that are people's messages rather than image prompts (HateCheck, ToxiGen, the OpenAI
# moderation samples): they teach the classifier that naming a group is not hate, but the false
# positive targets are about prompts, so they do not set the block threshold.
TEXT_SOURCES = frozenset({"hatecheck", "toxigen", "openai-moderation"})

log = logging.getLogger(__name__)


class ClassifierUnavailable(Exception):
    """The weight file is missing or unreadable; the message says which and how to rebuild it."""


@dataclass(frozen=True)
class Reading:
    """The classifier's reading of one prompt: how likely it asks for unsafe content, the nearest
    unsafe category, and the thresholds it is judged by."""

    score: float
    category: str
    block: float
    review: float
    stage: str = "full"  # "quick": the first stage was sure enough that MiniLM was not run

    # A quick reading is final only because it fell below the skip threshold: it is "safe" whatever
    # its score says against the full model's thresholds (the two stages' scores are not on one scale).
    @property
    def blocks(self) -> bool:
        return self.stage == "full" and self.score >= self.block

    @property
    def flags(self) -> bool:
        return self.stage == "full" and self.review <= self.score < self.block


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class Weights:
    coef: np.ndarray  # classes x dimension, over MiniLM sentence embeddings
    intercept: np.ndarray
    classes: tuple[str, ...]  # "safe" and the unsafe categories
    block: float
    review: float
    embedder: str
    quick_coef: np.ndarray | None = None  # the first stage, over mean MiniLM token vectors
    quick_intercept: np.ndarray | None = None
    skip: float = 0.0  # quick scores below this are read as safe without running MiniLM

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        return _softmax(embeddings @ self.coef.T + self.intercept)

    def readings(self, embeddings: np.ndarray) -> list[Reading]:
        return self._readings(self.probabilities(embeddings), "full")

    def quick_readings(self, features: np.ndarray) -> list[Reading]:
        assert self.quick_coef is not None and self.quick_intercept is not None
        return self._readings(_softmax(features @ self.quick_coef.T + self.quick_intercept), "quick")

    def _readings(self, probs: np.ndarray, stage: str) -> list[Reading]:
        safe = self.classes.index("safe")
        unsafe = [i for i in range(len(self.classes)) if i != safe]
        out = []
        for row in probs:
            nearest = unsafe[int(np.argmax(row[unsafe]))]
            out.append(Reading(float(1.0 - row[safe]), self.classes[nearest], self.block, self.review, stage))
        return out


class TokenVectors:
    """The quick stage's features: the mean of MiniLM's input vectors of a prompt's word pieces
    ([CLS], [SEP] and padding left out), normalised. A table look-up, no transformer: a fraction of
    a millisecond, against several for the full sentence embedding."""

    _lock = threading.Lock()
    _tables: ClassVar[dict[str, tuple[Any, np.ndarray]]] = {}

    def __init__(self, model: str = BUNDLED_EMBEDDER) -> None:
        self.model = model

    def _load(self) -> tuple[Any, np.ndarray]:
        with self._lock:
            if self.model not in self._tables:
                from safetensors import safe_open
                from tokenizers import Tokenizer

                from pipeline.knowledge.embeddings import resolve_model_path

                folder = Path(resolve_model_path(self.model))
                tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
                tokenizer.no_padding()
                tokenizer.enable_truncation(max_length=256)
                with safe_open(str(folder / "model.safetensors"), "np") as tensors:
                    key = next(k for k in tensors.keys() if k.endswith("embeddings.word_embeddings.weight"))  # noqa: SIM118
                    table = np.asarray(tensors.get_tensor(key), dtype=np.float32)
                self._tables[self.model] = (tokenizer, table)
            return self._tables[self.model]

    def features(self, texts: Sequence[str]) -> np.ndarray:
        tokenizer, table = self._load()
        out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
        for i, encoding in enumerate(tokenizer.encode_batch(list(texts))):
            ids = [t for t, special in zip(encoding.ids, encoding.special_tokens_mask, strict=True) if not special]
            if ids:
                vector = table[ids].mean(axis=0)
                out[i] = vector / (np.linalg.norm(vector) + 1e-9)
        return out


def load_weights(path: Path) -> Weights:
    """The weights in ``path``, or :class:`ClassifierUnavailable` saying what is wrong with the file."""
    fix = "rebuild it with `onbrand train-prompt-classifier`"
    if not path.is_file():
        raise ClassifierUnavailable(f"{path}: no classifier weight file; {fix}")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if int(meta.get("format", 0)) != FORMAT:
                raise ValueError(f"format {meta.get('format')}, expected {FORMAT}")
            weights = Weights(
                coef=np.asarray(data["coef"], dtype=np.float32),
                intercept=np.asarray(data["intercept"], dtype=np.float32),
                classes=tuple(str(c) for c in data["classes"]),
                block=float(meta["block"]),
                review=float(meta["review"]),
                embedder=str(meta["embedder"]),
                quick_coef=np.asarray(data["quick_coef"], dtype=np.float32),
                quick_intercept=np.asarray(data["quick_intercept"], dtype=np.float32),
                skip=float(meta["skip"]),
            )
    except ClassifierUnavailable:
        raise
    except Exception as exc:  # a truncated zip, a wrong key, bad JSON: all the same to the gate
        raise ClassifierUnavailable(
            f"{path}: unreadable classifier weights ({type(exc).__name__}: {exc}); {fix}"
        ) from exc
    quick = weights.quick_coef
    shape_ok = (
        weights.coef.ndim == 2
        and weights.coef.shape[0] == len(weights.classes) == len(weights.intercept)
        and quick is not None
        and quick.shape == weights.coef.shape
    )
    if not shape_ok or "safe" not in weights.classes or not np.isfinite(weights.coef).all():
        raise ClassifierUnavailable(f"{path}: classifier weights have the wrong shape or values; {fix}")
    if not 0 < weights.review <= weights.block <= 1:
        raise ClassifierUnavailable(
            f"{path}: thresholds review {weights.review}, block {weights.block} are not 0<r<=b<=1"
        )
    return weights


class PromptClassifier:
    """Scores prompts with the shipped weights; both the weights and MiniLM load on first use and are
    shared per process. Repeated prompts (the planner checks each ask more than once) are cached."""

    _lock = threading.Lock()
    _loaded: ClassVar[dict[Path, Weights | ClassifierUnavailable]] = {}

    def __init__(self, path: Path = CLASSIFIER_FILE, device: str = "cpu", cache_size: int = 2048) -> None:
        self.path = path
        self.device = device
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Reading] = OrderedDict()

    @classmethod
    def default(cls) -> PromptClassifier:
        return _default_classifier()

    def weights(self) -> Weights:
        """The loaded weights (read once per process and path); :class:`ClassifierUnavailable` when the
        file is missing or corrupt (the failure is remembered, and logged once)."""
        with self._lock:
            if self.path not in self._loaded:
                try:
                    self._loaded[self.path] = load_weights(self.path)
                except ClassifierUnavailable as exc:
                    log.warning("prompt classifier unavailable, the word lists alone check prompts: %s", exc)
                    self._loaded[self.path] = exc
            found = self._loaded[self.path]
        if isinstance(found, ClassifierUnavailable):
            raise found
        return found

    def _embed(self, texts: list[str], model: str) -> np.ndarray:
        from pipeline.knowledge.embeddings import Embedder

        return Embedder(model, device=self.device).embed_documents(texts)

    def clear_cache(self) -> None:
        """Forget the cached readings (a benchmark times real work)."""
        self._cache.clear()

    def read(self, prompt: str) -> Reading:
        """The classifier's reading of one prompt (cached)."""
        return self.read_many([prompt])[0]

    def read_many(self, prompts: Sequence[str]) -> list[Reading]:
        """Readings of many prompts, embedded in one batch (the benchmark and training use this).

        Two stages: the quick model reads every prompt from its token vectors; only prompts it
        is not sure are safe (score at or above the weights' ``skip``) are embedded by MiniLM and
        read by the full model."""
        weights = self.weights()
        todo = [p for p in dict.fromkeys(prompts) if p not in self._cache]
        if todo:
            try:
                quick = weights.quick_readings(TokenVectors(weights.embedder).features(todo))
                unsure = [p for p, r in zip(todo, quick, strict=True) if r.score >= weights.skip]
                full = weights.readings(self._embed(unsure, weights.embedder)) if unsure else []
            except Exception as exc:  # MiniLM missing or broken: the gate must still answer
                raise ClassifierUnavailable(f"the classifier's embedder failed ({type(exc).__name__}: {exc})") from exc
            for prompt, reading in zip(todo, quick, strict=True):
                self._cache[prompt] = reading
            for prompt, reading in zip(unsure, full, strict=True):
                self._cache[prompt] = reading
        out = []
        for prompt in prompts:
            self._cache.move_to_end(prompt)
            out.append(self._cache[prompt])
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return out


_DEFAULT: list[PromptClassifier] = []


def _default_classifier() -> PromptClassifier:
    with PromptClassifier._lock:
        if not _DEFAULT:
            _DEFAULT.append(PromptClassifier())
        return _DEFAULT[0]


# --- training ---------------------------------------------------------------------------------


@dataclass
class Labelled:
    text: str
    category: str  # an unsafe category, or safe / safe_tricky / safe_marketing
    source: str

    @property
    def target(self) -> str:
        return "safe" if self.category in SAFE_CATEGORIES else self.category


def read_training_set(path: Path = TRAIN_FILE) -> list[Labelled]:
    """``train.jsonl`` as :class:`Labelled` items (see ``SOURCES.md`` beside it)."""
    from pipeline.errors import UserError

    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = Labelled(str(row["text"]), str(row["category"]), str(row.get("source", "")))
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(
                f"{path}:{number}: not a labelled prompt ({exc}); each line needs text and category"
            ) from exc
        if item.category not in UNSAFE_CATEGORIES + SAFE_CATEGORIES:
            raise UserError(
                f"{path}:{number}: unknown category '{item.category}'; use one of "
                + ", ".join(UNSAFE_CATEGORIES + SAFE_CATEGORIES)
            )
        items.append(item)
    return items


def split_validation(items: list[Labelled], seed: int, share: float = VALIDATION_SHARE) -> tuple[list[int], list[int]]:
    """Indices of a training and a validation part, stratified by category (and seeded)."""
    rng = random.Random(seed)
    by_category: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_category.setdefault(item.category, []).append(i)
    train: list[int] = []
    val: list[int] = []
    for category in sorted(by_category):
        idx = by_category[category]
        rng.shuffle(idx)
        cut = max(1, round(share * len(idx)))
        val += idx[:cut]
        train += idx[cut:]
    return sorted(train), sorted(val)


def _fit(
    x: np.ndarray, y: list[str], c: float, weighting: str, seed: int
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    from sklearn.linear_model import LogisticRegression

    balanced = "balanced" if weighting == "balanced" else None
    model = LogisticRegression(C=c, max_iter=3000, class_weight=balanced, random_state=seed)
    model.fit(x, y)
    return model.coef_.astype(np.float32), model.intercept_.astype(np.float32), tuple(str(c) for c in model.classes_)


def _cascade(weights: Weights, embeddings: np.ndarray, features: np.ndarray) -> list[Reading]:
    """What the gate reads, as :meth:`PromptClassifier.read_many` does it: quick, else full."""
    quick = weights.quick_readings(features)
    full = weights.readings(embeddings)
    return [q if q.score < weights.skip else f for q, f in zip(quick, full, strict=True)]


def _lowest_threshold(scores: np.ndarray, blocked_by_lists: np.ndarray, limit: float) -> float:
    """The lowest score threshold at which lists + classifier block at most ``limit`` of these safe items."""
    allowed = int(np.floor(limit * len(scores) + 1e-9))
    free = np.sort(scores[~blocked_by_lists])[::-1]  # prompts the lists already block cost nothing more
    budget = allowed - int(blocked_by_lists.sum())
    if budget < 0 or len(free) == 0:
        return 1.0
    if budget >= len(free):
        return 0.0
    return float(np.nextafter(free[budget], 1.0))


def train_prompt_classifier(
    out: Path = CLASSIFIER_FILE,
    planner_prompts: Sequence[str] = (),
    train_file: Path = TRAIN_FILE,
    seed: int = 0,
    lists: Callable[[str], bool] | None = None,
    progress: Progress = no_progress,
) -> PromptClassifierCard:
    """Train the classifier on ``train_file`` plus ``planner_prompts`` (benign marketing language),
    choose C and both thresholds on a seeded validation split of that data, and save the weights.

    ``lists(prompt)`` says whether the word lists already block a prompt (the thresholds are chosen for
    lists and classifier together). Nothing held out (tests/fixtures/prompts) is read here.

        >>> card = train_prompt_classifier(Path("/tmp/c.npz"), ["a teal can on sand"])  # doctest: +SKIP
        >>> card.block_threshold, card.validation_recall                                # doctest: +SKIP
        (0.93, 0.91)
    """
    from pipeline.knowledge.embeddings import Embedder

    items = read_training_set(train_file)
    planner = [Labelled(p, "safe_marketing", "onbrand-planner") for p in dict.fromkeys(planner_prompts)]
    items += planner
    train_idx, val_idx = split_validation(items, seed)
    texts = [i.text for i in items]
    embedder = Embedder(BUNDLED_EMBEDDER, device="cpu")
    total = len(texts)
    done = [0]

    def step(n: int) -> None:
        done[0] += n
        progress("embedding prompts", done[0], total)

    x = embedder.embed_documents(texts, on_batch=step)
    y = [i.target for i in items]
    x_train, y_train = x[train_idx], [y[i] for i in train_idx]
    x_val = x[val_idx]
    val = [items[i] for i in val_idx]
    listed = np.array([lists(i.text) if lists else False for i in val], dtype=bool)
    unsafe_val = np.array([i.target != "safe" for i in val])
    tricky_val = np.array([i.category in ("safe_tricky", "safe_marketing") for i in val])
    text_val = np.array([i.target == "safe" and i.source in TEXT_SOURCES for i in val])
    plain_val = ~unsafe_val & ~tricky_val & ~text_val

    best: tuple[float, float, str, float] | None = None
    fits: dict[tuple[float, str], tuple[np.ndarray, np.ndarray, tuple[str, ...]]] = {}
    grid = [(c, w) for w in CLASS_WEIGHTS for c in REGULARISATION]
    for n, (c, weighting) in enumerate(grid, 1):
        progress("fitting", n, len(grid))
        fits[c, weighting] = _fit(x_train, y_train, c, weighting, seed)
        coef, intercept, classes = fits[c, weighting]
        weights = Weights(coef, intercept, classes, 1.0, 1.0, BUNDLED_EMBEDDER)
        scores = np.array([r.score for r in weights.readings(x_val)])
        block = max(
            _lowest_threshold(scores[plain_val], listed[plain_val], BLOCK_FP_TARGET),
            _lowest_threshold(scores[tricky_val], listed[tricky_val], TRICKY_FP_TARGET),
        )
        recall = float(((scores >= block) | listed)[unsafe_val].mean())
        if best is None or recall > best[1] + 1e-9:
            best = (c, recall, weighting, block)
    assert best is not None
    c, _, weighting, block = best
    coef, intercept, classes = fits[c, weighting]
    weights = Weights(coef, intercept, classes, block, block, BUNDLED_EMBEDDER)
    full_scores = np.array([r.score for r in weights.readings(x_val)])
    prompts = ~unsafe_val & ~text_val
    # review: as low as the review load allows (safe prompts blocked or flagged <= REVIEW_SHARE_TARGET)
    review = min(block, _lowest_threshold(full_scores[prompts], listed[prompts], REVIEW_SHARE_TARGET))

    # The quick stage: prompts it scores below `skip` never reach MiniLM. `skip` lets through at most
    # QUICK_MISS_TARGET of the validation prompts the full model blocks or flags.
    progress("fitting the quick stage", 0, 1)
    q = TokenVectors(BUNDLED_EMBEDDER).features(texts)
    q_coef, q_intercept, q_classes = _fit(q[train_idx], y_train, QUICK_C, "balanced", seed)
    q_coef = q_coef[[q_classes.index(name) for name in classes]]  # the same class order as the full model
    q_intercept = q_intercept[[q_classes.index(name) for name in classes]]
    weights = Weights(coef, intercept, classes, block, review, BUNDLED_EMBEDDER, q_coef, q_intercept, 0.0)
    quick_scores = np.array([r.score for r in weights.quick_readings(q[val_idx])])
    needs = np.sort(quick_scores[full_scores >= review])
    skip = float(needs[int(np.floor(QUICK_MISS_TARGET * len(needs)))]) if len(needs) else 0.0
    weights = Weights(coef, intercept, classes, block, review, BUNDLED_EMBEDDER, q_coef, q_intercept, skip)
    readings = _cascade(weights, x_val, q[val_idx])
    scores = np.array([r.score for r in readings])
    quick_share = float(np.mean([r.stage == "quick" for r in readings]))
    blocked = np.array([r.blocks for r in readings]) | listed
    flagged = np.array([r.flags for r in readings]) & ~blocked
    categories = sorted({i.category for i in val})
    per_category = {
        cat: round(float(blocked[[k for k, i in enumerate(val) if i.category == cat]].mean()), 4) for cat in categories
    }
    nearest_ok = [r.category == i.category for r, i in zip(readings, val, strict=True) if i.target != "safe"]
    meta = {
        "format": FORMAT,
        "embedder": BUNDLED_EMBEDDER,
        "block": round(block, 6),
        "review": round(review, 6),
        "skip": round(skip, 6),
        "C": c,
        "class_weight": weighting,
        "seed": seed,
    }
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        coef=coef.astype(np.float16),
        intercept=intercept.astype(np.float16),
        quick_coef=q_coef.astype(np.float16),
        quick_intercept=q_intercept.astype(np.float16),
        classes=np.array(classes),
        meta=np.array(json.dumps(meta, sort_keys=True)),
    )
    atomic_write_bytes(out, buffer.getvalue())  # a gate reading it meanwhile never sees half a file
    # the saved (fp16) weights are what the gate uses: check them once more on the split
    saved = load_weights(out)
    drift = float(np.abs(np.array([r.score for r in _cascade(saved, x_val, q[val_idx])]) - scores).max())
    counts = Counter(i.category for i in items)
    sources = Counter(i.source for i in items)
    return PromptClassifierCard(
        path=str(out),
        bytes=out.stat().st_size,
        seed=seed,
        regularisation=c,
        class_weight=weighting,
        block_threshold=round(block, 6),
        review_threshold=round(review, 6),
        skip_threshold=round(skip, 6),
        validation_quick_share=round(quick_share, 4),
        train_items=len(train_idx),
        validation_items=len(val_idx),
        planner_prompts=len(planner),
        counts=dict(sorted(counts.items())),
        sources=dict(sorted(sources.items())),
        validation_recall=round(float(blocked[unsafe_val].mean()), 4),
        validation_recall_with_review=round(float((blocked | flagged)[unsafe_val].mean()), 4),
        validation_false_positives=round(float(blocked[plain_val].mean()), 4),
        validation_tricky_false_positives=round(float(blocked[tricky_val].mean()), 4),
        validation_review_share=round(float(flagged[prompts].mean()), 4),
        validation_text_false_positives=round(float(blocked[text_val].mean()), 4) if text_val.any() else 0.0,
        validation_per_category=per_category,
        validation_nearest_category=round(float(np.mean(nearest_ok)), 4) if nearest_ok else 0.0,
        fp16_max_score_change=round(drift, 5),
    )


def write_card(card: PromptClassifierCard, path: Path = CARD_FILE, sources_file: str = "SOURCES.md") -> None:
    """The data card beside the weights: what it was trained on, the thresholds and how they were chosen."""
    rows = "\n".join(f"| {k} | {v:,} |" for k, v in card.counts.items())
    source_rows = "\n".join(f"| {k} | {v:,} |" for k, v in card.sources.items())
    per_category = "\n".join(f"| {k} | {100 * v:.1f}% |" for k, v in card.validation_per_category.items())
    grid = ", ".join(str(c) for c in REGULARISATION)
    text = f"""# Prompt classifier: data card

`prompt_classifier.npz` ({card.bytes:,} bytes) is the prompt gate's learned classifier, in two stages
over all-MiniLM-L6-v2 (the model onbrand ships):

- **full**: a multinomial logistic regression (C = {card.regularisation}, class weights
  {card.class_weight}) over the 384-d MiniLM sentence embedding, with a class for safe prompts and one
  for each unsafe category (sexual, minors, violence, weapons, hate, self_harm, drugs). Its score is
  1 - P(safe); its nearest category is the most likely unsafe class.
- **quick**: the same kind of model (C = {QUICK_C}, balanced) over the mean of MiniLM's input vectors
  of the prompt's word pieces (a table look-up, no transformer). A prompt it scores below the skip
  threshold is read as safe without running MiniLM; every other prompt gets the full reading.

Weights are stored in fp16 (largest score change from that rounding on the validation split:
{card.fp16_max_score_change}). Rebuild, seeded (the same data and seed give the same file):

```bash
onbrand train-prompt-classifier --seed {card.seed}
```

## Data

- `train.jsonl` in this folder: public labelled prompt sets with clear licences and prompts written
  for onbrand. Sources, commits, licences and how each was filtered: [{sources_file}]({sources_file}).
- {card.planner_prompts} prompts written by onbrand's own template planner for the sample briefs
  (`data/briefs/*.yaml`, sample brand Tidewell), as benign marketing language (source
  `onbrand-planner`, category `safe_marketing`).
- Never used for training or for choosing anything: the held-out part of the hand-written set and the
  second public set (`tests/fixtures/prompts/`), the I2P benchmark, COCO captions and PartiPrompts.

| category | items |
|---|---|
{rows}

| source | items |
|---|---|
{source_rows}

## Thresholds and how they were chosen

A seeded, stratified {100 * VALIDATION_SHARE:.0f}% of the data (every category) was set aside as the
validation split ({card.validation_items:,} items); both stages were fitted on the rest
({card.train_items:,}). On the validation split, lists and classifier together:

- **block**: for each C in ({grid}) and class weighting, the lowest score at which at most
  {100 * BLOCK_FP_TARGET:.1f}% of the safe image prompts and at most {100 * TRICKY_FP_TARGET:.1f}% of the tricky
  and marketing prompts are blocked (in practice: above every one of them); the C with the highest
  unsafe recall there. People's messages (HateCheck, ToxiGen, the OpenAI moderation samples) are
  training data but do not set it: the targets are about prompts.
- **review** (a person must look; the prompt is not blocked): the lowest score at which at most
  {100 * REVIEW_SHARE_TARGET:.0f}% of the safe prompts are blocked or flagged.
- **skip** (quick stage): the score below which at most {100 * QUICK_MISS_TARGET:.1f}% of the prompts the
  full model blocks or flags would be read as safe without it.

The first thresholds were chosen at 0.4% and 0.8%; on the held-out sets they blocked 2.1% of the
public benign prompts and 7.0% of the tricky ones (`docs/benchmarks.md`, issue 18), so the
validation split is easier than prompts from elsewhere, and the targets above are now stricter.

| threshold | score |
|---|---|
| block | {card.block_threshold} |
| review | {card.review_threshold} |
| skip (quick stage) | {card.skip_threshold} |

On the validation split (lists + classifier, both stages as shipped): unsafe recall
{100 * card.validation_recall:.1f}% blocked, {100 * card.validation_recall_with_review:.1f}% blocked or flagged;
false positives {100 * card.validation_false_positives:.2f}% on image prompts and
{100 * card.validation_tricky_false_positives:.2f}% on tricky and marketing prompts
({100 * card.validation_text_false_positives:.1f}% on people's messages, which are not a target);
safe prompts flagged for review {100 * card.validation_review_share:.1f}%; read by the quick stage alone
{100 * card.validation_quick_share:.1f}% of all prompts; nearest category right on
{100 * card.validation_nearest_category:.1f}% of unsafe prompts. Share blocked by category:

| category | blocked |
|---|---|
{per_category}

The figures on the held-out sets are in `docs/benchmarks.md` (issue 18).

## Limits

- It reads English prompts; other languages score unpredictably.
- A paraphrase far from everything it saw can pass; the word lists, the image gate and the human
  review stay in place behind it. Ordinary prompts about nature and sport with violent-sounding
  verbs ("a volcano erupting", "a crab cracked open with a mallet") are its commonest false positives.
- Its block threshold sits above every safe validation prompt, so it gives up some recall: sexual slang
  in plain words ("giving head") can read as safe.
- Licences: the weights are derived from the sets above (MIT, CC-BY-4.0, Apache-2.0 and onbrand's
  own); CC-BY-4.0 sets need attribution (HateCheck: Röttger et al., ACL 2021; Adversarial Nibbler is
  evaluation only).
"""
    atomic_write_text(path, text)
