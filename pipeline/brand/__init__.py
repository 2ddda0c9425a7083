"""The brand profile: palette, fonts, banned words, tone, logo, imagery and layout rules, read from the
guidelines' chunks, stored per brand, and corrected by a person's override file.

    >>> result = ingest_brand([Path("guidelines/")], "Tidewell", settings)   # doctest: +SKIP
    >>> ProfileStore(settings).profile("Tidewell").palette[0].name           # doctest: +SKIP
    'Tidewell Teal'
"""

from pipeline.brand.ingest import ingest_brand
from pipeline.brand.kit import find_brand_kit
from pipeline.brand.profile import extract_profile, split_sub_brands
from pipeline.brand.store import BrandOverride, ProfileStore, apply_override

__all__ = [
    "BrandOverride",
    "ProfileStore",
    "apply_override",
    "extract_profile",
    "find_brand_kit",
    "ingest_brand",
    "split_sub_brands",
]
