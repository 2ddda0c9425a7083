"""Tone, logo and imagery rules, with their polarity and, for imagery prohibitions, their subjects.

Polarity comes from the rule's own words and from its context: an item of a list introduced by
"Do not use:", or under a heading "Don't", "Avoid", "Never", "You must not" or "Misuse", is a
prohibition. An imagery prohibition keeps what it bans from the picture in every form it is written
("no drones, no cars in the frame", "people on thin ice must never be shown", "avoid alcohol").
Banned words are read in :mod:`pipeline.brand.terms`.

    >>> tone, logo, imagery = extract_rules(units)  # doctest: +SKIP
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.brand.text import LOGO, QUOTED, RULE_CUE, plain, section_topic, split_list
from pipeline.knowledge.chunking import Unit
from pipeline.models import BrandRule

_SHOW_VERB = (
    r"(?:show|shows|showing|depict|depicting|feature|featuring|include|including|portray|picture|photograph|"
    r"use (?:images|imagery|photos) of)"
)

_IMAGERY_DONT = re.compile(
    rf"\b(?:never|do not|don[’']?t|must not|should not|avoid|no)\s+(?:ever\s+)?{_SHOW_VERB}\s+(.+?)\s*(?:[.;!]|$)", re.I
)

_IMAGERY_DONT2 = re.compile(
    rf"\b(?:we|images?|photos?|imagery)\s+(?:never|don[’']?t|do not|must not)\s+{_SHOW_VERB}\s+(.+?)\s*(?:[.;!]|$)",
    re.I,
)
# "Avoid using shadows or gradients", "Do not use photography to represent abstract concepts"
_IMAGERY_USE_DONT = re.compile(
    r"\b(?:never|do not|don[’']?t|must not|should not|avoid)\s+(?:ever\s+)?(?:use|using|add|adding|include|including|"
    r"depicting|showing|picturing|choose|choosing|put|putting)\s+(.+?)\s*(?:[.;!]|$)",
    re.I,
)
# "Avoid alcohol in any shot"
_AVOID = re.compile(r"\bavoid\s+(?:any\s+)?(?!using\b|use\b|making\b|having\b|being\b)(.+?)\s*(?:[.;!]|$)", re.I)
# "People on thin ice must never be shown", "Alcohol is never pictured"
_PASSIVE_DONT = re.compile(
    r"^\W*(.{2,60}?)\s+(?:must|should|may|can|will|are|is)\s+(?:never|not)\s+(?:ever\s+)?(?:be\s+)?"
    r"(?:shown|depicted|pictured|featured|photographed|appear\w*|included|visible|used)\b",
    re.I,
)
# "No drones, no motorbikes, no cars in the frame"
_NO_LIST = re.compile(
    r"(?:^|[,;:]\s*|\s)no\s+([^,;.]+?)(?=\s*,\s*(?:and\s+|or\s+)?no\s|\s+(?:or|and|nor)\s+no\s|[,;.]|$)", re.I
)
_PICTURE_WORDS = re.compile(
    r"\b(photo\w*|images?|imagery|pictures?|frames?|shots?|scenes?|visuals?|ads?|adverts?|advertising|campaigns?|"
    r"videos?|footage|illustrations?|graphics?)\b",
    re.I,
)

_IMAGERY_DO = re.compile(rf"\b(?:always|do|must|should)\s+{_SHOW_VERB}\s+(.+?)\s*(?:[.;!]|$)", re.I)
_DONT_HEADING = re.compile(
    r"\b(don[’']?ts?|do not|never|avoid|misuse|incorrect|wrong|prohibited|not allowed|must not|should not)\b", re.I
)
_DO_HEADING = re.compile(r"\bdo'?s\b|\bdo\b|\bcorrect\b|\balways\b", re.I)
_DONT_LEAD = re.compile(
    r"\b(don[’']?t|do not|never|avoid|must not|should not|not allowed|misuse|incorrect)\b[^:]*:\s*$", re.I
)
_DO_LEAD = re.compile(r"^\W*(do|always|you (?:should|must|can))\b[^:]*:\s*$", re.I)

_CONTAINER = re.compile(
    r"^(?:(?:stock|staged|generic|cheesy|obvious)\s+)?(?:piles?|stacks?|heaps?|bundles?|lots|images?|photos?|"
    r"photographs?|pictures?|shots?|scenes?|footage|close-ups?|displays?|depictions?|clichés?|cliches?)\s+of\s+",
    re.I,
)

_PREPOSITION = re.compile(r"(?:^|\s+)(?:in|on|at|anywhere|inside|near|behind|from|during|with|to|for|as)\b.*$", re.I)
_PEOPLE = re.compile(
    r"^(?:people|persons?|someone|anyone|children|kids|men|women|a (?:man|woman|child|person))\b", re.I
)


_SUBJECT_END = re.compile(
    r"\s+(?:without|unless|except|in a way|that|which|where|when|while|because|if|even)\b|"
    r",?\s+(?:and|but)\s+(?:do not|don[’']?t|never|we|it|they)\b|[;.]|,?\s+such as\b|,?\s+for example\b"
)


def imagery_subjects(phrase: str) -> list[str]:
    """Short subject words of a "never show ..." rule: "alcohol, cocktails or smoking" -> three subjects.

    Each listed subject stands alone: a modifier on the first ("open flames or campfires") is not
    carried over to the others. People in a situation keep the situation as a subject of its own
    ("people on thin ice" -> "people on thin ice", "thin ice").
    """
    phrase = _SUBJECT_END.split(plain(phrase))[0]
    pieces = []
    for piece in phrase.split(":"):
        pieces.extend(split_list(re.sub(r"^\s*(?:no|any)\s+", "", piece.strip(), flags=re.I)))
    out: list[str] = []
    for part in pieces:
        part = re.sub(r"^(?:any|a|an|the|no|using|showing|depicting|images? of|photos? of)\s+", "", part, flags=re.I)
        part = _CONTAINER.sub("", part)  # "piles of cash" -> "cash", "stock photos of handshakes" -> "handshakes"
        situation = None
        if _PEOPLE.match(part):
            on = re.search(r"\s+(?:on|in|at|near|with|holding|using|drinking|smoking)\s+(.+)$", part, re.I)
            if on and len(part.split()) <= 6 and not _PICTURE_WORDS.fullmatch(on.group(1).strip(" .")):
                situation = re.sub(r"^(?:a|an|the)\s+", "", on.group(1).strip(" ."), flags=re.I)
                part = part.strip(" .")
        if situation is None:
            part = re.sub(r"\s+(?:to|for)\s+(?:represent|show|convey|illustrate|depict)\b.*$", "", part, flags=re.I)
            part = _PREPOSITION.sub("", part).strip(" .")
        # a person in a situation is banned by the situation: banning "people" would ban every person
        candidates = [situation] if situation else [part]
        for cand in candidates:
            cand = cand.strip(" .,")
            if (
                cand
                and len(cand.split()) <= (6 if situation else 4)
                and cand.lower() not in out
                and not re.match(r"(?:is|are|was|were|be|been|listed|shown|described|it|them|this|that)\b", cand, re.I)
            ):
                out.append(cand.lower())
    return out


def _represent_subjects(phrase: str) -> list[str]:
    """ "photography to represent abstract concepts" -> what it must not represent."""
    match = re.search(r"\bto\s+(?:represent|show|convey|illustrate|depict|symboli[sz]e)\s+(.+)$", phrase, re.I)
    return imagery_subjects(match.group(1)) if match else []


_NEG_START = re.compile(r"^\W*(never|don[’']?t|do not|avoid|no|not|nothing)\b", re.I)
_NEG_ANY = re.compile(r"\b(never|do not|don[’']?t|must not|should not|may not|cannot|can[’']?t|avoid)\b", re.I)

_DO_START = re.compile(
    r"^\W*(always|do(?!\s+not|n)|use|show|make sure|ensure|keep|place|choose|shoot|pour|"
    r"include|feature|let|put|give)\b",
    re.I,
)


def _names_things(text: str) -> bool:
    """An item that only names what is banned ("Alcohol or cocktails"), not a sentence with a verb of its
    own ("Never retouch the product ...": what that bans is a process, not something shown)."""
    text = plain(text)
    return not (_NEG_START.search(text) or _DO_START.search(text) or _NEG_ANY.search(text)) and len(text.split()) <= 8


def context_polarity(unit: Unit) -> str | None:
    """Polarity the unit's context gives it: an item of a list introduced by "Do not:" or under a
    "Don't" / "Avoid" / "Misuse" heading is a prohibition; None where the context says nothing."""
    if unit.kind in ("item", "row"):
        if unit.lead:  # the line that introduces the list governs it
            return "dont" if _DONT_LEAD.search(unit.lead) else "do" if _DO_LEAD.search(unit.lead) else None
        heading = unit.heading
        if len(re.findall(r"[\w’']+", heading)) > 4:
            return None  # a heading that is a sentence ("Avoid images that contain text") labels no list
        if _DONT_HEADING.search(heading) and not re.search(r"\bdo'?s\b", heading, re.I):
            return "dont"
        if _DO_HEADING.search(heading):
            return "do"
    return None


def _polarity(unit: Unit) -> str:
    text = plain(unit.text)
    if unit.kind == "item" and unit.lead and _DONT_LEAD.search(unit.lead):
        return "dont"  # "Don't:" over "Use a pictogram at an angle": the item is what not to do
    if _DO_START.search(text):
        return "do"
    if _NEG_START.search(text) or _NEG_ANY.search(text):
        return "dont"
    context = context_polarity(unit)
    if context:
        return context
    heading = unit.heading
    label = len(re.findall(r"[\w’']+", heading)) <= 4  # "Misuse", "Don'ts"; not "Avoid images that contain text"
    if (
        unit.kind == "sentence"
        and label
        and _DONT_HEADING.search(heading)
        and not re.search(r"\bdo'?s\b", heading, re.I)
        and len(text.split()) <= 12
    ):
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
        cell_unit = Unit(cell.strip(), unit.chunk, "item", sub=unit.sub)
        if _DONT_COLUMN.match(plain(head)):
            add(into, kind, cell_unit, imagery_subjects(cell) if kind == "imagery" else [], "dont")
        elif _DO_COLUMN.match(plain(head)):
            add(into, kind, cell_unit, [], "do")


# Example copy, not a principle: quoted sample lines, "For example ..." and sections of examples.
_EXAMPLE_HEADING = re.compile(r"\b(examples?|sample|before|after|templates?|demo|specimen)\b", re.I)


def _is_example(unit: Unit) -> bool:
    text = unit.text.strip()
    quoted = sum(len(q[0] or q[1]) for q in QUOTED.findall(text))
    return (
        bool(re.match(r"^[\"“‘'_*]", text) and quoted >= 0.5 * len(text))
        or bool(re.match(r"^\W*(?:for example|e\.g\.|example:)", text, re.I))
        or bool(_EXAMPLE_HEADING.search(unit.heading))
        or text.endswith("?")
    )


_IMPERATIVE = re.compile(
    r"^\W*(?:use|write|be|keep|avoid|don[’']?t|do not|never|always|say|speak|sound|address|aim|prefer|make|let|"
    r"focus|choose|consider|talk|explain|give|put|lead|start|stay|show)\b",
    re.I,
)
_VOICE = re.compile(r"\b(?:our|the brand'?s?|we)\s+(?:voice|tone)\b|\bwe (?:sound|are|aim to be|want to be)\b", re.I)
_NOT_PRINCIPLES = re.compile(r"\b(further reading|resources|see also|related|references?|links?|glossary)\b", re.I)


def _is_principle(unit: Unit) -> bool:
    """A voice or tone principle ("Use contractions", "Authoritative", "Our voice is neutral and factual"),
    not example copy, not a rule about one word, not a link list."""
    text = plain(unit.text).strip()
    words = len(text.split())
    if _is_example(unit) or _NOT_PRINCIPLES.search(unit.heading) or re.match(r"^\W*(?:if|when|unless)\b", text, re.I):
        return False
    if any(re.fullmatch(r"[A-Z]", part.strip()) for part in unit.path.split(" > ")):
        return False  # an A to Z of words is a word list, not the voice
    if re.match(r"^[a-z][\w' -]{0,30}\s\(", text):
        return False  # "drive (you can only drive vehicles ...)": an entry about a word
    if unit.kind == "sentence" and re.match(r"^\W*we (?:use|say|write|prefer)\s+[\"“‘']", text, re.I):
        return False  # a rule about a word ("We use "pharmacy", not "chemist"") is a banned term, not a tone
    if unit.kind in ("item", "row"):
        return words <= 18
    return (bool(_IMPERATIVE.match(text)) and words <= 30) or bool(_VOICE.search(text))


def _imagery_dont_subjects(text: str, topic: str | None) -> list[str] | None:
    """Subjects of a prohibition on what a picture shows, in any of its forms; None when ``text`` is none."""
    body = plain(text)
    if re.match(r"^\W*(?:if|when|unless)\b", body, re.I):
        return None  # "If it's not practical to avoid ...": a case, not a prohibition
    dont = _IMAGERY_DONT.search(body) or _IMAGERY_DONT2.search(body)
    if dont and not LOGO.search(dont.group(1)):
        return imagery_subjects(dont.group(1))
    passive = _PASSIVE_DONT.search(body)
    if passive and (topic == "imagery" or _PICTURE_WORDS.search(body)):
        return imagery_subjects(passive.group(1))
    no_items = [m.group(1) for m in _NO_LIST.finditer(body)]
    if len(no_items) >= 2 or (
        no_items and re.search(r"\bin (?:the |any )?(?:frame|shot|picture|image|scene)\b", body, re.I)
    ):
        subjects: list[str] = []
        for item in no_items:
            subjects += [s for s in imagery_subjects(item) if s not in subjects]
        return subjects
    if topic == "imagery":
        use = _IMAGERY_USE_DONT.search(body) or _AVOID.search(body)
        if use:
            phrase = _SUBJECT_END.split(use.group(1))[0]
            return _represent_subjects(phrase) or imagery_subjects(phrase)
    return None


_VERB_LED = re.compile(
    r"^\W*(?:use|using|show|showing|include|including|add|adding|depict|depicting|feature|featuring|place|placing|"
    r"put|putting|combine|combining|mix|mixing)\s+(.+)$",
    re.I,
)


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
        if (
            subjects is None
            and kind == "imagery"
            and polarity == "dont"
            and unit.kind == "item"
            and _names_things(text)
        ):
            subjects = imagery_subjects(text)  # "Never" heading, item "Alcohol or cocktails"
        into.append(
            BrandRule(
                text=text,
                kind=kind,
                polarity=polarity,
                subjects=subjects or [],
                source=unit.ref(),
                confidence=1.0 if polarity != "info" else 0.8,
            )
        )

    for unit in units:
        text = unit.text
        topic = section_topic(unit.path)
        if unit.kind == "row":
            _table_rules(unit, topic, add, imagery, logo, tone)
            continue
        rule_like = unit.kind == "item" or bool(RULE_CUE.search(text))
        in_frame = topic == "imagery" or (topic not in ("logo", "type", "colour") and _PICTURE_WORDS.search(text))
        subjects = _imagery_dont_subjects(text, topic) if in_frame and topic not in ("logo", "type", "colour") else None
        if subjects is None and topic == "imagery" and context_polarity(unit) == "dont":
            if _names_things(text):
                subjects = imagery_subjects(text)
            else:  # "Don't:" over "Use a pictogram at an angle": what it uses is what is banned
                verb = _VERB_LED.match(plain(text))
                if verb:
                    phrase = _SUBJECT_END.split(verb.group(1))[0]
                    subjects = _represent_subjects(phrase) or imagery_subjects(phrase) or None
        if subjects:
            add(imagery, "imagery", unit, subjects, "dont")
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
            add(logo, "logo", unit, None, context_polarity(unit))
        elif topic == "tone" and (rule_like or _VOICE.search(text)) and _is_principle(unit):
            add(tone, "tone", unit)
    return tone, logo, imagery
