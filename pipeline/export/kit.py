"""The brand kit: logo and font files, found beside the guidelines, in the override file, or given."""

from __future__ import annotations

from pathlib import Path

from pipeline.settings import DATA_DIR

FALLBACK_KIT = DATA_DIR / "brands" / "tidewell" / "brand-kit"
FALLBACK_FONT = FALLBACK_KIT / "fonts" / "Lato-Black.ttf"  # SIL Open Font License, shipped with onbrand
WEIGHTS = ("black", "heavy", "extrabold", "bold", "semibold", "medium", "regular", "")


def find_font(kit: Path | None, families: list[str]) -> Path | None:
    """The heaviest font file of the brand's first font family in the kit (or any font there);
    None when the kit has no font file (the caller falls back to the bundled Lato Black)."""
    if kit is not None and kit.is_dir():
        files = sorted(p for p in kit.rglob("*") if p.suffix.lower() in (".ttf", ".otf"))
        for family in families:
            key = family.replace(" ", "").lower()
            matching = [p for p in files if p.stem.replace(" ", "").replace("_", "").lower().startswith(key)]
            for weight in WEIGHTS:
                for p in matching:
                    if p.stem.lower().endswith(weight):
                        return p
        if files:
            return files[0]
    return None


def find_logo(kit: Path | None) -> Path | None:
    if kit is None or not kit.is_dir():
        return None
    for pattern in ("logo.png", "logo*.png", "*logo*.png"):
        found = sorted(kit.rglob(pattern))
        if found:
            return found[0]
    return None
