"""Type families in guideline text: known families, cue phrases ("set in", "typeface:") for custom
faces such as "Tidewell Sans", CSS ``font-family`` stacks, and which of them are only fallbacks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pipeline.brand.text import plain, section_topic
from pipeline.knowledge.chunking import Unit
from pipeline.models import BrandFont

KNOWN_FONTS = frozenset(
    """Arial|Arial Black|Arial Narrow|Helvetica|Helvetica Neue|Helvetica Now|Neue Haas Grotesk|Neue Haas Unica|Akzidenz-Grotesk|
    Univers|Frutiger|Futura|Gill Sans|Gill Sans MS|Avenir|Avenir Next|Segoe UI|San Francisco|SF Pro|SF Pro Display|
    SF Pro Text|Roboto|Roboto Slab|Roboto Condensed|Roboto Mono|Roboto Flex|Open Sans|Lato|Montserrat|Poppins|Inter|
    Inter Tight|Source Sans Pro|Source Sans 3|Source Serif Pro|Source Serif 4|Source Code Pro|Noto Sans|Noto Serif|
    Raleway|Nunito|Nunito Sans|Merriweather|Merriweather Sans|Playfair Display|Playfair|PT Sans|PT Serif|Oswald|
    Ubuntu|Work Sans|Rubik|Karla|Fira Sans|Fira Code|IBM Plex Sans|IBM Plex Serif|IBM Plex Mono|DM Sans|DM Serif Display|
    DM Serif Text|DM Mono|Manrope|Mulish|Quicksand|Barlow|Barlow Condensed|Libre Baskerville|Libre Franklin|
    Crimson Text|Crimson Pro|Cormorant|Cormorant Garamond|EB Garamond|Garamond|Adobe Garamond|Josefin Sans|
    Josefin Slab|Archivo|Archivo Black|Archivo Narrow|Space Grotesk|Space Mono|Bebas Neue|Anton|Abril Fatface|Lora|
    Cabin|Arvo|Bitter|Zilla Slab|Baloo|Baloo 2|Comic Neue|Comic Sans|Comic Sans MS|Courier|Courier New|Courier Prime|
    Proxima Nova|Gotham|Gotham Rounded|Brandon Grotesque|Brandon Text|Circular|Circular Std|Graphik|Myriad|Myriad Pro|
    Minion|Minion Pro|Caslon|Adobe Caslon|Baskerville|Bodoni|Didot|Rockwell|Franklin Gothic|Century Gothic|Palatino|
    Palatino Linotype|Book Antiqua|Lucida Grande|Lucida Sans|Tahoma|Verdana|Georgia|Times|Times New Roman|
    Trebuchet MS|Calibri|Cambria|Candara|Constantia|Corbel|Consolas|DejaVu Sans|DejaVu Serif|Liberation Sans|
    Liberation Serif|Arimo|Tinos|Cousine|Jost|Outfit|Sora|Lexend|Plus Jakarta Sans|Figtree|Urbanist|
    Red Hat Display|Red Hat Text|Sofia Pro|Museo Sans|Museo|Apercu|GT America|GT Walsheim|GT Sectra|Aktiv Grotesk|
    Chivo|Hind|Heebo|Assistant|Cairo|Exo|Exo 2|Titillium Web|Varela Round|Fredoka|Fredoka One|Pacifico|Lobster|
    Dancing Script|Caveat|Permanent Marker|Amatic SC|Satisfy|Great Vibes|Kalam|Courgette|Alegreya|Alegreya Sans|
    Spectral|Vollkorn|Old Standard TT|Prata|Cinzel|Marcellus|Yeseva One|Righteous|Fjalla One|Alfa Slab One|
    Passion One|Teko|Rajdhani|Saira|Kanit|Prompt|Mukta|Overpass|Asap|Signika|Maven Pro|Dosis|Catamaran|Encode Sans|
    Public Sans|Atkinson Hyperlegible|Recursive|Bricolage Grotesque|Instrument Sans|Instrument Serif|Fraunces|
    Newsreader|Literata|Epilogue|Syne|Unbounded|Albert Sans|Onest|Geist|Geist Mono|JetBrains Mono|Inconsolata|
    Tiempos|Tiempos Headline|Tiempos Text|Canela|Sentinel|Whitney|Chronicle Display|Knockout|Gilroy|Filson Pro|
    Noe Display|Freight Text|Freight Sans|Freight Display|Mark Pro|FF Mark|FF DIN|DIN|DIN Next|DIN Pro|Eurostile|
    Optima|Trade Gothic|News Gothic|Benton Sans|Acumin Pro|Nexa|Quattrocento|Quattrocento Sans|Oxygen|Questrial|
    Abel|Poiret One|Sarabun|Noto Sans JP|Noto Sans SC|Noto Sans KR|Zen Kaku Gothic New|M PLUS 1p|Sans Forgetica|
    Helvetica Rounded|Nunito Rounded|VAG Rounded|Arial Rounded MT|Bell MT|Copperplate|Trajan|Impact""".replace(
        "\n", ""
    ).split("|")
)
KNOWN_FONTS = frozenset(f.strip() for f in KNOWN_FONTS if f.strip())

# Words that end a family name in running text: weights, styles and widths are not families.
WEIGHT_WORDS = frozenset(
    [
        "thin",
        "hairline",
        "extralight",
        "extra-light",
        "ultralight",
        "ultra-light",
        "light",
        "regular",
        "normal",
        "book",
        "roman",
        "medium",
        "semibold",
        "semi-bold",
        "demibold",
        "demi-bold",
        "bold",
        "extrabold",
        "extra-bold",
        "ultrabold",
        "ultra-bold",
        "black",
        "heavy",
        "italic",
        "oblique",
        "italics",
        "caps",
        "smallcaps",
        "variable",
    ]
)

# A CSS stack that starts with one of these asks for the operating system's font.
SYSTEM_STACK = frozenset(["-apple-system", "system-ui", "blinkmacsystemfont", "ui-sans-serif", "ui-serif"])

GENERIC_FAMILIES = frozenset(
    [
        "serif",
        "sans-serif",
        "monospace",
        "cursive",
        "fantasy",
        "system-ui",
        "ui-sans-serif",
        "ui-serif",
        "ui-monospace",
        "ui-rounded",
        "-apple-system",
        "blinkmacsystemfont",
        "emoji",
        "math",
        "fangsong",
        "inherit",
        "initial",
        "unset",
    ]
)

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
    r"lower ?case|all caps|notes?|tips?|examples?|important|usage|warning|caution|remember|description|"
    r"weights?|sizes?|styles?|tokens?|line height|spacing|hierarchy|alignment|[A-Z]{1,2}|\d+)$",
    re.I,
)


# "Extra Light", "Semi Bold": the first word of a two-word weight is no part of the family either.
_WEIGHT_PREFIX = frozenset(["extra", "semi", "demi", "ultra"])
# Web-font file names: "Frutiger W01", "Inter Variable", "Lato Webfont" are Frutiger, Inter, Lato.
_WEB_SUFFIX = re.compile(r"^(?:W\d{2}|W\dG|Web|Webfont|VF|Variable|Pro VF)$", re.I)


def _clean_family(raw: str) -> str:
    words = raw.strip().strip("\"'“”‘’").split()
    while words:
        last = words[-1].lower().strip(",.;")
        if (
            last in WEIGHT_WORDS
            or re.fullmatch(r"\d{2,3}", last)
            or _WEB_SUFFIX.match(last)
            or (last in _WEIGHT_PREFIX and len(words) > 1)
        ):
            words.pop()
        else:
            break
    family = " ".join(w.strip(",.;:") for w in words).strip()
    return family


def _usage(text: str) -> str:
    low = text.lower()
    if re.search(r"fallback|substitut|system font|replacement|not available|unavailable|isn[’']t available", low):
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
                    stack = [p.strip() for p in value.split(",")]
                    if stack and stack[0].strip("\"' ").lower() in SYSTEM_STACK:
                        # "-apple-system, Segoe UI, Roboto, ...": the reader's own system font, no brand face
                        named += [_clean_family(p) for p in stack]
                        continue
                    # A CSS stack: the first family is the brand's, the rest are fallbacks.
                    for n, part in enumerate(stack):
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
        if in_type_section and unit.kind in ("item", "sentence"):
            # "Red Hat Mono: A tabular font used to format text as code" in a typography section.
            term = re.match(r"^\s*([A-Z][\w-]*(?: [A-Z0-9][\w-]*){0,3})\s*:\s+\S", plain(text))
            about_type = term is not None and re.search(
                r"\b(font|typeface|text|headings?|headlines?|body|code|display|titles?|copy|used|use)\b",
                text[term.end() - 1 :],
                re.I,
            )
            if term and about_type and term.group(1) not in named:
                listed = add(term.group(1), unit, _usage(text[term.end() :]))
                if listed:
                    named.append(listed)
        if unit.kind == "row" and in_type_section and unit.header:
            for head, cell in zip(unit.header, unit.cells, strict=False):
                if re.search(r"\b(typeface|font|family)\b", head, re.I) and re.match(r"[A-Z]", cell):
                    add(re.split(r"[,(/]", cell)[0], unit, _usage(" ".join(unit.cells)))
    return list(found.values())
