"""Brand profile extraction: guideline chunks -> a structured :class:`BrandProfile`.

Rules are read the way a careful designer reads a brand book: colour codes in any of their
forms (hex, ``rgb()``, RGB/CMYK triplets, Pantone) with the name and role written beside them,
type families, banned words and claims, competitors, tone / logo / imagery rules and the layout
numbers they state. Every item keeps the chunk it came from. Sections about sub-brands are kept
apart so that their palette and rules never leak into the master profile.

The palette is read in ``brand_palette``, type families in ``brand_fonts``, and the cues they share
(quotes, negations, section topics) live in ``brand_text``; terms, rules and layout numbers are here.

    >>> profile = extract_profile("Tidewell", chunks)  # doctest: +SKIP
    >>> [c.hex for c in profile.palette][:2]  # doctest: +SKIP
    ['#1F6F8B', '#F4EBDD']
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.brand.colour_use import extract_colour_use
from pipeline.brand.fonts import extract_fonts
from pipeline.brand.layout_rules import extract_layout
from pipeline.brand.palette import extract_palette
from pipeline.brand.rules import extract_rules
from pipeline.brand.terms import extract_terms
from pipeline.brand.text import units_in
from pipeline.knowledge.chunking import Unit
from pipeline.models import (
    BrandProfile,
    GuidelineChunk,
    SubBrand,
)

_SUB_BRAND = re.compile(r"\bsub[\s-]?brands?\b|\bsub[\s-]?lines?\b|\bendorsed brands?\b|\bsister brands?\b", re.I)

_GENERIC_HEADING = re.compile(
    r"^(overview|introduction|about|brand architecture|architecture|general|principles|contents|summary|"
    r"how .*|what .*|when .*|why .*|using .*)$",
    re.I,
)


def _sub_brand_of(title: str, section: str, source: str) -> str | None:
    """None for the master brand; else the sub-brand's name ("" for shared sub-brand pages)."""
    parts = [p.strip() for p in f"{title} > {section}".split(" > ") if p.strip()]
    hits = [i for i, p in enumerate(parts) if _SUB_BRAND.search(p)]
    in_file = bool(_SUB_BRAND.search(re.sub(r"[_\-.]", " ", source)))
    if not hits and not in_file:
        return None
    own, rest = "", parts[1:] if title else parts
    if hits:
        own = re.sub(r"^(the|our)\s+", "", _SUB_BRAND.sub("", parts[hits[-1]]).strip(" :-–—()"), flags=re.I)
        rest = parts[hits[-1] + 1 :]
    if own and not re.fullmatch(r"[\W\d]*|.*\b(guidelines?|brand book|chapter)\b.*", own, re.I):
        name = own
    else:
        name = rest[0] if rest else ""
    name = re.sub(r"\s*[:(–—].*$", "", re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", name)).strip()
    return "" if _GENERIC_HEADING.match(name) else name


def split_sub_brands(chunks: list[GuidelineChunk]) -> tuple[list[GuidelineChunk], dict[str, list[GuidelineChunk]]]:
    """Master chunks, and sub-brand chunks grouped by sub-brand name.

    A chunk belongs to a sub-brand when a heading on its path, or its file name, says so
    ("Sub-brands", "Sub-brand: Ardent Junior", "05-sub-brands.md"). Its sub-brand is named by that
    heading's own words, else by the next heading down; shared pages go under "".
    """
    master: list[GuidelineChunk] = []
    subs: dict[str, list[GuidelineChunk]] = {}
    for chunk in chunks:
        name = _sub_brand_of(chunk.title, chunk.section, chunk.source)
        if name is None:
            master.append(chunk)
        else:
            subs.setdefault(name, []).append(chunk)
    return master, subs


def split_sub_brand_units(units: list[Unit]) -> tuple[list[Unit], dict[str, list[Unit]]]:
    """As :func:`split_sub_brands`, unit by unit: a chunk that merged small sections may hold a
    "Sub-brands" heading in its text, and only the units below it belong to the sub-brand."""
    master: list[Unit] = []
    subs: dict[str, list[Unit]] = {}
    for unit in units:
        name = _sub_brand_of(unit.chunk.title, unit.section, unit.chunk.source)
        if name is None:
            master.append(unit)
        else:
            subs.setdefault(name, []).append(unit)
    return master, subs


def master_chunks(chunks: list[GuidelineChunk]) -> list[GuidelineChunk]:
    """The chunks that hold any of the master brand's text (not only a sub-brand's)."""
    units, _ = split_sub_brand_units(units_in(chunks))
    ids = {u.chunk.id for u in units}
    return [c for c in chunks if c.id in ids]


def extract_profile(brand: str, chunks: list[GuidelineChunk], chat_model: Any = None) -> BrandProfile:
    """Read a brand profile from all of a brand's chunks (in document order).

    ``chat_model`` (a LangChain chat model; None by default, which keeps extraction rule-based and
    offline) also reads the chunks; what it returns is checked against the text and only fills gaps
    (see :mod:`pipeline.brand.llm_profile`).
    """
    units, subs = split_sub_brand_units(units_in(chunks))
    palette, forbidden, tints = extract_palette(units)
    tone, logo, imagery = extract_rules(units)
    not_fonts = [c.name for c in palette + forbidden] + [t.name for t in tints]
    profile = BrandProfile(
        name=brand,
        palette=palette,
        tints=tints,
        forbidden_colors=forbidden,
        fonts=extract_fonts(units, not_fonts),
        banned_terms=extract_terms(units, brand),
        tone=tone,
        logo_rules=logo,
        imagery_rules=imagery,
        layout_rules=extract_layout(units),
        colour_use=extract_colour_use(units, palette),
    )
    if chat_model is not None:
        from pipeline.brand.llm_profile import apply_model_reading

        profile, _ = apply_model_reading(profile, master_chunks(chunks), chat_model)
    for name, sub_units in subs.items():
        if not name:
            continue  # shared pages of the sub-brand chapter: kept out of the master, but no sub-brand of their own
        sub_palette, _, _ = extract_palette(sub_units)
        profile.sub_brands.append(
            SubBrand(
                name=name,
                palette=sub_palette,
                fonts=extract_fonts(sub_units),
                sections=sorted({u.section for u in sub_units}),
            )
        )
    return profile
