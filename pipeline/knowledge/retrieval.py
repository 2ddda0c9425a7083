"""Hybrid retrieval over a brand's guidelines: dense (Chroma) + lexical (BM25), fused by reciprocal rank.

Brand questions mix meaning ("how much room around the logo?") with exact tokens (``#1F6F8B``,
"300 dpi", product names). Dense retrieval finds the first kind, BM25 the second; reciprocal-rank
fusion (Cormack et al., 2009) combines rankings without calibrating their scores. Four rankings go in:
dense over whole chunks, dense over a chunk's single rows / items / sentences (so that one row of a
long table still surfaces its table), BM25 over section + text, and exact runs of coded query tokens.

    >>> retriever = Retriever(KnowledgeBase(Settings()))  # doctest: +SKIP
    >>> retriever.search("minimum logo size", brand="Tidewell", k=1)[0].section  # doctest: +SKIP
    'Visual identity > Logo > Minimum size'
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from pipeline.knowledge.chunking import Passage, passages_of
from pipeline.knowledge.store import KnowledgeBase, collection_name
from pipeline.models import GuidelineChunk, SearchHit
from pipeline.settings import Settings

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "up",
        "us",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "my",
        "me",
        "much",
        "many",
        "any",
    ]
)
_TOKEN = re.compile(r"#[0-9a-f]{6}\b|#[0-9a-f]{3}\b|\d+(?:[.,]\d+)?|[a-z\u00c0-\u024f]+")


def _stem(word: str) -> str:
    """A deliberately light stemmer: plural and a few suffixes, enough for guideline vocabulary."""
    if len(word) <= 3 or word[0] == "#" or word[0].isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us", "is")):
            return word[: -len(suffix)] + repl
    return word


def tokenize(text: str) -> list[str]:
    """Lower-cased word, number and hex-code tokens with stop words dropped.

    >>> tokenize("Use #1F6F8B at 300 dpi for printed labels")
    ['use', '#1f6f8b', '300', 'dpi', 'print', 'label']
    """
    text = text.lower().replace("colour", "color").replace("grey", "gray")
    return [_stem(t) for t in _TOKEN.findall(text) if t not in _STOP]


def terms(text: str) -> list[str]:
    """Index terms: tokens plus adjacent-token bigrams, so that "3 mm", "300 dpi" or a CMYK build
    ("C 85 M 30 Y 75 K 40") match as a sequence, not as scattered numbers."""
    tokens = tokenize(text)
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


class BM25Index:
    """Okapi BM25 over a fixed set of chunks, as a sparse term-weight matrix for fast queries."""

    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        from scipy.sparse import csc_matrix

        docs = [Counter(terms(t)) for t in texts]
        self.vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float64)
        avg = float(lengths.mean()) if len(docs) else 1.0
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.keys())
        n = len(docs)
        for i, d in enumerate(docs):
            norm = k1 * (1 - b + b * lengths[i] / (avg or 1.0))
            for term, tf in d.items():
                j = self.vocab.setdefault(term, len(self.vocab))
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                rows.append(i)
                cols.append(j)
                vals.append(idf * tf * (k1 + 1) / (tf + norm))
        self.matrix = csc_matrix((vals, (rows, cols)), shape=(n, max(1, len(self.vocab))))

    def scores(self, query: str) -> np.ndarray:
        ids = [self.vocab[t] for t in terms(query) if t in self.vocab]
        if not ids:
            return np.zeros(self.matrix.shape[0])
        return np.asarray(self.matrix[:, ids].sum(axis=1)).ravel()


def exact_run(query: list[str], doc: str) -> tuple[int, bool]:
    """Longest run of consecutive query tokens that appears verbatim in ``doc`` (a space-joined token
    string), and whether that run holds a number or a code."""
    best: tuple[int, bool] = (0, False)
    for i in range(len(query)):
        for j in range(len(query), i + best[0], -1):
            run = query[i:j]
            if f" {' '.join(run)} " in doc:
                best = (j - i, any(t[0].isdigit() or t[0] == "#" for t in run))
                break
    return best


@dataclass
class _BrandIndex:
    revision: tuple[int, int]
    chunks: list[GuidelineChunk]
    passages: list[Passage]  # what is ranked and shown: chunks, small sections merged with their neighbours
    passage_of: dict[str, int]  # chunk id -> its passage
    bm25: BM25Index
    token_text: list[str]  # " tok tok ... " per passage, for exact-sequence matching


_INDEXES: dict[tuple[str, str], _BrandIndex] = {}
_LOCK = threading.Lock()


class Retriever:
    """Brand-scoped hybrid search. Cheap to build; the BM25 index is built once per brand revision."""

    def __init__(self, knowledge: KnowledgeBase, settings: Settings | None = None) -> None:
        self.knowledge = knowledge
        self.settings = settings or knowledge.settings

    def _index(self, brand: str, collection: Any = None) -> _BrandIndex:
        key = (str(self.settings.chroma_host or self.settings.chroma_path), collection_name(brand))
        revision = self.knowledge.revision(brand, collection)
        with _LOCK:
            cached = _INDEXES.get(key)
            if cached is not None and cached.revision == revision:
                return cached
        chunks = self.knowledge.chunks(brand)
        passages = passages_of(chunks, self.settings.passage_min_chars, self.settings.chunk_chars)
        topics = [p.section or p.title for p in passages]
        # The topic (heading path) is indexed twice: headings are short, precise statements of what a passage is about.
        bm25 = BM25Index([f"{t}\n{t}\n{p.text}" for t, p in zip(topics, passages, strict=True)])
        index = _BrandIndex(
            revision,
            chunks,
            passages,
            {c.id: i for i, p in enumerate(passages) for c in p.chunks},
            bm25,
            [f" {' '.join(tokenize(p.embedding_text()))} " for p in passages],
        )
        with _LOCK:
            _INDEXES[key] = index
        return index

    def warm_up(self, brand: str) -> None:
        self.knowledge.embedder.warm_up()
        self._index(brand)

    def search(self, query: str, brand: str, k: int | None = None) -> list[SearchHit]:
        """Best passages first. ``score`` is the fused score scaled so that 1.0 = first in every ranking."""
        k = k or self.settings.search_k
        query = " ".join(query.split())
        if not query:
            return []
        collection = self.knowledge._collection(brand)
        index = self._index(brand, collection)
        if not index.chunks:
            return []
        pool = min(self.settings.search_candidates, len(index.chunks))

        vector = self.knowledge.embedder.embed_query(query)
        result = collection.query(query_embeddings=[vector.tolist()], n_results=pool, include=["distances"])
        dense = _ranked(index.passage_of.get(i) for i in result["ids"][0])
        # Dense over single rows, items and sentences, ranked by their passage's best unit.
        by_unit: list[int] = []
        units = self.knowledge._units(brand)
        if units is not None:  # n_results above the collection's size just returns what there is
            got = units.query(query_embeddings=[vector.tolist()], n_results=pool * 2, include=["metadatas"])
            by_unit = _ranked(index.passage_of.get(str((m or {}).get("parent", ""))) for m in got["metadatas"][0])[
                :pool
            ]

        lexical = index.bm25.scores(query)
        top = np.argsort(-lexical, kind="stable")[:pool]
        by_words = [int(i) for i in top if lexical[i] > 0]

        # Third ranking: passages holding most of the query verbatim, with a number or code in the run
        # ("C 85 M 30 Y 75 K 40", "3 mm bleed"). Codes are where meaning-based retrieval is weakest.
        query_tokens = tokenize(query)
        runs = {}
        for n in dict.fromkeys(dense + by_unit + by_words):
            length, coded = exact_run(query_tokens, index.token_text[n])
            if coded and length >= max(3, 0.6 * len(query_tokens)):
                runs[n] = length
        exact = sorted(runs, key=lambda n: -runs[n])

        rrf_k = self.settings.rrf_k
        rankings = (dense, by_unit, by_words, exact)
        fused: dict[int, float] = {}
        for ranking in rankings:
            for rank, n in enumerate(ranking):
                fused[n] = fused.get(n, 0.0) + 1.0 / (rrf_k + rank + 1)
        best = sum(1 for r in rankings if r) / (rrf_k + 1)
        order = sorted(fused, key=lambda n: (-fused[n], n))[:k]
        hits = []
        for n in order:
            passage = index.passages[n]
            first = passage.chunks[0]
            hits.append(
                SearchHit(
                    text=passage.text,
                    source=first.source,
                    section=passage.section,
                    score=round(fused[n] / best, 4),
                    chunk_id=first.id,
                    page=first.page,
                    title=first.title,
                )
            )
        return hits


def _ranked(passages: Any) -> list[int]:
    """Passage indices in the order their chunks ranked, each once (unknown chunks skipped)."""
    return [n for n in dict.fromkeys(passages) if n is not None]
