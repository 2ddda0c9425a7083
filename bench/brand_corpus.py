"""Scores onbrand on a corpus of real brand guides: profile extraction and retrieval, per brand.

Each brand folder of the corpus (default ``tests/fixtures/real_brands``) holds guideline documents,
a hand-written ``expected_profile.yaml`` and ``questions.yaml`` (15 questions, each with a verbatim
``answer`` phrase and the ``source`` file it is in). The documents are every file of the folder but
those two. For each brand the documents are ingested into a fresh temporary workspace (brand name =
folder name), the profile is extracted and scored, and the questions are asked of onbrand's
Retriever and of the plain LangChain + Chroma dense baseline of ``bench/run.py``.

    python bench/brand_corpus.py --corpus PATH --out results.json
    python bench/brand_corpus.py --brands 18f,nhs --no-baseline

Every call into onbrand's API is in the adapter functions at the top of this file; port the script
to another API by editing only those.

Definitions (per brand; "normalised name" = lower-case, every run of non-alphanumerics one space)
-------------------------------------------------------------------------------------------------
palette hex recall     expected palette hexes found among the extracted palette hexes / expected
                       palette hexes. Hexes are upper-cased, #abc expanded to #AABBCC.
colour names kept      of the expected palette colours whose hex was found, the share whose extracted
                       name (of the entry with that hex) equals the expected name after normalising.
role accuracy          of the same found colours, the share whose extracted role equals the expected role.
invented colours       extracted palette hexes that are neither an expected palette hex, nor an
                       expected tint hex, nor an expected forbidden hex (count and list). Counted for
                       every brand, also those whose expected palette is empty.
tints as colours       extracted palette entries whose hex is an expected tint hex (count).
tint recall            expected tint hexes found among the profile's tints, when the profile has a
                       notion of tints; None (n/a) while it has none.
fonts found            expected fonts (``fonts``) equal, case-insensitively, to an extracted family
                       (any usage, fallback included) / expected fonts.
non-fonts              extracted families that are neither an expected font nor an expected fallback
                       font (case-insensitive; list). Counted for every brand.
banned terms found     expected banned_terms for which some extracted banned term (any kind:
                       banned, claim, competitor) equals it or contains it as whole words,
                       case-insensitively (curly quotes folded) / expected banned terms.
imagery don'ts         expected imagery_dont items for which some extracted imagery rule with
                       polarity "dont" has a subject matching one of the item's subjects / items.
                       Subjects match when, normalised and singularised word by word, they are
                       equal or one contains the other as whole words.
logo minimums          expected logo.min_size entries for which the profile holds the same value
                       with the same unit and dimension / entries. Today's profile only has
                       logo_min_width_px and logo_min_width_mm, so a height is always a miss.
hit@1 / hit@3          share of the questions whose answer phrase is inside the first / one of the
                       first three passages retrieved (case-insensitive, whitespace-normalised, as
                       in bench/run.py), for onbrand's Retriever and the LangChain baseline, each
                       over the brand's documents only. onbrand's passage is what a hit shows: its
                       heading path and its text (the baseline's 500-character splits keep their
                       headings inline). "text hit@1/3" is the same on onbrand's text alone.
ingest chunks/s        chunks stored / seconds of the ingest call (embedder already loaded).

tint names kept        of the expected tints whose hex is among the profile's tints, the share whose
                       extracted tint name equals the expected name after normalising.
tint bases             of the same found tints, the share whose base colour name equals the expected
                       base or ends with it as whole words ("Primary blue" for base "Blue"), normalised.
say instead            expected say_instead pairs (term -> replacement) for which some extracted
                       banned term matches the term (as for banned terms found) and carries a
                       replacement that, normalised, equals the expected one or contains it (or is
                       contained in it) as whole words / expected pairs.
evidence               extracted colours, tints, fonts, terms and rules that carry their source
                       (the guideline passage they were read from) / all of them.

Aggregates (held-out = ethereum, ibm-carbon, mozilla; dev = the other five; all = the eight)
------------------------------------------------------------------------------------------
Rates are micro-averaged: summed numerators over summed denominators (expected hexes, found
colours, expected fonts, expected terms, expected don't items, expected minimums, questions).
A brand whose expected list for a measure is empty (or, for names kept / roles, that found no
colour) adds nothing to that measure and shows "n/a"; an aggregate with no items is "n/a".
Counts (invented colours, tints as colours, non-fonts) are summed. Ingest speed is total chunks /
total ingest seconds. The JSON also has the macro average (mean of per-brand rates) of each rate.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

for _key, _value in (
    ("HF_HUB_OFFLINE", "1"),
    ("TRANSFORMERS_OFFLINE", "1"),
    ("ANONYMIZED_TELEMETRY", "False"),
    ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
    ("TOKENIZERS_PARALLELISM", "false"),
):
    os.environ.setdefault(_key, _value)

DEFAULT_CORPUS = REPO / "tests" / "fixtures" / "real_brands"
HELD_OUT = ("ethereum", "ibm-carbon", "mozilla")
NOT_DOCUMENTS = {"expected_profile.yaml", "questions.yaml"}


# === adapters: every call into onbrand's API ====================================================


def make_settings(home: Path) -> Any:
    from pipeline.settings import Settings

    return Settings(home=home)


def ingest(brand_dir: Path, settings: Any) -> dict[str, Any]:
    """Ingest the brand's documents into the workspace of ``settings`` under the folder's name.
    Returns a handle: the knowledge base, brand, chunk count, ingest seconds and file errors."""
    from pipeline.knowledge.store import KnowledgeBase

    kb = KnowledgeBase(settings)
    kb.embedder.warm_up()  # model load is not ingest time
    brand = brand_dir.name
    start = time.perf_counter()
    report = kb.ingest(document_files(brand_dir), brand=brand)
    seconds = time.perf_counter() - start
    try:  # chunks plus the rows/items/sentences embedded beside them
        embedded = report.total_chunks + kb._units(report.brand).count()
    except Exception:  # informative only
        embedded = None
    return {
        "kb": kb,
        "embedded": embedded,
        "brand": report.brand,
        "chunks": report.total_chunks,
        "seconds": seconds,
        "errors": [f"{e.file}: {e.error}" for e in report.errors],
    }


def profile_of(ws: dict[str, Any]) -> Any:
    from pipeline.brand.profile import extract_profile

    return extract_profile(ws["brand"], ws["kb"].chunks(ws["brand"]))


def search(ws: dict[str, Any], question: str, k: int = 3) -> list[dict[str, str]]:
    """Best passages first: what a hit shows (its heading path, then its text), its text alone, and
    its source document."""
    from pipeline.knowledge.retrieval import Retriever

    retriever = ws.setdefault("retriever", Retriever(ws["kb"]))
    return [
        {"text": h.shown(), "body": h.text, "source": h.source}
        for h in retriever.search(question, brand=ws["brand"], k=k)
    ]


def baseline_search(brand_dir: Path, questions: list[str], work: Path) -> list[list[str]]:
    """The LangChain + Chroma dense baseline of bench/run.py (500/50 splitter, same MiniLM): top 3 texts."""
    from bench.run import _langchain_baseline

    return _langchain_baseline(work, brand_dir, questions)


def palette_of(profile: Any) -> list[dict[str, str]]:
    return [{"name": c.name, "hex": c.hex, "role": c.role} for c in profile.palette]


def tints_of(profile: Any) -> list[dict[str, str]] | None:
    """The profile's tints ({base, name, hex}); None while the profile has no notion of tints."""
    tints = getattr(profile, "tints", None)
    if tints is None:
        return None
    return [{"base": getattr(t, "base", ""), "name": getattr(t, "name", ""), "hex": t.hex} for t in tints]


def fonts_of(profile: Any) -> list[dict[str, str]]:
    return [{"family": f.family, "usage": f.usage} for f in profile.fonts]


def banned_terms_of(profile: Any) -> list[str]:
    return [t.term for t in profile.banned_terms]


def say_instead_of(profile: Any) -> list[tuple[str, str]]:
    """(term, what to write instead) for every banned term that says what to write instead."""
    return [(t.term, t.instead) for t in profile.banned_terms if getattr(t, "instead", None)]


def imagery_donts_of(profile: Any) -> list[dict[str, Any]]:
    return [{"text": r.text, "subjects": list(r.subjects)} for r in profile.imagery_rules if r.polarity == "dont"]


def logo_minimums(profile: Any) -> list[dict[str, Any]]:
    """Minimum logo sizes the profile holds, as {value, unit, dimension}: every stated minimum with its
    unit and dimension, plus the older width-only fields."""
    layout = profile.layout_rules
    out = [
        {"value": float(m.value), "unit": m.unit, "dimension": m.dimension}
        for m in getattr(layout, "logo_minimums", [])
    ]
    if layout.logo_min_width_px is not None:
        out.append({"value": float(layout.logo_min_width_px), "unit": "px", "dimension": "width"})
    if layout.logo_min_width_mm is not None:
        out.append({"value": float(layout.logo_min_width_mm), "unit": "mm", "dimension": "width"})
    return out


def evidence_of(profile: Any) -> list[tuple[bool, float]]:
    """(has a source, confidence) for every colour, tint, font, term and rule of the profile."""
    items = [
        *profile.palette,
        *getattr(profile, "tints", []),
        *profile.fonts,
        *profile.banned_terms,
        *profile.tone,
        *profile.logo_rules,
        *profile.imagery_rules,
    ]
    return [(i.source is not None, float(getattr(i, "confidence", 1.0))) for i in items]


# === corpus =====================================================================================


def document_files(brand_dir: Path) -> list[Path]:
    return sorted(p for p in brand_dir.iterdir() if p.is_file() and p.name not in NOT_DOCUMENTS)


def hit(answer: str, text: str) -> bool:
    from bench.run import _hit

    return _hit(answer, text)


def _hex(value: str) -> str:
    text = str(value).strip().upper()
    if not text.startswith("#"):
        text = "#" + text
    if re.fullmatch(r"#[0-9A-F]{3}", text):
        text = "#" + "".join(c * 2 for c in text[1:])
    return text


def _name(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(text).lower()).split())


def _fold(text: str) -> str:
    return " ".join(str(text).replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').lower().split())


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _subject(text: str) -> str:
    return " ".join(_singular(w) for w in _name(text).split())


def _contains_words(outer: str, inner: str) -> bool:
    return bool(inner) and f" {inner} " in f" {outer} "


def subjects_match(a: str, b: str) -> bool:
    a, b = _subject(a), _subject(b)
    return bool(a and b) and (a == b or _contains_words(a, b) or _contains_words(b, a))


def term_matches(extracted: str, expected: str) -> bool:
    ext, exp = _fold(extracted), _fold(expected)
    if not exp:
        return False
    return ext == exp or re.search(r"(?<!\w)" + re.escape(exp) + r"(?!\w)", ext) is not None


def _base_matches(got: str, expected: str) -> bool:
    got, expected = _name(got), _name(expected)
    return bool(got and expected) and (got == expected or got.endswith(" " + expected))


def _instead_matches(got: str, expected: str) -> bool:
    got, expected = _fold(got), _fold(expected)
    if not got or not expected:
        return False
    return got == expected or _contains_words(got, expected) or _contains_words(expected, got)


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


# === scoring ====================================================================================


def score_profile(profile: Any, expected: dict[str, Any]) -> dict[str, Any]:
    exp_palette = [{**c, "hex": _hex(c["hex"])} for c in expected.get("palette") or []]
    exp_tints = [{**t, "hex": _hex(t["hex"])} for t in expected.get("tints") or []]
    exp_forbidden = {_hex(h) for h in expected.get("forbidden_hexes") or []}
    got = palette_of(profile)
    got_by_hex: dict[str, dict[str, str]] = {}
    for c in got:
        got_by_hex.setdefault(_hex(c["hex"]), c)

    found = [c for c in exp_palette if c["hex"] in got_by_hex]
    missed_hexes = [f"{c['name']} {c['hex']}" for c in exp_palette if c["hex"] not in got_by_hex]
    wrong_names = [
        {"hex": c["hex"], "expected": c["name"], "got": got_by_hex[c["hex"]]["name"]}
        for c in found
        if _name(got_by_hex[c["hex"]]["name"]) != _name(c["name"])
    ]
    wrong_roles = [
        {"hex": c["hex"], "name": c["name"], "expected": c["role"], "got": got_by_hex[c["hex"]]["role"]}
        for c in found
        if got_by_hex[c["hex"]]["role"] != c["role"]
    ]
    palette_hexes = {c["hex"] for c in exp_palette}
    tint_hexes = {t["hex"] for t in exp_tints}
    invented = [
        f"{c['name']} {h}"
        for h, c in got_by_hex.items()
        if h not in palette_hexes and h not in tint_hexes and h not in exp_forbidden
    ]
    tints_as_colours = [f"{c['name']} {_hex(c['hex'])}" for c in got if _hex(c["hex"]) in tint_hexes]
    got_tints = tints_of(profile)
    tint_names, tint_bases, wrong_tints = (0, 0), (0, 0), []
    if got_tints is None or not exp_tints:
        tint_found, missed_tints = None, []
    else:
        got_tint_by_hex: dict[str, dict[str, str]] = {}
        for t in got_tints:
            got_tint_by_hex.setdefault(_hex(t["hex"]), t)
        tint_found = sum(1 for t in exp_tints if t["hex"] in got_tint_by_hex)
        missed_tints = [f"{t['name']} {t['hex']}" for t in exp_tints if t["hex"] not in got_tint_by_hex]
        found_tints = [(t, got_tint_by_hex[t["hex"]]) for t in exp_tints if t["hex"] in got_tint_by_hex]
        named = [(t, g) for t, g in found_tints if _name(g["name"]) == _name(t["name"])]
        based = [(t, g) for t, g in found_tints if _base_matches(g["base"], t.get("base", ""))]
        tint_names, tint_bases = (len(named), len(found_tints)), (len(based), len(found_tints))
        wrong_tints = [
            {"hex": t["hex"], "expected": f"{t['name']} of {t.get('base', '')}", "got": f"{g['name']} of {g['base']}"}
            for t, g in found_tints
            if (t, g) not in named or (t, g) not in based
        ]

    exp_fonts = list(expected.get("fonts") or [])
    exp_fallback = list(expected.get("fallback_fonts") or [])
    families = [f["family"] for f in fonts_of(profile)]
    fam_keys = {f.casefold() for f in families}
    known = {f.casefold() for f in exp_fonts + exp_fallback}
    missed_fonts = [f for f in exp_fonts if f.casefold() not in fam_keys]
    missed_fallback = [f for f in exp_fallback if f.casefold() not in fam_keys]
    non_fonts = [f for f in dict.fromkeys(families) if f.casefold() not in known]

    exp_terms = [str(t) for t in expected.get("banned_terms") or []]
    got_terms = banned_terms_of(profile)
    missed_terms = [t for t in exp_terms if not any(term_matches(g, t) for g in got_terms)]

    exp_instead = {str(k): str(v) for k, v in (expected.get("say_instead") or {}).items()}
    got_instead = say_instead_of(profile)
    missed_instead = [
        f"{k} -> {v}"
        for k, v in exp_instead.items()
        if not any(term_matches(g, k) and _instead_matches(i, v) for g, i in got_instead)
    ]
    evidence = evidence_of(profile)

    exp_donts = list(expected.get("imagery_dont") or [])
    got_donts = imagery_donts_of(profile)
    got_subjects = [s for r in got_donts for s in r["subjects"]]
    missed_imagery = [
        {"text": item["text"], "subjects": item.get("subjects") or []}
        for item in exp_donts
        if not any(subjects_match(s, g) for s in item.get("subjects") or [] for g in got_subjects)
    ]

    exp_min = list(((expected.get("logo") or {}).get("min_size")) or [])
    got_min = logo_minimums(profile)
    missed_min = [
        m
        for m in exp_min
        if not any(
            abs(float(g["value"]) - float(m["value"])) < 1e-6
            and g["unit"] == m["unit"]
            and g["dimension"] == m["dimension"]
            for g in got_min
        )
    ]

    counts = {
        "palette_hex": (len(found), len(exp_palette)),
        "names_kept": (len(found) - len(wrong_names), len(found)),
        "roles": (len(found) - len(wrong_roles), len(found)),
        "tint_recall": (tint_found, len(exp_tints)) if tint_found is not None else (0, 0),
        "tint_names": tint_names,
        "tint_bases": tint_bases,
        "fonts": (len(exp_fonts) - len(missed_fonts), len(exp_fonts)),
        "fallback_fonts": (len(exp_fallback) - len(missed_fallback), len(exp_fallback)),
        "banned_terms": (len(exp_terms) - len(missed_terms), len(exp_terms)),
        "say_instead": (len(exp_instead) - len(missed_instead), len(exp_instead)),
        "evidence": (sum(1 for has, _ in evidence if has), len(evidence)),
        "imagery_donts": (len(exp_donts) - len(missed_imagery), len(exp_donts)),
        "logo_min": (len(exp_min) - len(missed_min), len(exp_min)),
    }
    return {
        "rates": {k: _rate(*v) for k, v in counts.items()},
        "counts": {k: list(v) for k, v in counts.items()},
        "tint_recall_defined": got_tints is not None,
        "invented_colours": len(invented),
        "tints_as_colours": len(tints_as_colours),
        "tints_expected": len(exp_tints),
        "non_fonts": len(non_fonts),
        "extracted": {
            "palette": got,
            "fonts": families,
            "banned_terms": got_terms,
            "imagery_dont_subjects": got_subjects,
            "imagery_dont_rules": len(got_donts),
            "logo_minimums": got_min,
        },
        "misses": {
            "missed_hexes": missed_hexes,
            "wrong_names": wrong_names,
            "wrong_roles": wrong_roles,
            "invented_colours": invented,
            "tints_as_colours": tints_as_colours,
            "missed_tints": missed_tints,
            "wrong_tints": wrong_tints,
            "missed_fonts": missed_fonts,
            "missed_fallback_fonts": missed_fallback,
            "non_fonts": non_fonts,
            "missed_banned_terms": missed_terms,
            "missed_say_instead": missed_instead,
            "missed_imagery_subjects": missed_imagery,
            "missed_logo_minimums": missed_min,
        },
    }


def _rank(answer: str, texts: list[str]) -> int | None:
    return next((i + 1 for i, t in enumerate(texts) if hit(answer, t)), None)


def _strip_markup(text: str) -> str:
    return re.sub(r"[_*`]", "", text)


def score_retrieval(ws: dict[str, Any], brand_dir: Path, work: Path, baseline: bool) -> dict[str, Any]:
    questions = yaml.safe_load((brand_dir / "questions.yaml").read_text(encoding="utf-8")) or []
    ours = [search(ws, q["question"], k=3) for q in questions]
    theirs = baseline_search(brand_dir, [q["question"] for q in questions], work) if baseline else None
    rows = []
    for i, q in enumerate(questions):
        texts = [h["text"] for h in ours[i]]
        row: dict[str, Any] = {
            "question": q["question"],
            "answer": q["answer"],
            "source": q.get("source"),
            "onbrand_rank": _rank(q["answer"], texts),
            "onbrand_text_rank": _rank(q["answer"], [h["body"] for h in ours[i]]),
            "baseline_rank": _rank(q["answer"], theirs[i]) if theirs is not None else None,
        }
        if row["onbrand_rank"] != 1:
            top = ours[i][0] if ours[i] else {"text": "", "source": ""}
            row["top_source"] = top["source"]
            row["top_passage"] = top["text"][:400]
            # the answer is there once markdown emphasis (_ * `) is ignored: a loader/markup miss
            row["markup_only_miss"] = row["onbrand_rank"] is None and (
                _rank(_strip_markup(q["answer"]), [_strip_markup(t) for t in texts]) is not None
            )
        rows.append(row)
    n = len(rows)

    def count(key: str, k: int) -> int:
        return sum(1 for r in rows if r[key] is not None and r[key] <= k)

    counts = {
        "onbrand_hit@1": (count("onbrand_rank", 1), n),
        "onbrand_hit@3": (count("onbrand_rank", 3), n),
        "onbrand_text_hit@1": (count("onbrand_text_rank", 1), n),
        "onbrand_text_hit@3": (count("onbrand_text_rank", 3), n),
    }
    if baseline:
        counts |= {"baseline_hit@1": (count("baseline_rank", 1), n), "baseline_hit@3": (count("baseline_rank", 3), n)}
    return {
        "rates": {k: _rate(*v) for k, v in counts.items()},
        "counts": {k: list(v) for k, v in counts.items()},
        "questions": rows,
        "missed_questions": [r for r in rows if r["onbrand_rank"] != 1],
    }


def run_brand(brand_dir: Path, baseline: bool = True) -> dict[str, Any]:
    expected = yaml.safe_load((brand_dir / "expected_profile.yaml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix=f"onbrand-corpus-{brand_dir.name}-") as tmp:
        work = Path(tmp)
        ws = ingest(brand_dir, make_settings(work / "ws"))
        t0 = time.perf_counter()
        profile = profile_of(ws)
        extract_s = time.perf_counter() - t0
        result = score_profile(profile, expected)
        retrieval = score_retrieval(ws, brand_dir, work, baseline)
    result["rates"] |= retrieval["rates"]
    result["counts"] |= retrieval["counts"]
    result["misses"]["missed_questions"] = retrieval["missed_questions"]
    result["questions"] = retrieval["questions"]
    result["ingest"] = {
        "documents": len(document_files(brand_dir)),
        "chunks": ws["chunks"],
        "embedded_texts": ws.get("embedded"),
        "seconds": round(ws["seconds"], 2),
        "chunks_per_s": round(ws["chunks"] / ws["seconds"], 1) if ws["seconds"] else None,
        "errors": ws["errors"],
        "extract_seconds": round(extract_s, 2),
    }
    return result


RATE_KEYS = [
    "palette_hex",
    "names_kept",
    "roles",
    "tint_recall",
    "tint_names",
    "tint_bases",
    "fonts",
    "fallback_fonts",
    "banned_terms",
    "say_instead",
    "imagery_donts",
    "logo_min",
    "evidence",
    "onbrand_hit@1",
    "onbrand_hit@3",
    "onbrand_text_hit@1",
    "onbrand_text_hit@3",
    "baseline_hit@1",
    "baseline_hit@3",
]
COUNT_KEYS = ["invented_colours", "tints_as_colours", "non_fonts"]


def aggregate(results: dict[str, dict[str, Any]], brands: list[str]) -> dict[str, Any]:
    brands = [b for b in brands if b in results]
    out: dict[str, Any] = {"brands": brands, "rates": {}, "counts": {}, "macro": {}}
    for key in RATE_KEYS:
        pairs = [results[b]["counts"][key] for b in brands if key in results[b]["counts"]]
        pairs = [p for p in pairs if p[1]]
        num, den = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
        out["rates"][key] = _rate(num, den)
        out["counts"][key] = [num, den]
        per = [results[b]["rates"].get(key) for b in brands]
        per = [r for r in per if r is not None]
        out["macro"][key] = round(sum(per) / len(per), 3) if per else None
    for key in COUNT_KEYS:
        out["counts"][key] = sum(results[b][key] for b in brands)
    chunks = sum(results[b]["ingest"]["chunks"] for b in brands)
    seconds = sum(results[b]["ingest"]["seconds"] for b in brands)
    out["ingest"] = {"chunks": chunks, "seconds": round(seconds, 2), "chunks_per_s": _rate(chunks, seconds)}
    if out["ingest"]["chunks_per_s"] is not None:
        out["ingest"]["chunks_per_s"] = round(chunks / seconds, 1)
    return out


# === report =====================================================================================

LABELS = {
    "palette_hex": "palette hex recall",
    "names_kept": "colour names kept",
    "roles": "role accuracy",
    "invented_colours": "invented colours (n)",
    "tints_as_colours": "tints as colours (n)",
    "tint_recall": "tint recall",
    "tint_names": "tint names kept",
    "tint_bases": "tint bases",
    "say_instead": "say instead",
    "evidence": "items with evidence",
    "fonts": "fonts found",
    "fallback_fonts": "fallback fonts found",
    "non_fonts": "non-fonts (n)",
    "banned_terms": "banned terms found",
    "imagery_donts": "imagery don'ts w/ subject",
    "logo_min": "logo minimums",
    "onbrand_hit@1": "onbrand hit@1",
    "onbrand_hit@3": "onbrand hit@3",
    "onbrand_text_hit@1": "onbrand text hit@1",
    "onbrand_text_hit@3": "onbrand text hit@3",
    "baseline_hit@1": "baseline hit@1",
    "baseline_hit@3": "baseline hit@3",
    "chunks_per_s": "ingest chunks/s",
}
ROW_ORDER = [
    "palette_hex",
    "names_kept",
    "roles",
    "invented_colours",
    "tints_as_colours",
    "tint_recall",
    "tint_names",
    "tint_bases",
    "fonts",
    "fallback_fonts",
    "non_fonts",
    "banned_terms",
    "say_instead",
    "imagery_donts",
    "logo_min",
    "evidence",
    "onbrand_hit@1",
    "onbrand_hit@3",
    "onbrand_text_hit@1",
    "onbrand_text_hit@3",
    "baseline_hit@1",
    "baseline_hit@3",
    "chunks_per_s",
]


def _cell(block: dict[str, Any], key: str, per_brand: bool) -> str:
    if key == "chunks_per_s":
        return str(block["ingest"]["chunks_per_s"])
    if key in COUNT_KEYS:
        if key == "tints_as_colours" and per_brand and not block.get("tints_expected"):
            return "n/a"
        return str(block[key] if per_brand else block["counts"][key])
    if key == "tint_recall" and per_brand and not block.get("tint_recall_defined"):
        return "n/a" if not block.get("tints_expected") else "None"
    pair = block["counts"].get(key)
    if not pair or not pair[1]:
        return "n/a"
    return f"{pair[0] / pair[1]:.2f} {pair[0]}/{pair[1]}"


def report(payload: dict[str, Any], console: Console) -> None:
    brands = payload["brand_order"]
    table = Table(title="onbrand on real brand guides", show_lines=False)
    table.add_column("measure")
    for b in brands:
        table.add_column(b + (" *" if b in HELD_OUT else ""), justify="right")
    for name in ("held_out", "dev", "all"):
        table.add_column(name, justify="right", style="bold")
    results, aggs = payload["brands"], payload["aggregates"]
    for key in ROW_ORDER:
        if key.startswith("baseline") and not payload["baseline"]:
            continue
        cells = [_cell(results[b], key, True) for b in brands]
        cells += [
            _cell(aggs[name], key, False) if aggs[name]["brands"] else "n/a" for name in ("held_out", "dev", "all")
        ]
        table.add_row(LABELS[key], *cells)
    console.print(table)
    console.print("[dim]* held-out brand. Rates: value and hits/items; aggregates micro-averaged.[/dim]")
    for b in brands:
        m = results[b]["misses"]
        lines = []
        for key in (
            "missed_hexes",
            "invented_colours",
            "tints_as_colours",
            "missed_fonts",
            "non_fonts",
            "missed_banned_terms",
        ):
            if m[key]:
                lines.append(f"  {key}: {', '.join(map(str, m[key]))}")
        if m["wrong_names"]:
            lines.append(
                "  wrong_names: " + "; ".join(f"{w['hex']} {w['expected']!r}->{w['got']!r}" for w in m["wrong_names"])
            )
        if m["wrong_roles"]:
            lines.append(
                "  wrong_roles: " + "; ".join(f"{w['name']} {w['expected']}->{w['got']}" for w in m["wrong_roles"])
            )
        if m["missed_imagery_subjects"]:
            lines.append("  missed_imagery: " + "; ".join(str(i["subjects"]) for i in m["missed_imagery_subjects"]))
        if m["missed_logo_minimums"]:
            lines.append(
                "  missed_logo_minimums: "
                + "; ".join(f"{x['value']}{x['unit']} {x['dimension']}" for x in m["missed_logo_minimums"])
            )
        for q in m["missed_questions"]:
            lines.append(
                f"  question (rank {q['onbrand_rank']}, baseline {q['baseline_rank']}): {q['question']}"
                f" -> top {q['top_source']}: {q['top_passage'][:100]!r}"
            )
        if results[b]["ingest"]["errors"]:
            lines.append(f"  ingest errors: {results[b]['ingest']['errors']}")
        console.print(f"[bold]{b}[/bold]")
        console.print("\n".join(lines) or "  (no misses)", markup=False, highlight=False)


def run(
    corpus: Path, brands: list[str] | None = None, baseline: bool = True, console: Console | None = None
) -> dict[str, Any]:
    console = console or Console()
    folders = sorted(p for p in corpus.iterdir() if p.is_dir() and (p / "expected_profile.yaml").is_file())
    if brands:
        unknown = set(brands) - {p.name for p in folders}
        if unknown:
            raise SystemExit(f"no such brand folder in {corpus}: {', '.join(sorted(unknown))}")
        folders = [p for p in folders if p.name in brands]
    results: dict[str, Any] = {}
    started = time.perf_counter()
    for folder in folders:
        t0 = time.perf_counter()
        with console.status(f"{folder.name}: ingest, profile, questions"):
            results[folder.name] = run_brand(folder, baseline=baseline)
        console.print(f"[dim]{folder.name}: {time.perf_counter() - t0:.1f} s[/dim]")
    names = list(results)
    groups = {
        "held_out": [b for b in names if b in HELD_OUT],
        "dev": [b for b in names if b not in HELD_OUT],
        "all": names,
    }
    return {
        "corpus": str(corpus),
        "machine": f"{os.cpu_count()} CPUs",
        "python": sys.version.split()[0],
        "baseline": baseline,
        "held_out": list(HELD_OUT),
        "seconds": round(time.perf_counter() - started, 1),
        "brand_order": names,
        "brands": results,
        "aggregates": {k: aggregate(results, v) for k, v in groups.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of brand folders")
    parser.add_argument("--brands", help="comma-separated brand folder names (default: all)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the LangChain baseline")
    parser.add_argument("--out", type=Path, help="write the JSON here")
    args = parser.parse_args(argv)
    console = Console(width=max(Console().width, 200))
    brands = [b.strip() for b in args.brands.split(",") if b.strip()] if args.brands else None
    payload = run(args.corpus, brands, baseline=not args.no_baseline, console=console)
    report(payload, console)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"[dim]written {args.out}[/dim]")


if __name__ == "__main__":
    main()
