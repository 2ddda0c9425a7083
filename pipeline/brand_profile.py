"""Brand profile extraction: guideline chunks -> a structured :class:`BrandProfile`.

Rules are read the way a careful designer reads a brand book: colour codes in any of their
forms (hex, ``rgb()``, RGB/CMYK triplets, Pantone) with the name and role written beside them,
type families, banned words and claims, competitors, tone / logo / imagery rules and the layout
numbers they state. Every item keeps the chunk it came from. Sections about sub-brands are kept
apart so that their palette and rules never leak into the master profile.

    >>> profile = extract_profile("Tidewell", chunks)  # doctest: +SKIP
    >>> [c.hex for c in profile.palette][:2]  # doctest: +SKIP
    ['#1F6F8B', '#F4EBDD']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from pipeline.brand_fonts import GENERIC_FAMILIES, KNOWN_FONTS, WEIGHT_WORDS
from pipeline.chunking import Unit, units_of
from pipeline.models import (
    BrandColor,
    BrandFont,
    BrandProfile,
    BrandRule,
    BrandTerm,
    GuidelineChunk,
    LayoutRules,
    SubBrand,
)

_QUOTED = re.compile(r"[\"“”„«»]([^\"“”„«»\n]{1,60})[\"“”„«»]|(?<![\w])['‘’]([^'‘’\n]{1,40}?)['‘’](?![\w])")


def _units(chunks: Iterable[GuidelineChunk]) -> list[Unit]:
    return [u for c in chunks for u in units_of(c)]


# --- topics: what a heading is about, innermost heading first ------------------------------

_COMPETITOR = re.compile(
    r"\b(competitors?|competition|rivals?|(?:other|rival|competing) (?:brands?|banks?|companies|businesses|"
    r"retailers|labels|roasters|firms|providers|makers|manufacturers|airlines|stores|apps))\b",
    re.I,
)
_LOGO = re.compile(r"\b(logos?|logotype|wordmark|logomark|lock-?ups?|brand ?mark|emblem|monogram)\b", re.I)
_COLOUR_TOPIC = re.compile(r"\b(colou?rs?|palettes?|swatch(?:es)?)\b", re.I)
_TYPE_SECTION = re.compile(r"\b(typograph\w*|fonts?|typefaces?|type ?faces?|type|lettering|type system)\b", re.I)
_IMAGERY_SECTION = re.compile(
    r"\b(imagery|images?|photograph\w*|photos?|illustrations?|art direction|"
    r"pictures?|styling|video|footage|image style|visuals?(?! identity))\b",
    re.I,
)
_TONE_SECTION = re.compile(
    r"\b(tone|voice|personality|writing|copywriting|how we (?:write|sound|speak)|messaging|"
    r"grammar|language|copy)\b",
    re.I,
)
_LAYOUT_TOPIC = re.compile(r"\b(layouts?|composition|grids?|spacing|margins?|templates?|formats?)\b", re.I)
_WORDS_TOPIC = re.compile(
    r"\b(words?|phrases?|terms?|vocabulary|language|lexicon|jargon|say|claims?|copy|"
    r"expressions?)\b",
    re.I,
)
_BAN_CUE = re.compile(
    r"\b(banned|ban|never|avoid|don[’']?t|do not|forbidden|prohibited|off[- ]limits|restricted|blocklist|"
    r"blacklist|taboo|not allowed|no[- ]go|we don[’']?t)\b",
    re.I,
)
_STRONG_BAN_HEADING = re.compile(r"\b(banned|blocklist|blacklist|never use|never say|forbidden words|taboo)\b", re.I)


def heading_topic(heading: str) -> str | None:
    """What one heading is about, or None when it names no topic we extract."""
    if _COMPETITOR.search(heading):
        return "competitors"
    for name, pattern in (
        ("logo", _LOGO),
        ("colour", _COLOUR_TOPIC),
        ("type", _TYPE_SECTION),
        ("imagery", _IMAGERY_SECTION),
    ):
        if pattern.search(heading):
            return name
    if _STRONG_BAN_HEADING.search(heading) or (_WORDS_TOPIC.search(heading) and _BAN_CUE.search(heading)):
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


# --- colours ---------------------------------------------------------------------------------

_HEX = re.compile(r"(?<![\w&])#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})(?![0-9A-Za-z])")
_HEX_BARE = re.compile(r"\b(?:hex(?:adecimal)?|html)\s*(?:code)?\s*[:=]?\s*#?([0-9A-Fa-f]{6})\b", re.I)
_RGB = re.compile(
    r"\brgba?\s*\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})"
    r"|\bRGB\s*[:=]?\s*(\d{1,3})\s*[,/ ]\s*(\d{1,3})\s*[,/ ]\s*(\d{1,3})\b"
    r"|\bR\s*[:=]?\s*(\d{1,3})\s*[,/ ]?\s*G\s*[:=]?\s*(\d{1,3})\s*[,/ ]?\s*B\s*[:=]?\s*(\d{1,3})\b"
)
_NUM = r"(\d{1,3}(?:\.\d+)?)\s*%?"
_CMYK = re.compile(
    rf"\bcmyk\s*\(\s*{_NUM}\s*,\s*{_NUM}\s*,\s*{_NUM}\s*,\s*{_NUM}\s*\)"
    rf"|\bCMYK\s*[:=]?\s*{_NUM}\s*[,/ ]\s*{_NUM}\s*[,/ ]\s*{_NUM}\s*[,/ ]\s*{_NUM}"
    rf"|\bC\s*[:=]?\s*{_NUM}\s*[,/ ]?\s*M\s*[:=]?\s*{_NUM}\s*[,/ ]?\s*Y\s*[:=]?\s*{_NUM}\s*[,/ ]?\s*K\s*[:=]?\s*{_NUM}",
    re.I,
)
_PANTONE = re.compile(r"\b(?:Pantone|PMS)\s*(?:®\s*)?([0-9]{3,5}\s?[A-Z]{0,3}|[A-Z][\w]*(?: [A-Z][\w]*)? ?[CU]?)\b")
_NEGATIVE = re.compile(
    r"\b(never|don[’']?t|do not|avoid|not allowed|no longer|prohibited|forbidden|banned|must not|should not|"
    r"incorrect|misuse|off-brand)\b",
    re.I,
)
_ROLE_WORDS: list[tuple[str, str]] = [  # the first three name tiers; the rest are also descriptions
    (r"\bprimary\b|\bmain\b|\bhero colou?r\b|\bcore\b|\bsignature\b", "primary"),
    (r"\bsecondary\b|\bsupporting\b|\bsupport\b|\bcomplementary\b", "secondary"),
    (r"\baccent\b|\bhighlight\b|\bcall[- ]to[- ]action\b|\bcta\b|\bpop\b", "accent"),
    (r"\bneutral\b|\bgr[ae]y\b", "neutral"),
    (r"\bbackground\b|\bbase\b|\bpaper\b|\bcanvas\b", "background"),
    (r"\btext\b|\bbody copy\b|\btypography\b|\bink\b", "text"),
]


def _cmyk_to_rgb(c: float, m: float, y: float, k: float) -> tuple[int, int, int]:
    """Naive (profile-free) conversion: good enough to name and match a print-only colour."""
    scale = 100.0 if max(c, m, y, k) > 1 else 1.0
    c, m, y, k = (v / scale for v in (c, m, y, k))
    return tuple(round(255 * (1 - v) * (1 - k)) for v in (c, m, y))  # type: ignore[return-value]


def _rgb_hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{max(0, min(255, v)):02X}" for v in rgb)


def _role_of(text: str, strong_only: bool = False) -> str | None:
    """Role named in ``text``; ``strong_only`` ignores usage words (text, background) that are not tiers
    and takes the last tier word ("a supporting accent" is an accent)."""
    if strong_only:
        found = [(m.end(), role) for pattern, role in _ROLE_WORDS[:3] for m in re.finditer(pattern, text, re.I)]
        return max(found)[1] if found else None
    for pattern, role in _ROLE_WORDS:
        if re.search(pattern, text, re.I):
            return role
    return None


_NAME_TAIL = re.compile(r"([A-Z][\w'’&]*(?:[ -](?:[A-Z0-9][\w'’]*|&|of|de|du|la|le))*)\s*$")
_NAME_NOISE = re.compile(
    r"^(hex|rgb|cmyk|pantone|pms|ral|name|colou?r|swatch|role|usage|use|code|value|primary|secondary|accent|"
    r"neutral|background|text|our|the|and|or|with|on|as|in)$",
    re.I,
)


_CODE_WORD = re.compile(r"^(?:\d+\w?|[A-Z]|[CMYKU]\d*|#\w+|pms|pantone|hex|rgb|cmyk)$", re.I)


def _colour_name(before: str, after: str) -> str:
    """The colour's name: the capitalised words written just before its code (or in brackets after)."""
    before = _PANTONE.sub(" ", before)
    segments = re.split(r"[.;:,(/|=]| [–—-] |\b(?:hex(?:adecimal)?|rgb|cmyk|html|code)\b", before, flags=re.I)
    tried = 0
    for segment in reversed(segments):
        words = [w for w in segment.split() if not _CODE_WORD.match(w.strip("*_"))]
        text = " ".join(words).strip(" *_-–—")
        if not text:
            continue
        match = _NAME_TAIL.search(text)
        if match:
            kept = [w for w in match.group(1).split() if not _NAME_NOISE.match(w)]
            if kept and len(kept) <= 4:
                return " ".join(kept)
        tried += 1
        if tried == 3:  # "Roast Brown: Pantone 476 C. Process build CMYK ..." looks back two segments
            break
    bracket = re.match(r"\s*[(\[]\s*([A-Z][\w'’ -]{1,40}?)\s*[)\]]", after)
    if bracket and not _NAME_NOISE.match(bracket.group(1)):
        return bracket.group(1).strip()
    lead = re.match(r"\s*([A-Z][a-z]+(?: [A-Za-z][a-z]+)?)\b", before)  # "Rich black for solid areas: C 60"
    if lead and len(before) < 60 and not (_NEGATIVE.search(lead.group(1)) or _RULE_CUE.search(lead.group(1))):
        return lead.group(1)
    return ""


@dataclass
class _ColourHit:
    name: str
    hex: str | None
    rgb: tuple[int, int, int] | None
    cmyk: tuple[float, float, float, float] | None
    pantone: str | None
    role: str | None
    forbidden: bool
    unit: Unit
    strongly_forbidden: bool = False  # a sentence whose point is to keep this colour out


def _numbers(cell: str) -> list[float]:
    return [float(x) for x in re.findall(r"\d{1,3}(?:\.\d+)?", cell)]


def _colour_hits(unit: Unit) -> list[_ColourHit]:
    text = unit.text
    hexes = [(m.start(), m.end(), m.group(1)) for m in _HEX.finditer(text)]
    if not hexes:
        hexes = [(m.start(), m.end(), m.group(1)) for m in _HEX_BARE.finditer(text)]
    rgbs = [(m.start(), tuple(int(g) for g in m.groups() if g is not None)) for m in _RGB.finditer(text)]
    rgbs = [(s, v) for s, v in rgbs if len(v) == 3 and all(0 <= x <= 255 for x in v)]
    cmyks = [(m.start(), tuple(float(g) for g in m.groups() if g is not None)) for m in _CMYK.finditer(text)]
    cmyks = [(s, v) for s, v in cmyks if len(v) == 4 and all(0 <= x <= 100 for x in v)]
    pantone = _PANTONE.search(text)
    pantone_text = pantone.group(0) if pantone else None

    role = None
    name_from_cells = ""
    if unit.kind == "row" and unit.header:
        # Tables: read each cell by its column header ("HEX", "RGB", "CMYK", "Pantone", "Name", "Role").
        for head, cell in zip(unit.header, unit.cells, strict=False):
            h = head.lower()
            nums = _numbers(cell)
            if re.search(r"\bcmyk\b", h) and len(nums) == 4 and not cmyks:
                cmyks = [(0, tuple(nums))]
            elif re.search(r"\brgb\b", h) and len(nums) == 3 and not rgbs:
                rgbs = [(0, tuple(int(n) for n in nums))]
            elif re.search(r"\b(pantone|pms|spot)\b", h) and cell.strip() and not pantone_text:
                pantone_text = f"Pantone {cell.strip()}"
            elif re.search(r"\bhex\b", h) and not hexes and re.fullmatch(r"#?[0-9A-Fa-f]{6}", cell.strip()):
                hexes = [(0, 0, cell.strip().lstrip("#"))]
            elif re.search(r"\b(role|usage|use|type|category|tier|level|group)\b", h):
                role = _role_of(cell) or role
            elif re.search(r"\b(name|colou?r|swatch|shade)\b", h) and not _HEX.search(cell):
                name_from_cells = name_from_cells or re.sub(r"\s*[(\[].*$", "", cell).strip()
        name_from_cells = name_from_cells or next(
            (c for c in unit.cells if c and not re.search(r"\d", c) and not _role_of(c)), ""
        )
    if not (hexes or rgbs or cmyks):
        return []
    near = text[: (hexes[0][1] if hexes else 0) + 60] if unit.kind != "row" else text
    heading_role = _role_of(unit.heading)
    role = role or _role_of(near, strong_only=True) or heading_role or _role_of(near)
    last_heading = unit.heading
    forbidden_section = bool(_NEGATIVE.search(last_heading))

    hits: list[_ColourHit] = []
    anchors = [(s, e, "#" + h) for s, e, h in hexes] or [(s, s, None) for s, _ in (rgbs or cmyks)][:1]
    single = len(anchors) == 1
    for n, (start, end, hex_code) in enumerate(anchors):
        before = text[(anchors[n - 1][1] if n else 0) : start]
        if single and unit.kind != "row":
            before = text[: min([start] + [s for s, _ in rgbs] + [s for s, _ in cmyks])]
        name = name_from_cells if (name_from_cells and single) else _colour_name(before, text[end:])
        strong = forbidden_section or bool(_FORBIDDEN_COLOUR.search(text))
        negative = strong or bool(_NEGATIVE.search(text[max(0, start - 80) : start]))
        rgb = cast(tuple[int, int, int], rgbs[0][1]) if single and rgbs else None
        cmyk = cast(tuple[float, float, float, float], cmyks[0][1]) if single and cmyks else None
        hits.append(
            _ColourHit(
                name,
                hex_code,
                rgb,
                cmyk,
                pantone_text if single else None,
                role,
                negative,
                unit,
                strong,
            )
        )
    return hits


# A colour that is named only to be kept out of brand work.
_FORBIDDEN_COLOUR = re.compile(
    r"\b(?:must|should|may) (?:never|not) be used\b|\bnever (?:be )?used (?:in|for) (?:any )?(?:marketing|advertising|"
    r"brand|campaigns?|communications?)\b|\breserved for (?:error|warning|alert|system|status)|"
    r"\bnot (?:part of|in) (?:the|our) (?:brand )?palette\b|\b(?:is|are) (?:banned|forbidden|off-limits)\b|"
    r"\bnever in (?:marketing|advertising|brand|campaigns?)\b|\berror (?:states?|messages?)\b",
    re.I,
)

# Print production builds, not brand colours.
_PRODUCTION_COLOUR = re.compile(r"^(rich|registration|process|four[- ]colou?r|4[- ]colou?r|cool|warm)\s+black$", re.I)


def extract_palette(units: list[Unit]) -> tuple[list[BrandColor], list[BrandColor]]:
    palette: dict[str, BrandColor] = {}
    forbidden: dict[str, BrandColor] = {}
    cmyk_only: list[_ColourHit] = []
    strong: set[str] = set()
    for unit in units:
        for hit in _colour_hits(unit):
            if _PRODUCTION_COLOUR.match(hit.name):
                continue
            if hit.strongly_forbidden and (hit.hex or hit.rgb):
                strong.add(BrandColor(name="", hex=hit.hex or _rgb_hex(hit.rgb)).hex)  # type: ignore[arg-type]
            if hit.hex is None and hit.rgb is None:
                cmyk_only.append(hit)
                continue
            hex_code = hit.hex or _rgb_hex(hit.rgb)  # type: ignore[arg-type]
            _merge(forbidden if hit.forbidden else palette, hex_code, hit)
    for hit in cmyk_only:  # print-only values: attach to a colour of the same name, else add one
        same = next((c for c in palette.values() if hit.name and c.name.casefold() == hit.name.casefold()), None)
        if same is not None:
            if same.cmyk is None:
                same.cmyk = hit.cmyk
            continue
        _merge(forbidden if hit.forbidden else palette, _rgb_hex(_cmyk_to_rgb(*hit.cmyk)), hit)  # type: ignore[misc]
    # A colour some passage forbids outright is forbidden, whatever other passages say of it.
    for hex_code in strong:
        palette.pop(hex_code, None)
    return list(palette.values()), [c for h, c in forbidden.items() if h not in palette]


def _merge(into: dict[str, BrandColor], hex_code: str, hit: _ColourHit) -> None:
    hex_code = BrandColor(name="", hex=hex_code).hex  # "#f60" -> "#FF6600"
    color = into.get(hex_code)
    rgb = hit.rgb or tuple(int(hex_code[i : i + 2], 16) for i in (1, 3, 5))
    if color is None:
        into[hex_code] = BrandColor(
            name=hit.name or hex_code.upper(),
            hex=hex_code,
            role=hit.role or "other",
            rgb=rgb,
            cmyk=hit.cmyk,
            pantone=hit.pantone,
            source=hit.unit.ref(),
        )
        return
    if (not color.name or color.name == color.hex) and hit.name:
        color.name = hit.name
    if color.role == "other" and hit.role:
        color.role = hit.role  # type: ignore[assignment]
    color.cmyk = color.cmyk or hit.cmyk
    color.pantone = color.pantone or hit.pantone


# --- fonts -----------------------------------------------------------------------------------

_FONT_CUE = re.compile(r"\b(font|typeface|type ?face|set in|family|weight|fallback|bold|regular|italic)\b", re.I)
_FAMILY = r"([A-Z][\w]*(?:[ -](?:[A-Z0-9][\w]*))*)"
_FONT_PATTERNS = [
    re.compile(r"font-family\s*:\s*([^;}\n]+)", re.I),
    re.compile(rf"\b(?:typefaces?|fonts?|font famil(?:y|ies)|type ?faces?)\s*(?:is|are|:|=|–|—|-)\s*[\"“']?{_FAMILY}"),
    re.compile(rf"\b(?:set|written|typeset|displayed|shown)\s+in\s+[\"“']?{_FAMILY}"),
    re.compile(
        rf"[\"“']?{_FAMILY}[\"”']?\s*(?:\([^)]*\)\s*)?(?:is|are|as)\s+(?:our|the|a)\s+"
        r"(?:\w+\s+){0,2}(?:typeface|font|type ?face)"
    ),
    re.compile(rf"\b(?i:fall\s*-?backs?(?:\s+(?:font|typeface))?\s*(?:is|are|:|–|—|-|to)?)\s*[\"“']?{_FAMILY}"),
    re.compile(
        r"\b(?:headlines?|headings?|titles?|body(?: copy| text)?|display|captions?)\s*(?:font|typeface)?\s*"
        rf"[:=–—-]\s*[\"“']?{_FAMILY}"
    ),
]
_NOT_A_FONT = re.compile(
    r"^(the|our|this|these|that|all|use|headlines?|headings?|body|titles?|text|copy|captions?|display|brand|"
    r"primary|secondary|only|always|never|we|it|a|an|web|print|digital|system|fallback|font|typeface|type|"
    r"regular|bold|black|light|medium|italic|white|capitals|caps|sentence case|title case|upper ?case|"
    r"lower ?case|all caps|[A-Z]{1,2}|\d+)$",
    re.I,
)


def _clean_family(raw: str) -> str:
    words = raw.strip().strip("\"'“”‘’").split()
    while words and (words[-1].lower().strip(",.;") in WEIGHT_WORDS or re.fullmatch(r"\d{3}", words[-1])):
        words.pop()
    family = " ".join(w.strip(",.;:") for w in words).strip()
    return family


def _usage(text: str) -> str:
    low = text.lower()
    if "fallback" in low or "substitut" in low or "system font" in low:
        return "fallback"
    if re.search(r"\b(headline|heading|display|title)s?\b", low):
        return "headline"
    if re.search(r"\bbody|paragraph|running text|copy\b", low):
        return "body"
    return ""


_FALLBACK = re.compile(r"\b(fall\s*-?backs?|substitut\w*|backup|system fonts?)\b", re.I)


def _as_fallback(add: Any) -> Any:
    return lambda family, unit, usage: add(family, unit, "fallback")


def _clause(text: str, pos: int) -> str:
    """The clause around ``pos``: "Headlines use Lumen Sans, and Arial is the fallback" -> one clause each."""
    starts = [m.end() for m in re.finditer(r"[.;,]\s|\s[–—]\s|\band\b|\bwith\b", text[:pos])]
    end = re.search(r"[.;,]\s|\s[–—]\s|\band\b|\bwith\b|$", text[pos:])
    return text[(starts[-1] if starts else 0) : pos + (end.start() if end else len(text))]


def extract_fonts(units: list[Unit], not_fonts: Iterable[str] = ()) -> list[BrandFont]:
    """Type families; ``not_fonts`` are names known to be something else (the palette's colours)."""
    excluded = {n.casefold() for n in not_fonts}
    found: dict[str, BrandFont] = {}

    def base_add(family: str, unit: Unit, usage: str) -> str | None:
        family = _clean_family(family)
        if (
            not family
            or _NOT_A_FONT.match(family)
            or family.lower() in GENERIC_FAMILIES
            or len(family) > 40
            or family.casefold() in excluded
        ):
            return None
        key = family.casefold()
        if key not in found:
            found[key] = BrandFont(family=family, usage=usage, source=unit.ref())
        elif found[key].usage in ("", "fallback") and usage not in ("", "fallback"):
            found[key].usage = usage  # named as a fallback somewhere, as the brand face elsewhere
        return family

    for unit in units:
        text = unit.text
        in_type_section = section_topic(unit.path) == "type"
        if not (in_type_section or _FONT_CUE.search(text)):
            continue
        # "Fallback (email): Georgia for headlines, Arial for body", or a "Fallback font" section.
        label = text.split(":", 1)[0] if ":" in text[:50] else ""
        all_fallback = bool(_FALLBACK.search(label) or _FALLBACK.search(unit.heading))
        add = _as_fallback(base_add) if all_fallback else base_add
        named: list[str] = []
        for pattern in _FONT_PATTERNS:
            for match in pattern.finditer(text):
                value = match.group(1)
                if pattern is _FONT_PATTERNS[0]:
                    # A CSS stack: the first family is the brand's, the rest are fallbacks.
                    for n, part in enumerate(value.split(",")):
                        if f := add(part, unit, _usage(_clause(text, match.start())) if n == 0 else "fallback"):
                            named.append(f)
                else:
                    family = _clean_family(value)
                    # "Lato Black for headlines": keep the longest known prefix when one exists.
                    known = [f for f in KNOWN_FONTS if family == f or family.startswith(f + " ")]
                    if f := add(max(known, key=len) if known else family, unit, _usage(_clause(text, match.start(1)))):
                        named.append(f)
        # Known families in running text, longest first, each match masked so that "Arial Narrow"
        # does not also count as "Arial".
        masked = text
        for family in sorted([*named, *KNOWN_FONTS], key=len, reverse=True):
            if family in masked:
                pattern = re.compile(rf"(?<![\w-]){re.escape(family)}(?![\w-])")
                hit = pattern.search(masked)
                if hit:
                    if family not in named:
                        add(family, unit, _usage(_clause(text, hit.start())))
                    masked = pattern.sub(" " * len(family), masked)
        if unit.kind == "row" and in_type_section and unit.header:
            for head, cell in zip(unit.header, unit.cells, strict=False):
                if re.search(r"\b(typeface|font|family)\b", head, re.I) and re.match(r"[A-Z]", cell):
                    add(re.split(r"[,(/]", cell)[0], unit, _usage(" ".join(unit.cells)))
    return list(found.values())


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
    quoted = [q[0] or q[1] for q in _QUOTED.findall(text)]
    if quoted:
        return quoted
    parts = re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:or|and|nor)\s+|\s*/\s*|\s*;\s*", text)
    return [p.strip(" .\"'“”‘’") for p in parts if p.strip(" .\"'“”‘’")]


def _item_term(text: str) -> list[str]:
    """The term(s) of a list item under a banned-words heading; a full sentence without quotes yields none."""
    quoted = [q[0] or q[1] for q in _QUOTED.findall(text)]
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
        if _COMPETITOR.search(text):
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
            quoted = [q[0] or q[1] for q in _QUOTED.findall(body)]
            for term in quoted or [re.sub(r"^(?:to be|to|that)\s+", "", body)]:
                add(term, "claim", unit)
            continue
        quoted_terms = [q[0] or q[1] for q in _QUOTED.findall(text)]
        if quoted_terms and (
            topic == "banned" or (topic in (None, "tone") and _BAN_CUE.search(text) and _WORDS_TOPIC.search(text))
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
_RULE_CUE = re.compile(
    r"\b(always|never|must|should|do not|don[’']?t|avoid|use|keep|make sure|ensure|only|write|prefer|aim|"
    r"choose|say|talk|sound|no more than|at most|at least|place|put|position|leave|may|need to|required?)\b",
    re.I,
)
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
        rule_like = unit.kind == "item" or bool(_RULE_CUE.search(text))
        dont = _IMAGERY_DONT.search(text) or _IMAGERY_DONT2.search(text)
        if dont and not _LOGO.search(dont.group(1)) and topic not in ("logo", "type", "colour"):
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
        mentions_logo = bool(_LOGO.search(low))
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
        if _NEGATIVE.search(text[max(0, match.start() - 60) : match.start()]):
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
    units = _units(master)
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
        sub_units = _units(sub_chunks)
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
