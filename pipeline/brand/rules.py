"""Banned words, competitors and claims; tone, logo and imagery rules with their polarity and subjects."""

from __future__ import annotations

import re
from typing import Any

from pipeline.brand.text import (
    BAN_CUE,
    COMPETITOR,
    LOGO,
    QUOTED,
    RULE_CUE,
    WORDS_TOPIC,
    section_topic,
)
from pipeline.knowledge.chunking import Unit
from pipeline.models import (
    BrandRule,
    BrandTerm,
)

_CLAIM = re.compile(
    r"\b(?:never|do not|don[’']?t|must not|should not|cannot|can[’']?t|may not)\s+(?:ever\s+)?"
    r"(?:claim|imply|suggest|promise|state that|say that)(?:\s+or\s+(?:imply|suggest|claim|promise))?(?:\s+that)?"
    r"\s+(.+?)\s*(?:[.;!]|$)",
    re.I,
)

_SAY_LIST = re.compile(
    r"\b(?:never|do not|don[’']?t|avoid)\s+(?:say|use|write)(?:\s+the\s+(?:words?|phrases?|terms?))?\s*:\s*(.+)$", re.I
)


def _split_list(text: str) -> list[str]:
    quoted = [q[0] or q[1] for q in QUOTED.findall(text)]
    if quoted:
        return quoted
    parts = re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:or|and|nor)\s+|\s*/\s*|\s*;\s*", text)
    return [p.strip(" .\"'“”‘’") for p in parts if p.strip(" .\"'“”‘’")]


def _item_term(text: str) -> list[str]:
    """The term(s) of a list item under a banned-words heading; a full sentence without quotes yields none."""
    quoted = [q[0] or q[1] for q in QUOTED.findall(text)]
    if quoted:
        return quoted
    head = re.split(r"\s+[–—-]\s+|\s*:\s+|\s*\(|\s+because\s+|\s*→\s*|\s*->\s*", text, maxsplit=1)[0]
    head = head.strip(" .\"'“”‘’")
    if "," in head:
        parts = _split_list(head)
        return parts if all(len(p.split()) <= 4 for p in parts) else []
    return [head] if 0 < len(head.split()) <= 4 else []


def _competitor_names(text: str) -> list[str]:
    tail = re.search(r"\b(?:such as|like|including|e\.g\.|for example|namely|:)\s*(.+?)(?:[.;]|$)", text)
    if not tail:
        return []
    names = []
    for part in _split_list(tail.group(1)):
        part = re.sub(r"^(?:the|brands?)\s+", "", part.strip(" ()[]"))
        if re.fullmatch(r"[A-Z0-9][\w'’&.-]*(?:\s+[A-Z0-9&][\w'’&.-]*){0,3}", part):
            names.append(part)
    return names


def extract_terms(units: list[Unit]) -> list[BrandTerm]:
    terms: dict[str, BrandTerm] = {}

    def add(term: str, kind: str, unit: Unit) -> None:
        term = " ".join(term.split()).strip(" .,;:!\"'“”‘’")
        if (
            not term
            or len(term) > 80
            or len(term.split()) > 10
            or term.casefold() in {"it", "this", "that", "them", "these", "those", "anything", "something"}
        ):
            return
        key = term.casefold()
        if key not in terms or (kind == "competitor" and terms[key].kind != "competitor"):
            terms[key] = BrandTerm(term=term, kind=kind, source=unit.ref())

    for unit in units:
        topic = section_topic(unit.path)
        text = unit.text
        if topic == "competitors":
            if unit.kind in ("item", "row") and not (unit.header and unit.cells == unit.header):
                for name in _item_term(unit.cells[0] if unit.cells else text):
                    if re.match(r"[A-Z0-9]", name) and len(name.split()) <= 4:
                        add(name, "competitor", unit)
            for name in _competitor_names(text):
                add(name, "competitor", unit)
            continue
        if COMPETITOR.search(text):
            for name in _competitor_names(text):
                add(name, "competitor", unit)
        if topic == "banned" and unit.kind in ("item", "row"):
            if unit.kind == "row" and unit.header and unit.cells == unit.header:
                continue
            for term in _item_term(unit.cells[0] if unit.cells else text):
                add(term, "banned", unit)
            continue
        say = _SAY_LIST.search(text)
        if say:
            for term in re.split(r"\s*[,;/]\s*(?:and\s+|or\s+)?|\s+(?:or|and|nor)\s+", say.group(1)):
                add(term, "banned", unit)
            continue
        claim = _CLAIM.search(text)
        if claim:
            body = claim.group(1)
            quoted = [q[0] or q[1] for q in QUOTED.findall(body)]
            for term in quoted or [re.sub(r"^(?:to be|to|that)\s+", "", body)]:
                add(term, "claim", unit)
            continue
        quoted_terms = [q[0] or q[1] for q in QUOTED.findall(text)]
        if quoted_terms and (
            topic == "banned" or (topic in (None, "tone") and BAN_CUE.search(text) and WORDS_TOPIC.search(text))
        ):
            for term in quoted_terms:
                add(term, "banned", unit)
    return list(terms.values())


_SHOW_VERB = r"(?:show|shows|depict|feature|include|portray|picture|photograph|use (?:images|imagery|photos) of)"

_IMAGERY_DONT = re.compile(
    rf"\b(?:never|do not|don[’']?t|must not|should not|avoid|no)\s+(?:ever\s+)?{_SHOW_VERB}\s+(.+?)\s*(?:[.;!]|$)", re.I
)

_IMAGERY_DONT2 = re.compile(
    rf"\b(?:we|images?|photos?|imagery)\s+(?:never|don[’']?t|do not|must not)\s+{_SHOW_VERB}\s+(.+?)\s*(?:[.;!]|$)",
    re.I,
)

_IMAGERY_DO = re.compile(rf"\b(?:always|do|must|should)\s+{_SHOW_VERB}\s+(.+?)\s*(?:[.;!]|$)", re.I)
_DONT_HEADING = re.compile(r"\b(don[’']?ts?|do not|never|avoid|misuse|incorrect|wrong|prohibited|not allowed)\b", re.I)
_DO_HEADING = re.compile(r"\bdo'?s\b|\bdo\b|\bcorrect\b|\balways\b", re.I)

_CONTAINER = re.compile(
    r"^(?:(?:stock|staged|generic|cheesy|obvious)\s+)?(?:piles?|stacks?|heaps?|bundles?|lots|images?|photos?|"
    r"photographs?|pictures?|shots?|scenes?|footage|close-ups?|displays?|depictions?|clichés?|cliches?)\s+of\s+",
    re.I,
)

_PREPOSITION = re.compile(r"(?:^|\s+)(?:in|on|at|anywhere|inside|near|behind|from|during|with|to|for|as)\b.*$", re.I)


def imagery_subjects(phrase: str) -> list[str]:
    """Short subject words of a "never show ..." rule: "alcohol, cocktails or smoking" -> three subjects."""
    phrase = re.split(
        r"\s+(?:without|unless|except|in a way|that|which|where|when|while|because|if|even)\b|"
        r",?\s+(?:and|but)\s+(?:do not|don[’']?t|never|we|it|they)\b|[;.]",
        phrase,
    )[0]
    pieces = []
    for piece in phrase.split(":"):
        pieces.extend(_split_list(re.sub(r"^\s*(?:no|any)\s+", "", piece.strip(), flags=re.I)))
    out: list[str] = []
    for part in pieces:
        part = re.sub(r"^(?:any|a|an|the|people|someone|no)\s+", "", part, flags=re.I)
        part = _CONTAINER.sub("", part)  # "piles of cash" -> "cash", "stock photos of handshakes" -> "handshakes"
        part = _PREPOSITION.sub("", part).strip(" .")
        if (
            part
            and len(part.split()) <= 4
            and part.lower() not in out
            and not re.match(r"(?:is|are|was|were|be|been|listed|shown|described)\b", part, re.I)
        ):
            out.append(part.lower())
    return out


_NEG_START = re.compile(r"^\W*(never|don[’']?t|do not|avoid|no|not|nothing)\b", re.I)
_NEG_ANY = re.compile(r"\b(never|do not|don[’']?t|must not|should not|may not|cannot|can[’']?t|avoid)\b", re.I)

_DO_START = re.compile(
    r"^\W*(always|do(?!\s+not|n)|use|show|make sure|ensure|keep|place|choose|shoot|pour|"
    r"include|feature|let|put|give)\b",
    re.I,
)


def _polarity(unit: Unit) -> str:
    heading = unit.heading
    text = unit.text
    if _DO_START.search(text):
        return "do"
    if _NEG_START.search(text) or _NEG_ANY.search(text):
        return "dont"
    if _DONT_HEADING.search(heading) and not re.search(r"\bdo'?s\b", heading, re.I):
        return "dont"
    if _DO_HEADING.search(heading) or re.search(r"\b(always|must|should)\b", text, re.I):
        return "do"
    return "info"


_DO_COLUMN = re.compile(r"^\W*(do'?s?|always|yes|correct|right|use|✓|✔)\W*$", re.I)
_DONT_COLUMN = re.compile(r"^\W*(don[’']?ts?|do not|never|avoid|no|incorrect|wrong|don't use|✗|✘|x)\W*$", re.I)


def _table_rules(
    unit: Unit, topic: str | None, add: Any, imagery: list[BrandRule], logo: list[BrandRule], tone: list[BrandRule]
) -> None:
    """A "Do | Don't" table: each cell is a rule of its column's polarity."""
    if not unit.header or unit.cells == unit.header:
        return
    kind, into = {"logo": ("logo", logo), "tone": ("tone", tone), "banned": ("tone", tone)}.get(
        topic or "", ("imagery", imagery)
    )
    for head, cell in zip(unit.header, unit.cells, strict=False):
        if not cell.strip():
            continue
        cell_unit = Unit(cell.strip(), unit.chunk, "item")
        if _DONT_COLUMN.match(head):
            add(into, kind, cell_unit, imagery_subjects(cell) if kind == "imagery" else [], "dont")
        elif _DO_COLUMN.match(head):
            add(into, kind, cell_unit, [], "do")


def extract_rules(units: list[Unit]) -> tuple[list[BrandRule], list[BrandRule], list[BrandRule]]:
    tone: list[BrandRule] = []
    logo: list[BrandRule] = []
    imagery: list[BrandRule] = []
    seen: set[tuple[str, str]] = set()

    def add(
        into: list[BrandRule], kind: str, unit: Unit, subjects: list[str] | None = None, polarity: str | None = None
    ) -> None:
        text = unit.text.strip()
        if not text or len(text) > 400 or text.endswith(":") or (kind, text.casefold()) in seen:
            return
        seen.add((kind, text.casefold()))
        polarity = polarity or _polarity(unit)
        heading = unit.heading
        if (
            subjects is None
            and kind == "imagery"
            and polarity == "dont"
            and unit.kind == "item"
            and (_DONT_HEADING.search(heading) and not _NEG_ANY.search(text))
        ):
            subjects = imagery_subjects(text)  # "Never" heading, item "Alcohol or cocktails"
        into.append(
            BrandRule(
                text=text,
                kind=kind,
                polarity=polarity,
                subjects=subjects or [],
                source=unit.ref(),
            )
        )

    for unit in units:
        text = unit.text
        topic = section_topic(unit.path)
        if unit.kind == "row":
            _table_rules(unit, topic, add, imagery, logo, tone)
            continue
        rule_like = unit.kind == "item" or bool(RULE_CUE.search(text))
        dont = _IMAGERY_DONT.search(text) or _IMAGERY_DONT2.search(text)
        if dont and not LOGO.search(dont.group(1)) and topic not in ("logo", "type", "colour"):
            add(imagery, "imagery", unit, imagery_subjects(dont.group(1)))
        elif topic == "imagery" and rule_like:
            do = _IMAGERY_DO.search(text)
            add(imagery, "imagery", unit, imagery_subjects(do.group(1)) if do else None)
        elif (topic == "logo" and rule_like) or (
            topic in (None, "layout")
            and re.search(
                r"\b(?:the|our|a)\s+(?:logo|wordmark|logomark)\b[^.]{0,40}?\b(?:is|are|must|should|always|never|"
                r"sits?|goes|appears?|placed|corner|clear ?space|minimum)\b",
                text,
                re.I,
            )
        ):
            add(logo, "logo", unit)
        elif topic == "tone" and rule_like:
            add(tone, "tone", unit)
    return tone, logo, imagery
