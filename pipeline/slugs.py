"""Names made safe for files, folders, database keys and Chroma collections: one module for all of them.

>>> brand_key(" Tidewell  ")
'tidewell'
>>> brand_slug("Café Noir & Co.")
'cafe-noir-co-95dc2993'
>>> plain_slug("Café Noir & Co.")
'cafe-noir-co'
>>> safe_name("Spring launch / 2027")
'Spring-launch-2027'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from pipeline.errors import UserError


def brand_key(name: str) -> str:
    """Brands are matched case- and space-insensitively: "Tidewell " and "tidewell" are one brand."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def plain_slug(name: str) -> str:
    """A readable lower-case slug (``a-z``, ``0-9`` and ``-``); "" when nothing readable is left."""
    return re.sub(r"[^a-z0-9]+", "-", _ascii(brand_key(name))).strip("-")


def brand_slug(name: str) -> str:
    """A filesystem- and Chroma-safe name for any brand name, unique per :func:`brand_key`.

    A short hash of the key keeps two brands apart whose readable parts are the same ("Café" and "Cafe!")."""
    key = brand_key(name)
    if not key:
        raise UserError("brand name is empty; pass --brand NAME")
    slug = plain_slug(name)[:44].strip("-") or "brand"
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}"


def override_slug(name: str) -> str:
    """The file name stem of a brand's override file (``tidewell.yaml``): readable, else unique."""
    return plain_slug(name) or brand_slug(name)


def safe_name(name: str) -> str:
    """A file-system-safe folder or file name that keeps case (campaigns, channels, draft ids): never a
    path (no separators, no leading dots)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_")[:80]
    return cleaned or "campaign"


def artifact_key(name: str) -> str:
    """A Prefect artifact key (lower-case letters, digits and dashes)."""
    return "".join(c if c.isalnum() else "-" for c in name.lower())[:60]
