"""Layout rules as numbers: headline band, product share, negative space, margins, logo corners and size."""

from __future__ import annotations

import re

from pipeline.brand.text import (
    LOGO,
    NEGATIVE,
    section_topic,
)
from pipeline.knowledge.chunking import Unit
from pipeline.models import LayoutRules, LogoMinimum

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
    _logo_minimums(rules, unit, record)
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


_MIN_CUE = re.compile(r"\b(minimum|min\.?|at least|no smaller|never smaller|not smaller|smallest|reproduc\w*)\b", re.I)
_DISTANCE = re.compile(
    r"\s*(?:of\s+)?(?:inside|from|away|around|clear|free|white|empty|margin|between|beyond|apart|bleed|below|above|"
    r"space|padding|gap|in from)\b",
    re.I,
)
_HEIGHT = re.compile(r"\b(height|high|tall)\b", re.I)
_WIDTH = re.compile(r"\b(width|wide|across)\b", re.I)
_UNITS = {"px": "px", "pixel": "px", "pixels": "px", "mm": "mm", "cm": "cm", "in": "in", "pt": "pt"}


def _unit_of(raw: str) -> str:
    raw = raw.lower()
    if raw.startswith("milli"):
        return "mm"
    if raw.startswith("inch"):
        return "in"
    return _UNITS.get(raw, raw)


def _logo_minimums(rules: LayoutRules, unit: Unit, record: object) -> None:
    """Every logo minimum size stated, with its unit and whether it is a width or a height
    ("Wordmark minimum width: 50px", "logo: 10mm height", "at least 24 px high")."""
    text = unit.text
    context = f"{unit.lead} {unit.heading}"
    if not (_MIN_CUE.search(text) or _MIN_CUE.search(context)):
        return
    for clause_match in re.finditer(r"[^.;,]+(?:,\s*\d[^.;,]*)*", text):
        clause = clause_match.group(0)
        sizes = list(_SIZE.finditer(clause))
        if not sizes or not (_MIN_CUE.search(clause) or _MIN_CUE.search(context) or len(sizes) == 1):
            continue
        for size in sizes:
            # the words right around the number say which side it measures
            around = clause[max(0, size.start() - 25) : size.end() + 12]
            height, width = _HEIGHT.search(around), _WIDTH.search(around)
            dimension = "height" if height and not (width and width.start() > height.start()) else "width"
            value, unit_name = float(size.group(1)), _unit_of(size.group(2))
            if value <= 0 or re.match(r"\s*[x×]\s*\d", clause[size.end() :]):
                continue  # "16x16 px" icon grids and zero values are no minimum
            if _DISTANCE.match(clause[size.end() :]):
                continue  # "at least 8 mm inside the trim" is a margin, not the logo's size
            where = f"{clause} {context}".lower()
            ctx = (
                "print"
                if re.search(r"\b(print\w*|paper|documents?|letters?)\b", where)
                else "digital"
                if re.search(r"\b(screens?|digital|web|online|apps?|social)\b", where)
                else ""
            )
            minimum = LogoMinimum(value=value, unit=unit_name, dimension=dimension, context=ctx, source=unit.ref())
            if not any(
                (m.value, m.unit, m.dimension) == (minimum.value, minimum.unit, minimum.dimension)
                for m in rules.logo_minimums
            ):
                rules.logo_minimums.append(minimum)
            if dimension != "width":
                continue
            if unit_name == "px" and rules.logo_min_width_px is None:
                rules.logo_min_width_px = int(value)
                record("logo_min_width_px", unit)  # type: ignore[operator]
            elif unit_name in ("mm", "cm", "in") and rules.logo_min_width_mm is None:
                factor = 10.0 if unit_name == "cm" else 25.4 if unit_name == "in" else 1.0
                rules.logo_min_width_mm = round(value * factor, 2)
                record("logo_min_width_mm", unit)  # type: ignore[operator]
