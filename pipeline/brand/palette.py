"""Brand palette extraction: colour codes in every written form, with their names and roles.

Hex, ``rgb()``, RGB and CMYK triplets and Pantone references, in tables (read column by column),
lists or prose. Colours the guidelines forbid go to a separate list; print-only CMYK colours are
converted (naively) so that they can still be named and matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from pipeline.brand.text import NEGATIVE, RULE_CUE
from pipeline.knowledge.chunking import Unit
from pipeline.models import BrandColor

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
    if lead and len(before) < 60 and not (NEGATIVE.search(lead.group(1)) or RULE_CUE.search(lead.group(1))):
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
    forbidden_section = bool(NEGATIVE.search(last_heading))

    hits: list[_ColourHit] = []
    anchors = [(s, e, "#" + h) for s, e, h in hexes] or [(s, s, None) for s, _ in (rgbs or cmyks)][:1]
    single = len(anchors) == 1
    for n, (start, end, hex_code) in enumerate(anchors):
        before = text[(anchors[n - 1][1] if n else 0) : start]
        if single and unit.kind != "row":
            before = text[: min([start] + [s for s, _ in rgbs] + [s for s, _ in cmyks])]
        name = name_from_cells if (name_from_cells and single) else _colour_name(before, text[end:])
        strong = forbidden_section or bool(_FORBIDDEN_COLOUR.search(text))
        negative = strong or bool(NEGATIVE.search(text[max(0, start - 80) : start]))
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
