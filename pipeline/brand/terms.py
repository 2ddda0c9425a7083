"""Banned words, with what to write instead, competitors and claims.

Banned words come from lists of words to cut or avoid, from quoted or emphasised words after "do not
use" / "avoid" / "never say", from "use X instead of Y" and "X, not Y" (Y is banned, X is what to
write instead), from "don't say | say instead" tables and from glossary rows marked "Do not use".
Recommended words, case-only variants of them, rules for one case ("If you create an object, do not
use *Add*") and function words are never banned.

    >>> [(t.term, t.instead) for t in extract_terms(units)]  # doctest: +SKIP
    [('purchase', 'buy'), ('D.C.', 'DC')]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from pipeline.brand.text import BAN_CUE, COMPETITOR, EMPHASIS, QUOTED, WORDS_TOPIC, plain, section_topic, split_list
from pipeline.knowledge.chunking import Unit
from pipeline.models import BrandTerm

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


def _marked(text: str) -> list[str]:
    """Words a sentence marks as words: quoted, or emphasised ("_start_", "*Cancelling*")."""
    found = [(m.start(), m.group(1) or m.group(2)) for m in QUOTED.finditer(text)]
    found += [(m.start(), m.group(2)) for m in EMPHASIS.finditer(text)]
    return [w.strip(" ,.;:!?") for _, w in sorted(found) if w.strip(" ,.;:!?")]


def _item_term(text: str) -> tuple[list[str], str | None]:
    """The term(s) of a list item under a banned-words heading, and what to write instead
    ("collaborate (use _working with_)"); a full sentence without quotes yields none."""
    instead = None
    # "(use _working with_)", "(unless it unlocks something, use _important_ or omit)"
    paren = re.search(r"\([^()]*?\b(?:use|say|write|try)\s+([*_\"“‘'].+?)\)", text, re.I)
    if paren:
        marked = _marked(paren.group(1))
        instead = marked[0] if marked else None
    quoted = [q[0] or q[1] for q in QUOTED.findall(text)]
    if quoted:
        return quoted, instead
    head = re.split(r"\s+[–—-]\s+|\s*:\s+|\s*\(|\s+because\s+|\s*→\s*|\s*->\s*", text, maxsplit=1)[0]
    head = plain(head).strip(" .\"'“”‘’")
    if "," in head or re.search(r"\s(?:or|and)\s", head):
        parts = split_list(head)
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
    for part in split_list(tail.group(1)):
        part = re.sub(r"^(?:the|brands?)\s+", "", part.strip(" ()[]"))
        if re.fullmatch(r"[A-Z0-9][\w'’&.-]*(?:\s+[A-Z0-9&][\w'’&.-]*){0,3}", part):
            names.append(part)
    return names


_PREFER = re.compile(r"\bprefer(?:red)?\b", re.I)
_PREFER_LINK = re.compile(r"^\W*\s(?:to|over|rather than|instead of)\s\W*$", re.I)


def _marked_spans(text: str) -> list[tuple[int, int, str]]:
    spans = [(m.start(), m.end(), m.group(1) or m.group(2)) for m in QUOTED.finditer(text)]
    spans += [(m.start(), m.end(), m.group(2)) for m in EMPHASIS.finditer(text)]
    return sorted((a, b, w.strip(" ,.;:!?")) for a, b, w in spans if w.strip(" ,.;:!?"))


def _preferred(text: str) -> list[tuple[str, str | None]]:
    """ "We prefer "try to" to "try and"", "prefer the words "high temperature" to "fever"": (worse, better)."""
    cue = _PREFER.search(text)
    if not cue:
        return []
    spans = [s for s in _marked_spans(text) if s[0] >= cue.end()]
    out: list[tuple[str, str | None]] = []
    for (_, end, good), (start, _, bad) in pairwise(spans):
        if _PREFER_LINK.match(" " + text[end:start] + " ") and bad.casefold() != good.casefold():
            out.append((bad, good))
    return out


def _sentence_bans(text: str, heading: str, entry: bool = False) -> list[tuple[str, str | None]]:
    """(banned word, what to write instead) from one sentence about words; ``entry``: ``heading`` is the
    word an A to Z entry is about."""
    if _NOT_BAN.search(text):
        return []
    out: list[tuple[str, str | None]] = []
    prefer = _preferred(text)
    if prefer:
        return prefer
    if entry and heading and len(heading.split()) <= 4:
        # An A to Z entry "prognosis": "We prefer "outlook"." or "We prefer "sudden", "starts suddenly" or
        # ..." -> the heading's word is the one to replace, by the first alternative.
        alone = re.fullmatch(
            r"\W*(?:we\s+|generally,?\s+we\s+)?(?:prefer|use\s+(?P<q>.+?)\s+instead|say\s+(?P<q2>.+?)\s+instead)\b.*",
            plain(text),
            re.I,
        )
        marked = _marked(text)
        if (
            alone
            and marked
            and len(text.split()) <= 24
            and marked[0].casefold() != heading.casefold()
            and re.match(
                r"^\W*(?:we\s+|generally,?\s+we\s+)?\w+\s+(?:the\s+(?:words?|terms?)\s+)?[\"“‘'*_]", text, re.I
            )
        ):
            return [(heading, marked[0])]
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
        for bad in split_list(x_not_y.group("bad")):
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
        # An entry of an A to Z of words: a lower-case heading, or one under a single-letter heading
        entry = bool(heading) and (
            heading[:1].islower() or any(re.fullmatch(r"[A-Z]", p.strip()) for p in unit.path.split(" > "))
        )
        bans = [b for b in _sentence_bans(text, heading, entry) if b[0]]
        if bans and any(i is None for _, i in bans):
            # "We avoid "incurable". Instead we say "cannot be cured"." (one sentence may stand between)
            for nxt in units[n + 1 : n + 3]:
                if nxt.chunk.id != unit.chunk.id or nxt.sub != unit.sub:
                    break
                if (
                    _NEXT_INSTEAD.match(nxt.text)
                    and not _INSTEAD.search(nxt.text)
                    and not nxt.text.rstrip().endswith(":")
                ):
                    marked = _marked(nxt.text)
                    bans = [(t, i or (marked[0] if marked and marked[0] != t else None)) for t, i in bans]
                    break
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


# The sentence after a ban that gives the word to use: "Instead we say ...", "We just say "in hospital"",
# "Try other words, like "happen"".
_NEXT_INSTEAD = re.compile(
    r"^\W*(?:instead\b|we\s+(?:just\s+|simply\s+|usually\s+)?(?:say|use|write|prefer)\b|(?:say|use|write|try)\b)",
    re.I,
)
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
                    for term in split_list(cells[i]):
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
