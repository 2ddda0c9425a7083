"""What a person should look at in an extracted profile, and which documents gave it nothing.

Every profile item carries its evidence (the passage it was read from) and a confidence; this turns
the gaps and the doubtful items into short lines for ``onbrand brand show``, its ``--json`` and the
UI's Brand page, next to the override editor where they are fixed.

    >>> needs_a_look(profile)  # doctest: +SKIP
    ['3 colours have no name', 'no font found']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pipeline.models import BrandFont, BrandProfile, BrandRule, BrandTerm, SourceRef

LOW_CONFIDENCE = 0.8  # below: named only by a heading, converted from print, or read by a language model


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def needs_a_look(profile: BrandProfile) -> list[str]:
    """One line per gap or doubt in ``profile``; fields the override file sets are a person's word already."""
    done = set(profile.overridden)
    lines: list[str] = []
    if "palette" not in done:
        if not profile.palette:
            lines.append("no colour found")
        unnamed = [c for c in profile.palette if c.name == c.hex]
        if unnamed:
            hexes = ", ".join(c.hex for c in unnamed[:5])
            lines.append(f"{_plural(len(unnamed), 'colour has', 'colours have')} no name ({hexes})")
        doubtful = [c for c in profile.palette if c.name != c.hex and c.confidence < LOW_CONFIDENCE]
        if doubtful:
            names = ", ".join(c.name for c in doubtful[:5])
            what = _plural(len(doubtful), "colour is", "colours are")
            lines.append(f"{what} uncertain: named by a heading or a model, or converted from print ({names})")
    if "fonts" not in done:
        if not profile.fonts:
            lines.append("no font found")
        elif all(f.usage == "fallback" for f in profile.fonts):
            lines.append("only fallback fonts found, no brand typeface")
    bases = {c.name.casefold() for c in profile.palette}
    orphans = [
        t
        for t in profile.tints
        if t.base.casefold() not in bases and not any(b.endswith(" " + t.base.casefold()) for b in bases)
    ]
    if orphans and "palette" not in done:
        bases_named = ", ".join(sorted({t.base for t in orphans})[:5])
        lines.append(f"{_plural(len(orphans), 'tint belongs', 'tints belong')} to no palette colour ({bases_named})")
    if "imagery_rules" not in done:
        donts = [r for r in profile.imagery_rules if r.polarity == "dont"]
        vague = [r for r in donts if not r.subjects]
        if vague:
            what = _plural(len(vague), "imagery prohibition has", "imagery prohibitions have")
            lines.append(f"{what} no subject the prompt gate can check")
    if not {"banned_terms", "competitors"} & done and not profile.banned_terms:
        lines.append("no banned words or competitors found")
    layout = profile.layout_rules
    if "layout_rules" not in done and not (
        layout.logo_minimums or layout.logo_min_width_px or layout.logo_min_width_mm
    ):
        lines.append("no minimum logo size found")
    if profile.colour_use.text is None:
        lines.append("no text colour found")
    if profile.colour_use.cta is None:
        lines.append("no call-to-action colour found")
    items: list[BrandFont | BrandTerm | BrandRule] = [
        *profile.fonts,
        *profile.banned_terms,
        *profile.tone,
        *profile.logo_rules,
        *profile.imagery_rules,
    ]
    guessed = [i for i in items if i.confidence < LOW_CONFIDENCE]
    if guessed:
        lines.append(
            f"{_plural(len(guessed), 'item was', 'items were')} read with low confidence; check their evidence"
        )
    return lines


def _refs(profile: BrandProfile) -> Iterable[SourceRef | None]:
    yield from (c.source for c in (*profile.palette, *profile.forbidden_colors))
    yield from (t.source for t in profile.tints)
    yield from (f.source for f in profile.fonts)
    yield from (t.source for t in profile.banned_terms)
    yield from (r.source for r in (*profile.tone, *profile.logo_rules, *profile.imagery_rules))
    yield from profile.layout_rules.sources.values()
    yield from (m.source for m in profile.layout_rules.logo_minimums)
    yield from profile.colour_use.sources.values()
    for sub in profile.sub_brands:
        yield from (c.source for c in sub.palette)
        yield from (f.source for f in sub.fonts)


def documents_without_items(profile: BrandProfile, documents: Iterable[str]) -> list[str]:
    """The ``documents`` (source names) that gave the profile no colour, font, word or rule."""
    used = Counter(ref.source for ref in _refs(profile) if ref is not None)
    return [d for d in dict.fromkeys(documents) if not used[d]]
