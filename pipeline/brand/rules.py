"""Banned words, competitors and claims; tone, logo and imagery rules with their polarity and subjects.

Polarity comes from the rule's own words and from its context: an item of a list introduced by
"Do not use:", or under a heading "Don't", "Avoid", "Never", "You must not" or "Misuse", is a
prohibition. Banned words come from lists of words to cut or avoid, from quoted or emphasised words
after "do not use" / "avoid" / "never say", from "use X instead of Y" and "X, not Y" (Y is banned,
X is what to write instead), and from "don't say | say instead" tables and glossary rows marked
"Do not use".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pipeline.brand.text import (
    BAN_CUE,
    COMPETITOR,
    LOGO,
    QUOTED,
    RULE_CUE,
    WORDS_TOPIC,
    plain,
    section_topic,
)
from pipeline.knowledge.chunking import Unit
from pipeline.models import BrandRule, BrandTerm

_CLAIM = re.compile(
    r"\b(?:never|do not|don[’']?t|must not|should not|cannot|can[’']?t|may not)\s+(?:ever\s+)?"
    r"(?:claim|imply|suggest|promise|state that|say that)(?:\s+or\s+(?:imply|suggest|claim|promise))?(?:\s+that)?"
    r"\s+(.+?)\s*(?:[.;!]|$)",
    re.I,
)

_SAY_LIST = re.compile(
    r"\b(?:never|do not|don[’']?t|avoid)\s+(?:say|use|write)(?:\s+the\s+(?:words?|phrases?|terms?))?\s*:\s*(.+)$", re.I
)

# A prohibition on a word: what follows it (quoted or emphasised) is the banned word.
_WORD_BAN = re.compile(
    r"\b(?:do not|don[’']?t|we do not|we don[’']?t|you must not|must not|should not|shouldn[’']?t|never)\s+"
    r"(?:usually\s+|ever\s+)?(?:use|using|say|saying|write|writing|call|calling|refer to|talk about|describe|include|"
    r"precede|spell out)\b|\bavoid(?:\s+using)?\b|\bnever\b",
    re.I,
)
_NOT_BAN = re.compile(r"\binterchangeabl\w*|\bdo not need to\b|\bdon[’']?t need to\b", re.I)
# "Use _buy_ instead of _purchase_", "We use "cannot" instead of "can't"", "prefer X rather than Y".
_INSTEAD = re.compile(r"\b(?:instead of|rather than|in place of)\b", re.I)
# "DC, not D.C.", "U.S., not US or USA", "Use *log in to,* not *log into.*"
_X_NOT_Y = re.compile(r"^(?P<good>.{1,60}?),\s+not\s+(?P<bad>[^;:()]{1,60}?)\s*(?:[;:(]|\.(?:\s|$)|$)")
# "If you're creating a new object, do not use *Add*": a rule for one case, not a banned word.
_CONDITIONAL = re.compile(r"^\W*(?:if|when|unless|where|for|in)\b", re.I)
_CLAUSE_END = re.compile(r"\b(?:because|as it|as they|since|which|so that|but|unless|except|instead)\b|[.;!?](?:\s|$)")
# Words too common to ban on their own: the gate matches terms in any case, and "US" would block "us".
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "as",
        "is",
        "it",
        "its",
        "be",
        "am",
        "are",
        "was",
        "we",
        "us",
        "you",
        "he",
        "she",
        "they",
        "me",
        "my",
        "our",
        "so",
        "no",
        "not",
        "do",
        "if",
        "up",
        "go",
        "this",
        "that",
    ]
)


def _split_list(text: str) -> list[str]:
    quoted = [q[0] or q[1] for q in QUOTED.findall(text)]
    if quoted:
        return quoted
    parts = re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:or|and|nor)\s+|\s*/\s*|\s*;\s*", text)
    return [p.strip(" .\"'“”‘’") for p in parts if p.strip(" .\"'“”‘’")]


def _marked(text: str) -> list[str]:
    """Words a sentence marks as words: quoted, or emphasised ("_start_", "*Cancelling*")."""
    found = [(m.start(), m.group(1) or m.group(2)) for m in QUOTED.finditer(text)]
    found += [(m.start(), m.group(2)) for m in _EMPH.finditer(text)]
    return [w.strip(" ,.;:!?") for _, w in sorted(found) if w.strip(" ,.;:!?")]


_EMPH = re.compile(r"(?<![\w*_])([*_])(?!\s)([^*_\n]{1,60}?)(?<!\s)\1(?![\w*_])")


def _item_term(text: str) -> tuple[list[str], str | None]:
    """The term(s) of a list item under a banned-words heading, and what to write instead
    ("collaborate (use _working with_)"); a full sentence without quotes yields none."""
    instead = None
    paren = re.search(r"\((?:use|say|write|try)\s+(.+?)\)", text, re.I)
    if paren:
        marked = _marked(paren.group(1))
        instead = marked[0] if marked else None
    quoted = [q[0] or q[1] for q in QUOTED.findall(text)]
    if quoted:
        return quoted, instead
    head = re.split(r"\s+[–—-]\s+|\s*:\s+|\s*\(|\s+because\s+|\s*→\s*|\s*->\s*", text, maxsplit=1)[0]
    head = plain(head).strip(" .\"'“”‘’")
    if "," in head or re.search(r"\s(?:or|and)\s", head):
        parts = _split_list(head)
        return (parts if all(len(p.split()) <= 4 for p in parts) else []), instead
    return ([head] if 0 < len(head.split()) <= 4 else []), instead


def _clean_term(text: str) -> str:
    """A term as written, without quotes, emphasis or end punctuation ("D.C." keeps its dots)."""
    text = " ".join(plain(text).split()).strip(" ,;:!?\"'“”‘’*_.")
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", text):
        return text + "."  # "D.C", "e.g" -> "D.C.", "e.g."
    return text


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


def _sentence_bans(text: str, heading: str) -> list[tuple[str, str | None]]:
    """(banned word, what to write instead) from one sentence about words."""
    if _NOT_BAN.search(text):
        return []
    out: list[tuple[str, str | None]] = []
    instead = _INSTEAD.search(text)
    if instead:
        # "Use _buy_ instead of _purchase_, _help_ instead of _assist_": pairs around each "instead of"
        pieces = re.split(r"(\binstead of\b|\brather than\b|\bin place of\b)", text, flags=re.I)
        for i in range(1, len(pieces) - 1, 2):
            before, after = _marked(pieces[i - 1]), _marked(pieces[i + 1])
            if i > 1:
                before = before[1:]  # the first is the previous pair's banned word
            if after:
                out.append((after[0], before[0] if before else None))
            elif i + 1 == len(pieces) - 1 and pieces[i + 1].strip(" :") == "" and before:
                out.append(("", before[-1]))  # "Say "death" instead of:" -> the list below is banned
        return out
    comma_not = re.search(r",\s+not\s+", text)
    if comma_not:
        # 'use "brown and black skin" and "white skin", not "dark skin" or "light skin"'
        before, after = _marked(text[: comma_not.start()]), _marked(text[comma_not.end() :])
        if before and after:
            return [(bad, before[0]) for bad in after if bad not in before]
    x_not_y = _X_NOT_Y.match(plain(text)) if len(text.split()) <= 14 else None
    if x_not_y and len(x_not_y.group("good").split()) <= 4:
        good = re.sub(r"^(?:use|write|say)\s+", "", x_not_y.group("good").strip(" *_\"'“”"), flags=re.I)
        for bad in _split_list(x_not_y.group("bad")):
            bad = bad.strip(" *_\"'“”")
            if bad and bad != good and len(bad.split()) <= 4:
                out.append((bad, good))
        return out
    cue = _WORD_BAN.search(text)
    if cue and not _CONDITIONAL.match(text):
        rest = text[cue.end() :]
        stop = _CLAUSE_END.search(rest)
        marked = _marked(rest[: stop.start()] if stop else rest)
        if marked:
            follow = re.search(r"\b(?:instead|use|say|try)\b.*$", rest, re.I)
            alt = _marked(follow.group(0)) if follow else []
            out += [(m, alt[-1] if alt and alt[-1] != m else None) for m in marked if m not in alt]
        elif heading and re.match(
            rf"^\W*(?:avoid|do not use|don[’']?t use|never use)\s+{re.escape(heading)}\W*$", text, re.I
        ):
            out.append((heading, None))  # an A-Z entry "etc": "Avoid etc."
    return out


def extract_terms(units: list[Unit], brand: str = "") -> list[BrandTerm]:
    """Banned words (with what to write instead, where the guidelines say), competitors and claims."""
    terms: dict[str, BrandTerm] = {}
    own = brand.casefold()

    def add(term: str, kind: str, unit: Unit, instead: str | None = None, confidence: float = 1.0) -> None:
        term, instead = _clean_term(term), _clean_term(instead) if instead else None
        key = term.casefold()
        if (
            len(term) < 2
            or len(term) > 80
            or len(term.split()) > 10
            or key in {"it", "this", "that", "them", "these", "those", "anything", "something"}
            or key in _FUNCTION_WORDS
            or (own and (key == own or own in key.split()))
            or (instead is not None and instead.casefold() == key)  # a case-only variant would ban the right form
        ):
            return
        if kind == "banned" and len(term.split()) > 5:
            return
        if key not in terms or (kind == "competitor" and terms[key].kind != "competitor"):
            terms[key] = BrandTerm(term=term, kind=kind, source=unit.ref(), instead=instead, confidence=confidence)
        elif instead and not terms[key].instead:
            terms[key].instead = instead

    for n, unit in enumerate(units):
        topic = section_topic(unit.path)
        text = unit.text
        lead_bans = _sentence_bans(unit.lead, "") if unit.kind == "item" and unit.lead else []
        if topic == "competitors":
            if unit.kind in ("item", "row") and not (unit.header and unit.cells == unit.header):
                names, _ = _item_term(unit.cells[0] if unit.cells else text)
                for name in names:
                    if re.match(r"[A-Z0-9]", name) and len(name.split()) <= 4:
                        add(name, "competitor", unit)
            for name in _competitor_names(text):
                add(name, "competitor", unit)
            continue
        if COMPETITOR.search(text):
            for name in _competitor_names(text):
                add(name, "competitor", unit)
        if unit.kind == "row":
            handled = _table_terms(unit, add)
            if topic == "banned" and not handled and not (unit.header and unit.cells == unit.header):
                names, item_instead = _item_term(unit.cells[0] if unit.cells else text)
                for term in names:
                    add(term, "banned", unit, item_instead)
            continue
        if unit.kind == "item" and (
            topic == "banned" or (lead_bans and lead_bans[0][0] == "") or _BAN_LEAD.search(unit.lead)
        ):
            # An item of a list of words to avoid, or of a list introduced by "Say "died" instead of:".
            instead = lead_bans[0][1] if lead_bans and lead_bans[0][0] == "" else None
            names, item_instead = _item_term(text)
            if topic != "banned" and not re.match(r"^\W*[\"“‘'*_]", text) and len(text.split()) > 4:
                names = []  # 'a capital L for "long" unless ...' explains a form; it names no banned word
            for term in names:
                add(term, "banned", unit, item_instead or instead)
            if names:
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
        if topic in ("logo", "colour", "type", "imagery"):
            continue
        heading = unit.heading if unit.heading != unit.path else ""
        bans = [b for b in _sentence_bans(text, heading) if b[0]]
        if bans:
            # "We avoid "incurable". Instead we say "cannot be cured"."
            nxt = units[n + 1] if n + 1 < len(units) else None
            if nxt is not None and nxt.chunk.id == unit.chunk.id and re.match(r"^\W*instead\b", nxt.text, re.I):
                marked = _marked(nxt.text)
                bans = [(t, i or (marked[0] if marked else None)) for t, i in bans]
        for term, instead in bans:
            add(term, "banned", unit, instead)
        if bans:
            continue
        quoted_terms = [q[0] or q[1] for q in QUOTED.findall(text)]
        if quoted_terms and (
            topic == "banned" or (topic in (None, "tone") and BAN_CUE.search(text) and WORDS_TOPIC.search(text))
        ):
            for term in quoted_terms:
                if not _INSTEAD.search(text):
                    add(term, "banned", unit)
    return list(terms.values())


_BAN_LEAD = re.compile(
    r"\b(?:do not|don[’']?t|never|avoid|we do not|you must not)\s+(?:use|say|write)\b[^:]*:\s*$|\bwords to avoid\b",
    re.I,
)
_SAY_COLUMN = re.compile(
    r"^\W*(?:instead|say instead|use instead|use|say|write|do|preferred|recommended|after)\b", re.I
)
_AVOID_COLUMN = re.compile(
    r"^\W*(?:don[’']?t (?:say|use|write)|do not (?:say|use|write)|avoid|instead of|not|never|before|banned|"
    r"incorrect|wrong)\b",
    re.I,
)
_GLOSSARY_BAN = re.compile(r"^\W*(?:do not use|don[’']?t use|avoid|never use)\b(?:\W*$|\.\s|\W*see\b)", re.I)


def _table_terms(unit: Unit, add: Callable[..., None]) -> bool:
    """A "don't say | say instead" table row, or a glossary row whose usage says "Do not use"."""
    header = [plain(h).strip() for h in unit.header] if unit.header and unit.header != unit.cells else []
    cells = [plain(c).strip() for c in unit.cells]
    if header:
        avoid = [i for i, h in enumerate(header) if _AVOID_COLUMN.match(h)]
        say = [i for i, h in enumerate(header) if _SAY_COLUMN.match(h) and i not in avoid]
        if avoid and say and len(header) <= 4:
            instead = cells[say[0]] if say[0] < len(cells) else None
            for i in avoid:
                if i < len(cells) and 0 < len(cells[i].split()) <= 5:
                    for term in _split_list(cells[i]):
                        add(term, "banned", unit, instead)
            return True
    if len(cells) >= 2 and any(_GLOSSARY_BAN.match(c) for c in cells[1:]):
        term = re.sub(r"\s*\((?:v|n|adj|adv|noun|verb)\.?\)\s*$", "", cells[0]).strip()
        see = next(
            (re.search(r"\bsee\s+(.+?)(?:[.]|$)", c, re.I) for c in cells[1:] if re.search(r"\bsee\b", c, re.I)), None
        )
        alt = re.search(r"\bversion,?\s+(.+?)(?:[.]|$)", " ".join(cells[1:]), re.I)
        instead = see.group(1) if see else alt.group(1) if alt else None
        if instead:
            instead = re.split(r"\s+or\s+|,", instead)[0]
        if term and len(term.split()) <= 4:
            add(term, "banned", unit, instead)
    # Notes on a glossary row ("Do not use *Okay* in the UI" on the row of "OK"): the row's term is
    # what to write instead, and never itself banned.
    row_term = re.sub(r"\s*\([^)]*\)\s*$", "", cells[0]).strip() if cells else ""
    for cell in unit.cells[1:]:
        for sentence in re.split(r"(?:(?<=[.!?])|(?<=[.!?][*_]))\s+(?=[A-Z*_\"“])", cell):
            for term, instead in _sentence_bans(sentence, ""):
                if term and _clean_term(term).casefold() != row_term.casefold():
                    add(term, "banned", unit, instead or (row_term if 0 < len(row_term.split()) <= 3 else None))
    return False


# --- rules: polarity, subjects -----------------------------------------------------------------

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
        pieces.extend(_split_list(re.sub(r"^\s*(?:no|any)\s+", "", piece.strip(), flags=re.I)))
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
        if subjects is None and topic == "imagery" and context_polarity(unit) == "dont" and _names_things(text):
            subjects = imagery_subjects(text)
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
