"""Shared fixtures: real Chroma in a temporary workspace, the real MiniLM model, the sample brand."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Prefect runs in tests (the campaign flow) get their own PREFECT_HOME: the temporary local server's
# database lives there, never in the developer's ~/.prefect.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="onbrand-prefect-"))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from pipeline.brand.profile import extract_profile
from pipeline.brand.store import ProfileStore
from pipeline.knowledge.store import KnowledgeBase
from pipeline.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SAMPLE_GUIDELINES = REPO / "data" / "brands" / "tidewell" / "guidelines"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads the developer's own ~/.onbrand or ONBRAND_* variables."""
    for key in list(os.environ):
        if key.startswith("ONBRAND_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ONBRAND_HOME", str(tmp_path_factory.mktemp("default-home")))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # tests that need a server start their own


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "ws")


@pytest.fixture
def kb(settings: Settings) -> KnowledgeBase:
    return KnowledgeBase(settings)


@pytest.fixture(scope="session")
def sample_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """The Tidewell sample brand and three fixture brands written in other styles, ingested once per session."""
    settings = Settings(home=tmp_path_factory.mktemp("sample-ws"))
    kb = KnowledgeBase(settings)
    report = kb.ingest([SAMPLE_GUIDELINES], brand="Tidewell")
    assert not report.errors, report.errors
    for folder, brand in (
        ("ardent", "Ardent Outdoor"),
        ("lumen", "Lumen Bank"),
        ("kesteral", "Kestrel Coffee Roasters"),
    ):
        report = kb.ingest([FIXTURES / "brands" / folder], brand=brand)
        assert not report.errors, report.errors
    yield kb


BRANDS = ("Tidewell", "Ardent Outdoor", "Lumen Bank", "Kestrel Coffee Roasters")


@pytest.fixture(scope="session")
def agent_settings(sample_workspace: KnowledgeBase) -> Settings:
    settings = sample_workspace.settings
    store = ProfileStore(settings)
    for brand in BRANDS:
        if store.load_extracted(brand) is None:
            store.save_extracted(extract_profile(brand, sample_workspace.chunks(brand)))
    return settings
