"""Brand palette extraction: colour codes in every written form, with their names, roles and tints.

Hex, ``rgb()``, RGB and CMYK triplets and Pantone references, in tables (read column by column),
definition lines ("Primary blue: #1D70B8", as swatch macros and front matter become), lists or prose.
A colour's name is the nearest label: its row's name cell (a function argument such as
``nhsuk-colour("blue")`` counts as one), the words before its code, else its heading. Tints and ramp
steps ("Blue tint 95%", "Violet 400") are kept as tints of their base colour. Print specs (CMYK,
Pantone) attach to the screen colour they sit beside, or share a name with; a print-only colour
becomes a colour of its own only when it has a name of its own. Colours the guidelines forbid go to
a separate list.

    >>> palette, forbidden, tints = extract_palette(units)  # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from pipeline.brand.text import NEGATIVE, RULE_CUE, plain
from pipeline.colour import rgb_to_hex
from pipeline.knowledge.chunking import Unit
from pipeline.models import BrandColor, BrandTint, normalise_hex

_HEX = re.compile(r"(?<![\w&])#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})(?![0-9A-Za-z_-])")
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
_ROLE_WORDS: list[tuple[str, str]] = [  # the first three name tiers; the rest are also descriptions
    (r"\bprimary\b|\bmain\b|\bhero colou?r\b|\bcore\b|\bsignature\b", "primary"),
    (r"\bsecondary\b|\bsupporting\b|\bsupport\b|\bcomplementary\b", "secondary"),
    (r"\baccent\b|\bhighlight\b|\bcall[- ]to[- ]action\b|\bcta\b|\bpop\b", "accent"),
    (r"\bneutral\b|\bgr[ae]y\b", "neutral"),
    (r"\bbackground\b|\bbase\b|\bpaper\b|\bcanvas\b", "background"),
    (r"\btext\b|\bbody copy\b|\btypography\b|\bink\b", "text"),
]

# How sure a name is, by where it was read: a label written for the colour beats words in prose, a
# code token ($brand-text-colour) and a heading above a bare code.
LABEL, PROSE, TOKEN, HEADING = 4, 3, 2, 1


def _cmyk_to_rgb(c: float, m: float, y: float, k: float) -> tuple[int, int, int]:
    """Naive (profile-free) conversion: good enough to name and match a print-only colour."""
    scale = 100.0 if max(c, m, y, k) > 1 else 1.0
    c, m, y, k = (v / scale for v in (c, m, y, k))
    return tuple(round(255 * (1 - v) * (1 - k)) for v in (c, m, y))  # type: ignore[return-value]


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
# Words that open a sentence, not a colour's name ("For example, use ... rather than #212b32").
_NOT_A_NAME = re.compile(
    r"^(for|for example|if|when|where|while|this|that|these|those|it|we|you|our|use|using|only|also|see|however|"
    r"e\.?g|i\.?e|note|example|examples|such as|like|do|don'?t|never|always|avoid|make|keep)$",
    re.I,
)

_CODE_WORD = re.compile(r"^(?:\d+\w?|[A-Z]|[CMYKU]\d*|#\w+|pms|pantone|hex|rgb|cmyk)$", re.I)
# "white: #FFFFFF", "Primary blue — #1D70B8", "Accent teal (#00FFE0)": a label written for the code.
_DEFINITION = re.compile(r"^\s*([^:;|#()\n]{1,40}?)\s*(?::|=|–|—| - |\()\s*(?:hex(?:adecimal)?\s*[:=]?\s*)?#?$", re.I)
_FUNCTION_ARG = re.compile(r"\b[\w-]+\(\s*[\"']([^\"']{1,40})[\"']")
_TOKEN = re.compile(r"(?:\$|--|@)[\w-]+|\bvar\(--[\w-]+\)")


def _prose_name(before: str, after: str) -> str:
    """The colour's name in prose: the capitalised words just before its code (or in brackets after)."""
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
            if kept and len(kept) <= 4 and not _NOT_A_NAME.match(" ".join(kept)):
                return " ".join(kept)
        tried += 1
        if tried == 3:  # "Roast Brown: Pantone 476 C. Process build CMYK ..." looks back two segments
            break
    bracket = re.match(r"\s*[(\[]\s*([A-Z][\w'’ -]{1,40}?)\s*[)\]]", after)
    if bracket and not _NAME_NOISE.match(bracket.group(1)):
        return bracket.group(1).strip()
    lead = re.match(r"\s*([A-Z][a-z]+(?: [A-Za-z][a-z]+)?)\b", before)  # "Rich black for solid areas: C 60"
    if (
        lead
        and len(before) < 60
        and not (NEGATIVE.search(lead.group(1)) or RULE_CUE.search(lead.group(1)) or _NOT_A_NAME.match(lead.group(1)))
        and not before[lead.end() :].lstrip().startswith(",")
        and lead.group(1).split()[0].lower() not in _SENTENCE_WORDS | {"the", "a", "an", "their", "my", "his", "her"}
    ):
        return lead.group(1)
    return ""


_SENTENCE_WORDS = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "be",
        "our",
        "we",
        "you",
        "your",
        "use",
        "uses",
        "using",
        "should",
        "must",
        "can",
        "will",
        "set",
        "sets",
        "for",
        "with",
        "to",
        "this",
        "that",
        "these",
        "it",
        "its",
        "not",
        "never",
        "always",
        "only",
    ]
)


def _label_name(before: str) -> str:
    """A definition line's label: any case, a few words, right before the code ("white: #FFFFFF")."""
    match = _DEFINITION.match(plain(before))
    if not match:
        return ""
    label = match.group(1).strip(" *_-–—\"'“”")
    if not label or len(label.split()) > 5 or any(w.lower() in _SENTENCE_WORDS for w in label.split()):
        return ""
    # A role word is a name when it is the label ("text: #0B0C0C" in a list of functional colours).
    if _CODE_LABEL.match(label) or _NOT_A_NAME.match(label) or re.fullmatch(r"[\W\d]+", label):
        return ""
    return label


_CODE_LABEL = re.compile(r"^(hex|rgb|cmyk|pantone|pms|ral|name|colou?r|swatch|code|value|web|screen|print)$", re.I)


def _cell_name(cell: str) -> tuple[str, int]:
    """A table cell as a colour's name: a function argument or plain words (a label), else a code token."""
    cell = plain(cell).strip()
    arg = _FUNCTION_ARG.search(cell)
    if arg:
        return arg.group(1).strip(), LABEL
    token = _TOKEN.search(cell)
    if token:
        return token.group(0), TOKEN
    words = re.sub(r"\s*[(\[].*$", "", cell).strip(" *_")
    if words and not re.search(r"\d", words) and len(words.split()) <= 5 and not _role_of(words):
        return words, LABEL
    return "", 0


def _heading_name(unit: Unit) -> str:
    """The heading above a bare code, when it reads as a colour's name ("Violet", "Brand blue")."""
    heading = unit.heading.strip()
    if not heading or len(heading.split()) > 4 or len(heading) > 40 or heading == unit.path:
        return ""
    if re.search(r"\b(colou?rs|palettes?|swatch(?:es)?|overview|guidance|usage|accessib\w*|contrast)\b", heading, re.I):
        return ""
    return heading


@dataclass
class _ColourHit:
    name: str
    rank: int
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
    cell_name, cell_rank = "", 0
    if unit.kind == "row":
        real_header = unit.header != unit.cells and not any(_HEX.search(c) for c in unit.header)
        # Tables: read each cell by its column header ("HEX", "RGB", "CMYK", "Pantone", "Name", "Role").
        for head, cell in zip(unit.header if real_header else (), unit.cells, strict=False):
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
            elif re.search(r"\b(name|colou?r|swatch|shade|token|variable)\b", h) and not _HEX.search(cell):
                name, rank = _cell_name(cell)
                if rank > cell_rank:
                    cell_name, cell_rank = name, rank
        if not cell_name:
            for cell in unit.cells:
                if _HEX.search(cell) or _RGB.search(cell) or _CMYK.search(cell):
                    continue
                name, rank = _cell_name(cell)
                if rank > cell_rank:
                    cell_name, cell_rank = name, rank
    if not (hexes or rgbs or cmyks):
        return []
    near = text[: (hexes[0][1] if hexes else 0) + 60] if unit.kind != "row" else text
    heading_role = _role_of(unit.heading)
    role = role or _role_of(near, strong_only=True) or heading_role or _role_of(near)
    forbidden_section = bool(NEGATIVE.search(unit.heading))

    hits: list[_ColourHit] = []
    anchors = [(s, e, "#" + h) for s, e, h in hexes] or [(s, s, None) for s, _ in (rgbs or cmyks)][:1]
    single = len(anchors) == 1
    for n, (start, end, hex_code) in enumerate(anchors):
        before = text[(anchors[n - 1][1] if n else 0) : start]
        if single and unit.kind != "row":
            before = text[: min([start] + [s for s, _ in rgbs] + [s for s, _ in cmyks])]
        if cell_name and single:
            name, rank = cell_name, cell_rank
        else:
            name, rank = _label_name(before), LABEL
            if not name:
                name, rank = _prose_name(before, text[end:]), PROSE
        if not name and single:
            name, rank = _heading_name(unit), HEADING
        own_role = _role_of(name, strong_only=True) if name else None
        strong = forbidden_section or bool(_FORBIDDEN_COLOUR.search(text))
        negative = strong or bool(NEGATIVE.search(text[max(0, start - 80) : start]))
        rgb = cast(tuple[int, int, int], rgbs[0][1]) if single and rgbs else None
        cmyk = cast(tuple[float, float, float, float], cmyks[0][1]) if single and cmyks else None
        hits.append(
            _ColourHit(
                name,
                rank if name else 0,
                hex_code,
                rgb,
                cmyk,
                pantone_text if single else None,
                own_role or role,
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

# "Blue tint 95%", "Green shade 50%", "Violet 400", "Base90", "grey-10": a step of a colour's ramp.
_TINT_WORDS = re.compile(r"^(?P<base>.+?)[\s-]+(?:tint|shade|tone)s?[\s-]*(?P<step>\d{1,3})\s*%?$", re.I)
_RAMP_STEP = re.compile(r"^(?P<base>[A-Za-z][A-Za-z -]*?)[\s_./-]?(?P<step>\d{2,3})$")
# "Blue 80%", "Blue at 50%", "80% Blue", "50% tint of Blue", "Blue (50% opacity)": a share of the base colour.
_PERCENT_AFTER = re.compile(
    r"^(?P<base>[A-Za-z][A-Za-z -]*?)\s*(?:at\s+|\(\s*)?(?P<step>\d{1,3})\s*%(?:\s*\w+)?\s*\)?$"
)
_PERCENT_BEFORE = re.compile(
    r"^(?P<step>\d{1,3})\s*%\s*(?:(?:tint|shade|tone|opacity|of)\s+)*(?:of\s+)?(?P<base>[A-Za-z][A-Za-z -]*)$", re.I
)
# Design-token spellings of a name: "$blue-60", "--color-blue-60", "color.blue.60", "colour/blue/60".
_TOKEN_PREFIX = re.compile(r"^(?:\$|--|@)?(?:(?:colou?rs?|clr|palette|brand)[\s_./-])?", re.I)


def tint_base(name: str) -> str | None:
    """The base colour's name when ``name`` is a tint, shade or ramp step of it, else None.

    >>> tint_base("Blue tint 95%"), tint_base("Violet 400"), tint_base("grey-1"), tint_base("80% Blue")
    ('Blue', 'Violet', None, 'Blue')
    """
    name = name.strip()
    match = _TINT_WORDS.match(name)
    if match:
        return match.group("base").strip(" -")
    for pattern in (_PERCENT_AFTER, _PERCENT_BEFORE):
        match = pattern.match(name)
        if match and 0 < int(match.group("step")) < 100:
            return match.group("base").strip(" -")
    match = _RAMP_STEP.match(_TOKEN_PREFIX.sub("", name) if name[:1] in "$-@" or "." in name or "/" in name else name)
    if (
        match
        and int(match.group("step")) % 5 == 0
        and int(match.group("step")) <= 950
        and not re.fullmatch(r"(?:pms|pantone|ral|ncs|cmyk|rgb|hex)", match.group("base").strip(" -_./"), re.I)
    ):
        return match.group("base").strip(" -_./")
    return None


@dataclass
class _Entry:
    colour: BrandColor
    rank: int


def extract_palette(units: list[Unit]) -> tuple[list[BrandColor], list[BrandColor], list[BrandTint]]:
    """The palette, the forbidden colours and the tints read from ``units`` (in document order)."""
    palette: dict[str, _Entry] = {}
    forbidden: dict[str, _Entry] = {}
    print_only: list[_ColourHit] = []
    strong: set[str] = set()
    hex_hits: list[_ColourHit] = []
    for unit in units:
        for hit in _colour_hits(unit):
            if _PRODUCTION_COLOUR.match(hit.name):
                continue
            if hit.strongly_forbidden and (hit.hex or hit.rgb):
                strong.add(normalise_hex(hit.hex or rgb_to_hex(hit.rgb)))  # type: ignore[arg-type]
            if hit.hex is None and hit.rgb is None:
                print_only.append(hit)
                continue
            hex_hits.append(hit)
            hex_code = hit.hex or rgb_to_hex(hit.rgb)  # type: ignore[arg-type]
            _merge(forbidden if hit.forbidden else palette, hex_code, hit)
    for hit in print_only:
        _attach_print_spec(hit, palette, hex_hits)
    # A colour some passage forbids outright is forbidden, whatever other passages say of it.
    for hex_code in strong:
        palette.pop(hex_code, None)
    tints: list[BrandTint] = []
    colours = [e.colour for e in palette.values()]
    names = {c.name.casefold(): c.name for c in colours}
    for colour in list(colours):
        base = tint_base(colour.name)
        if base is None:
            continue
        colours.remove(colour)
        tints.append(
            BrandTint(
                name=colour.name,
                hex=colour.hex,
                base=names.get(base.casefold(), base),
                source=colour.source,
                confidence=colour.confidence,
            )
        )
    kept = [e.colour for h, e in forbidden.items() if h not in palette]
    return colours, kept, tints


def _attach_print_spec(hit: _ColourHit, palette: dict[str, _Entry], hex_hits: list[_ColourHit]) -> None:
    """A CMYK or Pantone value without a screen code: the print spec of the colour it is named after or
    sits beside (same row, item, heading), else a print-only colour when it has a name of its own."""
    same_name = next(
        (e.colour for e in palette.values() if hit.name and e.colour.name.casefold() == hit.name.casefold()), None
    )
    beside = None
    if same_name is None:
        for other in reversed(hex_hits):
            same_place = other.unit.chunk.id == hit.unit.chunk.id and other.unit.section == hit.unit.section
            if same_place and (other.unit.text == hit.unit.text or not hit.name or not other.name):
                beside = palette.get(normalise_hex(other.hex or rgb_to_hex(other.rgb)))  # type: ignore[arg-type]
                break
    target = same_name or (beside.colour if beside else None)
    if target is not None:
        target.cmyk = target.cmyk or hit.cmyk
        target.pantone = target.pantone or hit.pantone
        return
    if hit.name and hit.cmyk is not None:
        _merge(palette, rgb_to_hex(_cmyk_to_rgb(*hit.cmyk)), hit, confidence=0.6)


def _merge(into: dict[str, _Entry], hex_code: str, hit: _ColourHit, confidence: float | None = None) -> None:
    hex_code = normalise_hex(hex_code)  # "#f60" -> "#FF6600"
    entry = into.get(hex_code)
    rgb = hit.rgb or tuple(int(hex_code[i : i + 2], 16) for i in (1, 3, 5))
    name = plain(hit.name).strip()
    if entry is None:
        into[hex_code] = _Entry(
            BrandColor(
                name=name or hex_code,
                hex=hex_code,
                role=hit.role or "other",
                rgb=rgb,
                cmyk=hit.cmyk,
                pantone=hit.pantone,
                source=hit.unit.ref(),
                confidence=confidence if confidence is not None else _confidence(hit.rank),
            ),
            hit.rank if name else 0,
        )
        return
    color = entry.colour
    if name and hit.rank > entry.rank:
        color.name = name
        color.source = hit.unit.ref()
        color.confidence = max(color.confidence, _confidence(hit.rank))
        entry.rank = hit.rank
        own = _role_of(name, strong_only=True)
        if own:
            color.role = own  # type: ignore[assignment]
    if color.role == "other" and hit.role:
        color.role = hit.role  # type: ignore[assignment]
    color.cmyk = color.cmyk or hit.cmyk
    color.pantone = color.pantone or hit.pantone


def _confidence(rank: int) -> float:
    """A colour with a written label is stated plainly; one named only by a heading, or not at all, less so."""
    return {LABEL: 1.0, PROSE: 0.9, TOKEN: 0.8, HEADING: 0.7}.get(rank, 0.5)
