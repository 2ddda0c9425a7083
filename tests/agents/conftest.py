"""A workspace with four ingested brands and their extracted profiles, shared by the agent tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.brand_profile import extract_profile
from pipeline.brand_store import ProfileStore
from pipeline.knowledge import KnowledgeBase
from pipeline.settings import Settings

BRANDS = ("Tidewell", "Ardent Outdoor", "Lumen Bank", "Kestrel Coffee Roasters")


@pytest.fixture(scope="session")
def agent_settings(sample_workspace: KnowledgeBase) -> Settings:
    settings = sample_workspace.settings
    store = ProfileStore(settings)
    for brand in BRANDS:
        if store.load_extracted(brand) is None:
            store.save_extracted(extract_profile(brand, sample_workspace.chunks(brand)))
    return settings


def write_brief(folder: Path, name: str, **fields: object) -> Path:
    data = {"campaign": name, "channels": ["instagram_post"], **fields}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
