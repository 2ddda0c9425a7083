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

from pipeline.brand.fonts import extract_fonts
from pipeline.brand.layout_rules import extract_layout
from pipeline.brand.palette import extract_palette
from pipeline.brand.rules import extract_rules, extract_terms
from pipeline.brand.text import (
    units_in,
)
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


def split_sub_brands(chunks: list[GuidelineChunk]) -> tuple[list[GuidelineChunk], dict[str, list[GuidelineChunk]]]:
    """Master chunks, and sub-brand chunks grouped by sub-brand name.

    A chunk belongs to a sub-brand when a heading on its path, or its file name, says so
    ("Sub-brands", "Sub-brand: Ardent Junior", "05-sub-brands.md"). Its sub-brand is named by that
    heading's own words, else by the next heading down; shared pages go under "".
    """
    master: list[GuidelineChunk] = []
    subs: dict[str, list[GuidelineChunk]] = {}
    for chunk in chunks:
        parts = [p.strip() for p in f"{chunk.title} > {chunk.section}".split(" > ") if p.strip()]
        hits = [i for i, p in enumerate(parts) if _SUB_BRAND.search(p)]
        in_file = bool(_SUB_BRAND.search(re.sub(r"[_\-.]", " ", chunk.source)))
        if not hits and not in_file:
            master.append(chunk)
            continue
        own, rest = "", parts[1:] if chunk.title else parts
        if hits:
            own = re.sub(r"^(the|our)\s+", "", _SUB_BRAND.sub("", parts[hits[-1]]).strip(" :-–—()"), flags=re.I)
            rest = parts[hits[-1] + 1 :]
        if own and not re.fullmatch(r"[\W\d]*|.*\b(guidelines?|brand book|chapter)\b.*", own, re.I):
            name = own
        else:
            name = rest[0] if rest else ""
        name = re.sub(r"\s*[:(–—].*$", "", re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", name)).strip()
        if _GENERIC_HEADING.match(name):
            name = ""
        subs.setdefault(name, []).append(chunk)
    return master, subs


def extract_profile(brand: str, chunks: list[GuidelineChunk]) -> BrandProfile:
    """Read a brand profile from all of a brand's chunks (in document order)."""
    master, subs = split_sub_brands(chunks)
    units = units_in(master)
    palette, forbidden = extract_palette(units)
    tone, logo, imagery = extract_rules(units)
    not_fonts = [c.name for c in palette + forbidden]
    profile = BrandProfile(
        name=brand,
        palette=palette,
        forbidden_colors=forbidden,
        fonts=extract_fonts(units, not_fonts),
        banned_terms=extract_terms(units),
        tone=tone,
        logo_rules=logo,
        imagery_rules=imagery,
        layout_rules=extract_layout(units),
    )
    for name, sub_chunks in subs.items():
        if not name:
            continue  # shared pages of the sub-brand chapter: kept out of the master, but no sub-brand of their own
        sub_units = units_in(sub_chunks)
        sub_palette, _ = extract_palette(sub_units)
        profile.sub_brands.append(
            SubBrand(
                name=name,
                palette=sub_palette,
                fonts=extract_fonts(sub_units),
                sections=sorted({c.section for c in sub_chunks}),
            )
        )
    return profile
