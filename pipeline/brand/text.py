"""Shared cues for reading brand guidelines: quotes, negations, rule phrasing and section topics.

>>> section_topic("Visual identity > Logo > Clear space")
'logo'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.knowledge.chunking import Unit, units_of
from pipeline.models import GuidelineChunk

QUOTED = re.compile(r"[\"“”„«»]([^\"“”„«»\n]{1,60})[\"“”„«»]|(?<![\w])['‘’]([^'‘’\n]{1,40}?)['‘’](?![\w])")

NEGATIVE = re.compile(
    r"\b(never|don[’']?t|do not|avoid|not allowed|no longer|prohibited|forbidden|banned|must not|should not|"
    r"incorrect|misuse|off-brand)\b",
    re.I,
)

RULE_CUE = re.compile(
    r"\b(always|never|must|should|do not|don[’']?t|avoid|use|keep|make sure|ensure|only|write|prefer|aim|"
    r"choose|say|talk|sound|no more than|at most|at least|place|put|position|leave|may|need to|required?)\b",
    re.I,
)


def units_in(chunks: Iterable[GuidelineChunk]) -> list[Unit]:
    return [u for c in chunks for u in units_of(c)]


# --- topics: what a heading is about, innermost heading first ------------------------------

COMPETITOR = re.compile(
    r"\b(competitors?|competition|rivals?|(?:other|rival|competing) (?:brands?|banks?|companies|businesses|"
    r"retailers|labels|roasters|firms|providers|makers|manufacturers|airlines|stores|apps))\b",
    re.I,
)
LOGO = re.compile(r"\b(logos?|logotype|wordmark|logomark|lock-?ups?|brand ?mark|emblem|monogram)\b", re.I)
_COLOUR_TOPIC = re.compile(r"\b(colou?rs?|palettes?|swatch(?:es)?)\b", re.I)
_TYPE_SECTION = re.compile(r"\b(typograph\w*|fonts?|typefaces?|type ?faces?|type|lettering|type system)\b", re.I)
_IMAGERY_SECTION = re.compile(
    r"\b(imagery|images?|photograph\w*|photos?|illustrations?|art direction|"
    r"pictures?|styling|video|footage|image style|visuals?(?! identity)|icons?|iconography|pictograms?)\b",
    re.I,
)
_TONE_SECTION = re.compile(
    r"\b(tone|voice|personality|writing|copywriting|how we (?:write|sound|speak)|messaging|"
    r"grammar|language|copy)\b",
    re.I,
)
_LAYOUT_TOPIC = re.compile(r"\b(layouts?|composition|grids?|spacing|margins?|templates?|formats?)\b", re.I)
WORDS_TOPIC = re.compile(
    r"\b(words?|phrases?|terms?|vocabulary|language|lexicon|jargon|say|claims?|copy|"
    r"expressions?)\b",
    re.I,
)
BAN_CUE = re.compile(
    r"\b(banned|ban|never|avoid|don[’']?t|do not|forbidden|prohibited|off[- ]limits|restricted|blocklist|"
    r"blacklist|taboo|not allowed|no[- ]go|we don[’']?t)\b",
    re.I,
)
_STRONG_BAN_HEADING = re.compile(r"\b(banned|blocklist|blacklist|never use|never say|forbidden words|taboo)\b", re.I)


def heading_topic(heading: str) -> str | None:
    """What one heading is about, or None when it names no topic we extract."""
    if COMPETITOR.search(heading):
        return "competitors"
    for name, pattern in (
        ("logo", LOGO),
        ("colour", _COLOUR_TOPIC),
        ("type", _TYPE_SECTION),
        ("imagery", _IMAGERY_SECTION),
    ):
        if pattern.search(heading):
            return name
    if _STRONG_BAN_HEADING.search(heading) or (WORDS_TOPIC.search(heading) and BAN_CUE.search(heading)):
        return "banned"
    if _TONE_SECTION.search(heading):
        return "tone"
    if _LAYOUT_TOPIC.search(heading):
        return "layout"
    return None


def section_topic(section: str) -> str | None:
    """The topic of the innermost heading that names one ("Visual identity > Logo > Clear space" -> logo)."""
    for heading in reversed([p for p in section.split(" > ") if p.strip()]):
        topic = heading_topic(heading)
        if topic:
            return topic
    return None


# --- emphasis: style guides mark the very word a rule is about ("use _start_", "not *Cancelling*") ---

EMPHASIS = re.compile(r"(?<![\w*_])([*_])(?!\s)([^*_\n]{1,60}?)(?<!\s)\1(?![\w*_])")


def plain(text: str) -> str:
    """``text`` without single-emphasis marks: "use _start_" -> "use start"."""
    return EMPHASIS.sub(r"\2", text) if ("_" in text or "*" in text) else text


def emphasised(text: str) -> list[str]:
    """The emphasised words of ``text``: "Use *Canceling* instead of *Cancelling*" -> both."""
    return [m.group(2).strip(" ,.;:") for m in EMPHASIS.finditer(text) if m.group(2).strip(" ,.;:")]


def split_list(text: str) -> list[str]:
    """The items of a short list ("alcohol, cocktails or smoking"), or its quoted words when it has any."""
    quoted = [q[0] or q[1] for q in QUOTED.findall(text)]
    if quoted:
        return quoted
    parts = re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:or|and|nor)\s+|\s*/\s*|\s*;\s*", text)
    return [p.strip(" .\"'“”‘’") for p in parts if p.strip(" .\"'“”‘’")]
