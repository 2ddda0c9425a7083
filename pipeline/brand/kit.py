"""Where a brand's kit (logo and font files) is found when its guidelines are ingested."""

from __future__ import annotations

from pathlib import Path


def find_brand_kit(paths: list[Path]) -> Path | None:
    """A folder named ``brand-kit`` inside or beside the ingested guideline folders, if any."""
    for path in paths:
        folder = path if path.is_dir() else path.parent
        for candidate in (folder / "brand-kit", folder.parent / "brand-kit"):
            if candidate.is_dir():
                return candidate.resolve()
    return None
