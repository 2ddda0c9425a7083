"""Brand imagery rules matched by meaning as well as by words: lemmas, and MiniLM similarity.

    >>> matcher = SemanticMatcher()                                   # cheap: MiniLM loads on first use
    >>> matcher.best("a roaring bonfire on the beach", ["open flame", "campfire"])  # doctest: +SKIP
    Near(phrase='bonfire', subject='campfire', similarity=0.74, how='similarity')

A "never show campfires" rule written as words catches "campfires" and nothing else. Here a prompt
phrase also matches a rule's subject when

* its lemmas are the subject's ("smoking" and "smoke", "tattooed" and "tattoos"), or
* its MiniLM embedding is within :data:`SIMILARITY` (cosine) of the subject's: "bonfire" for
  "campfire", "a dji quadcopter" for "drones".

The threshold was calibrated on labelled rule/phrase pairs (``data/safety/classifier/brand_pairs.jsonl``):
chosen on one seeded half of the rules, and reported on the other (``tests/benchmarks/prompt_sets_bench.py``
and ``docs/benchmarks.md``, issue 18).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.settings import BUNDLED_EMBEDDER

# Cosine similarity of MiniLM embeddings above which a prompt phrase counts as a rule's subject:
# chosen on the calibration half of brand_pairs.jsonl (best F1 there), see the module docstring.
SIMILARITY = 0.6
TEMPLATE = "a photo of {}"
# ...and must beat its similarity to the nearest of these everyday things of product photos by this
# margin (chosen with the threshold): "bottle" is near "alcohol", but nearer to "a bottle".
ANCHOR_MARGIN = 0.075
ANCHORS = (
    "a product",
    "a bottle",
    "a can",
    "a cup",
    "a mug",
    "a jar",
    "a drink",
    "a glass",
    "a label",
    "a package",
    "a box",
    "a bag",
    "a plate",
    "a bowl",
    "a table",
    "a background",
    "a person",
    "a woman",
    "a man",
    "food",
    "a room",
    "a scene",
    "an object",
    "light",
    "a colour",
    "a texture",
    "a shape",
    "a surface",
)
MAX_WORDS = 3  # phrases of up to three words: "dji quadcopter", "sport bike", "hundred dollar bills"

# Words that never start or end a phrase: a subject is a thing, not "of the" or "with a".
STOPWORDS = frozenset(
    """
    a an the and or but of in on at to for from with without by as into onto over under near next this that
    these those is are was were be been being it its their his her our your my some any all no not very just
    only up down out off so than then there here while who whom which what when where how s t one two three
    four five six seven eight nine ten lots lot full side top front back behind
    """.split()  # noqa: SIM905
)

_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")


def lemma(word: str) -> str:
    """A crude English lemma, enough to tell word forms of one thing apart from other things:
    "flames" and "flame", "smoking" and "smoke", "tattooed" and "tattoo", "berries" and "berry"."""
    w = word.lower().strip("'-")
    w = re.sub(r"'s?$", "", w)
    if len(w) <= 3:
        return w
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ves", "f"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith(("ss", "us", "is")):
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "aeiousl":  # "shopping" -> "shopp" -> "shop"
        w = w[:-1]
    return w.removesuffix("e") if len(w) >= 4 else w


def phrases(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """The prompt's candidate phrases: runs of up to ``max_words`` words that start and end with a
    content word ("bonfire", "roaring bonfire", "dji quadcopter")."""
    words = _WORD.findall(text.lower())
    out: list[str] = []
    for i, first in enumerate(words):
        if first in STOPWORDS:
            continue
        for n in range(1, max_words + 1):
            run = words[i : i + n]
            if len(run) < n or run[-1] in STOPWORDS:
                continue
            out.append(" ".join(run))
    return list(dict.fromkeys(out))


def lemma_match(text: str, subject: str) -> str | None:
    """The words of ``text`` whose lemmas are ``subject``'s content words, in order, or None."""
    words = _WORD.findall(text.lower())
    want = [lemma(w) for w in _WORD.findall(subject.lower()) if w not in STOPWORDS]
    if not want:
        return None
    have = [lemma(w) for w in words]
    for i in range(len(have) - len(want) + 1):
        if have[i : i + len(want)] == want:
            return " ".join(words[i : i + len(want)])
    return None


def _head(subject: str) -> str:
    words = [w for w in _WORD.findall(subject.lower()) if w not in STOPWORDS]
    return lemma(words[-1]) if words else ""


@dataclass(frozen=True)
class Near:
    """The prompt phrase nearest to one of the subjects, and how it matched."""

    phrase: str
    subject: str
    similarity: float
    how: str  # "lemma" or "similarity"
    generic: float = 0.0  # the phrase's similarity to the nearest everyday thing (ANCHORS)


class SemanticMatcher:
    """Matches prompt phrases to rule subjects by lemma and by MiniLM similarity (embeddings cached)."""

    _lock = threading.Lock()

    def __init__(
        self,
        threshold: float = SIMILARITY,
        margin: float = ANCHOR_MARGIN,
        model: str = BUNDLED_EMBEDDER,
        cache_size: int = 20000,
    ) -> None:
        self.threshold = threshold
        self.margin = margin
        self.model = model
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised embeddings of ``texts`` (one forward pass for the ones not cached yet)."""
        from pipeline.knowledge.embeddings import Embedder

        with self._lock:
            todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            vectors = Embedder(self.model, device="cpu").embed_documents(todo)
            with self._lock:
                for text, vector in zip(todo, vectors, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)

    def best(self, text: str, subjects: Sequence[str]) -> Near | None:
        """The best lemma or similarity match of ``text`` (normalised) to any of ``subjects``; None
        when nothing reaches the threshold."""
        for subject in subjects:
            hit = lemma_match(text, subject)
            if hit:
                return Near(hit, subject, 1.0, "lemma")
        fits = [
            near
            for near in self.scores(text, subjects)
            if near.similarity >= self.threshold and near.similarity - near.generic >= self.margin
        ]
        return max(fits, key=lambda near: near.similarity, default=None)

    def scores(self, text: str, subjects: Sequence[str]) -> list[Near]:
        """Every candidate phrase against every subject, with its similarity to the subject and to the
        nearest everyday thing (:data:`ANCHORS`): what :meth:`best` thresholds and the calibration
        sweeps. A phrase nearer to an everyday thing of product photos than to the subject is not the
        subject ("bottle" is closer to "a bottle" than to "alcohol").

        Subjects whose head noun the prompt names are left out: a prompt that says "a glass bottle"
        against "plastic bottles", or "label facing the camera" against "scuffed labels", is about
        that kind of thing with the modifier not met; the words decide there, not similarity."""
        candidates = phrases(text)
        said = {lemma(w) for w in _WORD.findall(text)}
        keep = [s for s in subjects if _head(s) not in said]
        if not candidates or not keep:
            return []
        sims = self.similarities(candidates, keep)
        generic = self.generic(candidates)
        return [
            Near(candidate, subject, float(sims[i, j]), "similarity", float(generic[i]))
            for i, candidate in enumerate(candidates)
            for j, subject in enumerate(keep)
        ]

    def generic(self, candidates: Sequence[str]) -> np.ndarray:
        """Each candidate's similarity to the nearest of :data:`ANCHORS`."""
        vectors = self.embed([TEMPLATE.format(t) for t in (*candidates, *ANCHORS)])
        return np.asarray((vectors[: len(candidates)] @ vectors[len(candidates) :].T).max(axis=1))

    def similarities(self, candidates: Sequence[str], subjects: Sequence[str]) -> np.ndarray:
        """Cosine similarity of every candidate phrase (rows) to every subject (columns), both read as
        "a photo of ..." (a bare word embeds noisily; as the object of a photo it reads as a thing)."""
        vectors = self.embed([TEMPLATE.format(t) for t in (*candidates, *subjects)])
        return np.array(vectors[: len(candidates)] @ vectors[len(candidates) :].T)


_DEFAULT: list[SemanticMatcher] = []


def default_matcher() -> SemanticMatcher:
    """The process-wide matcher (its phrase cache is shared by every gate)."""
    with SemanticMatcher._lock:
        if not _DEFAULT:
            _DEFAULT.append(SemanticMatcher())
        return _DEFAULT[0]
