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

from pipeline.brand_fonts import extract_fonts
from pipeline.brand_palette import extract_palette
from pipeline.brand_text import (
    BAN_CUE,
    COMPETITOR,
    LOGO,
    NEGATIVE,
    QUOTED,
    RULE_CUE,
    WORDS_TOPIC,
    section_topic,
    units_in,
)
from pipeline.chunking import Unit
from pipeline.models import (
    BrandProfile,
    BrandRule,
    BrandTerm,
    GuidelineChunk,
    LayoutRules,
    SubBrand,
)

# --- sub-brands ------------------------------------------------------------------------------

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


# --- banned words, claims, competitors -------------------------------------------------------

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


# --- rules: tone, logo, imagery --------------------------------------------------------------

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


def _subjects(phrase: str) -> list[str]:
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
            add(into, kind, cell_unit, _subjects(cell) if kind == "imagery" else [], "dont")
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
            subjects = _subjects(text)  # "Never" heading, item "Alcohol or cocktails"
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
            add(imagery, "imagery", unit, _subjects(dont.group(1)))
        elif topic == "imagery" and rule_like:
            do = _IMAGERY_DO.search(text)
            add(imagery, "imagery", unit, _subjects(do.group(1)) if do else None)
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


# --- layout numbers --------------------------------------------------------------------------

_CORNER = re.compile(r"\b(top|upper|bottom|lower)[\s-]+(left|right)(?:[\s-]+(?:hand\s+)?corner)?", re.I)
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*(?:%|per\s?cent)")
_RANGE = re.compile(
    r"(\d{1,3}(?:\.\d+)?)\s*(?:%|per\s?cent)?\s*(?:–|—|-|to|and)\s*(\d{1,3}(?:\.\d+)?)\s*(?:%|per\s?cent)"
)
_FRACTION_WORDS = {"half": 0.5, "third": 1 / 3, "quarter": 0.25, "fifth": 0.2, "fourth": 0.25}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(px|pixels?|mm|millimet(?:er|re)s?|cm|in\b|inch(?:es)?|pt)\b", re.I)


def _fraction(text: str) -> float | None:
    pct = _PERCENT.search(text)
    if pct:
        return float(pct.group(1)) / 100
    word = re.search(r"\b(?:one[\s-])?(half|third|quarter|fifth|fourth)\b", text, re.I)
    if word:
        value = _FRACTION_WORDS[word.group(1).lower()]
        if re.search(r"\btwo[\s-]thirds\b", text, re.I):
            value = 2 / 3
        return round(value, 4)
    return None


def _fraction_near(text: str, keyword: re.Match[str] | None) -> float | None:
    """The percentage closest to ``keyword`` ("35% negative space and a 4% safe margin" -> 4% for the margin)."""
    if keyword is None:
        return _fraction(text)
    found = [
        (min(abs(m.start() - keyword.end()), abs(keyword.start() - m.end())), float(m.group(1)) / 100)
        for m in _PERCENT.finditer(text)
    ]
    return min(found)[1] if found else _fraction(text)


def extract_layout(units: list[Unit]) -> LayoutRules:
    """Layout numbers. Where several passages state one, the most specific (with a number) wins."""
    rules = LayoutRules()

    def note(field: str, unit: Unit) -> None:
        rules.sources[field] = unit.ref()

    for unit in units:
        text = unit.text
        low = text.lower()
        mentions_logo = bool(LOGO.search(low))
        frac = _fraction(text)
        # headline band: "The headline sits in the top 25% of the canvas"
        if re.search(r"\b(headlines?|headings?|titles?)\b", low) and not mentions_logo:
            where = re.search(r"\b(top|upper|bottom|lower)\b", low)
            if where and re.search(
                r"\b(band|zone|area|strip|third|quarter|half|%|per ?cent|sits?|placed?|goes|"
                r"lives?|reserved?|position\w*)\b",
                low,
            ):
                band_frac = _fraction(text[where.start() :])
                if rules.headline_band is None or (rules.headline_band_max is None and band_frac):
                    rules.headline_band = {"upper": "top", "lower": "bottom"}.get(where.group(1), where.group(1))  # type: ignore[assignment]
                    if band_frac is not None and 0 < band_frac < 1:
                        rules.headline_band_max = round(band_frac, 4)
                    note("headline_band", unit)
        # product share: "The can or bottle takes up between 30% and 45% of the canvas area"
        if (
            re.search(r"\b(products?|packs?|packaging|cans?|bottles?|hero|pack ?shots?|jars?|boxes?)\b", low)
            and re.search(r"\b(occup\w*|fill\w*|takes? up|taking up|covers?|covering|account\w* for|share)\b", low)
            and not re.search(r"\b(margin|edge|negative space|white space|clear ?space)\b", low)
        ):
            rng = _RANGE.search(text)
            if rng and rules.product_share_max is None:
                lo, hi = sorted((float(rng.group(1)) / 100, float(rng.group(2)) / 100))
                if lo > 0 and hi <= 1:
                    rules.product_share_min, rules.product_share_max = lo, hi
                    note("product_share_min", unit)
            elif (
                frac is not None
                and 0 < frac <= 1
                and rules.product_share_min is None
                and rules.product_share_max is None
            ):
                if re.search(r"\b(no more than|at most|maximum|max\.?|up to|never more than|not exceed)\b", low):
                    rules.product_share_max = frac
                else:
                    rules.product_share_min = frac
                note("product_share_min", unit)
        space = re.search(r"\b(negative|white|empty|open|breathing|free)\s+space\b", low)
        if rules.negative_space_min is None and space:
            frac = _fraction_near(text, space)
            if frac is not None and 0 < frac < 1 and not mentions_logo:
                rules.negative_space_min = frac
                note("negative_space_min", unit)
        margin = re.search(r"\b(safe (?:margin|zone|area)|margins?)\b", low)
        if rules.safe_margin is None and margin and not re.search(r"clear ?space", low):
            frac = _fraction_near(text, margin)
            if frac is not None and 0 < frac <= 0.25:
                rules.safe_margin = frac
                note("safe_margin", unit)
        if mentions_logo or section_topic(unit.path) == "logo":
            _logo_layout(rules, unit, note)
    return rules


def _logo_layout(rules: LayoutRules, unit: Unit, note: object) -> None:
    text, low = unit.text, unit.text.lower()
    record = note
    for match in _CORNER.finditer(text):
        if NEGATIVE.search(text[max(0, match.start() - 60) : match.start()]):
            continue
        if not re.search(
            r"\b(place[sd]?|position\w*|sits?|corners?|only|always|appears?|lock\w*|go|goes|default)\b", low
        ):
            continue
        corner = f"{'top' if match.group(1).lower() in ('top', 'upper') else 'bottom'}-{match.group(2).lower()}"
        if corner not in rules.logo_corners:
            rules.logo_corners.append(corner)  # type: ignore[arg-type]
            record("logo_corners", unit)  # type: ignore[operator]
    if re.search(r"\b(minimum|min\.?|at least|no smaller|never smaller|not smaller|smallest|reproduc\w*)\b", low):
        for size in _SIZE.finditer(text):
            value, unit_name = float(size.group(1)), size.group(2).lower()
            if unit_name.startswith("p") and unit_name != "pt" and rules.logo_min_width_px is None:
                rules.logo_min_width_px = int(value)
                record("logo_min_width_px", unit)  # type: ignore[operator]
            elif unit_name.startswith(("mm", "milli", "cm", "in")) and rules.logo_min_width_mm is None:
                factor = 10.0 if unit_name == "cm" else 25.4 if unit_name.startswith("in") else 1.0
                rules.logo_min_width_mm = round(value * factor, 2)
                record("logo_min_width_mm", unit)  # type: ignore[operator]
    clear = re.search(
        r"\b(clear\s*space|clearspace|exclusion zone|breathing (?:room|space)|protected (?:area|space)|"
        r"isolation area|free space)\b",
        low,
    )
    if clear and rules.logo_clear_space is None:
        rules.logo_clear_space = text[:300]
        record("logo_clear_space", unit)  # type: ignore[operator]
    if rules.logo_clear_space_fraction is None and (clear or re.search(r"\baround\b", low)):
        pct = re.search(r"(\d{1,3}(?:\.\d+)?)\s*%\s*of\s+(?:the\s+)?(?:logo|its|wordmark|mark)", low)
        if pct:
            rules.logo_clear_space_fraction = float(pct.group(1)) / 100
            record("logo_clear_space_fraction", unit)  # type: ignore[operator]


# --- the whole profile -----------------------------------------------------------------------


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
