"""Layout rules as numbers: headline band, product share, negative space, margins, logo corners and size."""

from __future__ import annotations

import re

from pipeline.brand.text import (
    LOGO,
    NEGATIVE,
    section_topic,
)
from pipeline.knowledge.chunking import Unit
from pipeline.models import (
    LayoutRules,
)

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
