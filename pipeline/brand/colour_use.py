"""What the guidelines say colours are for in a finished asset: the colour text is set in, and the
call to action's colour and form ("the CTA is the one element in Citrus Zest", a button or a line of text).

    >>> use = extract_colour_use(units, palette)  # doctest: +SKIP
    >>> use.text, use.cta, use.cta_form  # doctest: +SKIP
    ('#12304A', '#F2B233', 'button')
"""

from __future__ import annotations

import re
from typing import Literal

from pipeline.brand.text import NEGATIVE, plain
from pipeline.knowledge.chunking import Unit
from pipeline.models import BrandColor, ColourUse

_CTA = re.compile(r"\b(?:calls?[- ]to[- ]action|CTAs?)\b", re.I)
_CLAUSE = re.compile(r"(?<=[.;!?])\s+|\s+(?:but|whereas)\s+")


def _named(clause: str, palette: list[BrandColor]) -> list[BrandColor]:
    """Palette colours named (by name or hex) in ``clause``, in the order they appear."""
    found: list[tuple[int, BrandColor]] = []
    for colour in palette:
        for label in (colour.name, colour.hex):
            if not label or (label == colour.hex and label == colour.name):
                continue
            match = re.search(rf"(?<![\w#]){re.escape(label)}(?!\w)", clause, re.I)
            if match:
                found.append((match.start(), colour))
                break
    return [c for _, c in sorted(found, key=lambda x: x[0])]


def _text_colour(clause: str, palette: list[BrandColor]) -> BrandColor | None:
    """ "use Deep Harbour for all text", "all text is set in Deep Harbour", "Text: Deep Harbour"."""
    for colour in _named(clause, palette):
        name = re.escape(colour.name)
        if re.search(
            rf"\b(?:use|set|in|choose|print)\s+(?:the\s+)?{name}\s+(?:\([^)]*\)\s+)?(?:for|on)\s+(?:all\s+|body\s+|the\s+)?"
            rf"(?:text|copy|type)\b|\b(?:text|copy|type)\s+(?:is|are|should be|must be|goes)?\s*(?:always\s+)?"
            rf"(?:set\s+|written\s+|printed\s+)?in\s+{name}\b|\ball\s+text\b[^.;]*\b{name}\b",
            clause,
            re.I,
        ):
            return colour
    return None


def extract_colour_use(units: list[Unit], palette: list[BrandColor]) -> ColourUse:
    """The text colour and the call to action's colour and form the guidelines state, with evidence."""
    use = ColourUse()
    named_palette = [c for c in palette if c.name and c.name != c.hex]
    if not named_palette:
        return use
    cta_forms: list[Literal["button", "text"]] = []
    for unit in units:
        text = plain(unit.text)
        for clause in _CLAUSE.split(text):
            if NEGATIVE.search(clause) and not re.search(r";|\buse\b", clause):
                continue
            if use.text is None and re.search(r"\btext\b|\bcopy\b", clause, re.I):
                colour = _text_colour(clause, named_palette)
                if colour is not None:
                    use.text = colour.hex
                    use.sources["text"] = unit.ref()
            if _CTA.search(clause):
                colours = _named(clause, named_palette)
                if use.cta is None and len(colours) == 1 and not NEGATIVE.search(clause):
                    use.cta = colours[0].hex
                    use.sources["cta"] = unit.ref()
                form = re.search(r"\b(buttons?|links?|text links?|lines? of text|underlined)\b", clause, re.I)
                if form and (colours or use.cta is not None):
                    cta_forms.append("button" if form.group(1).lower().startswith("button") else "text")
        if unit.kind == "row" and use.text is None:
            # A palette table's usage cell: "Primary — all text, wordmark, dark backgrounds".
            colours = _named(" | ".join(unit.cells), named_palette)
            if len(colours) == 1 and re.search(r"\ball (?:body )?text\b", text, re.I):
                use.text = colours[0].hex
                use.sources["text"] = unit.ref()
    if cta_forms:
        use.cta_form = "button" if cta_forms.count("button") >= cta_forms.count("text") else "text"
    return use
