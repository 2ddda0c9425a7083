"""Shared fixtures: real Chroma in a temporary workspace, the real MiniLM model, the sample brand."""

from __future__ import annotations

import os
import tempfile
import uuid
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

# One Prefect server for the session (tests/session_servers.py), started now, before Prefect is
# imported, so that this process and every process it starts use it instead of each starting a
# temporary server. Tests that need it wait for it (pytest_runtest_setup below).
from tests.session_servers import SESSION_MARK, PrefectServer, kill, leftover_processes

os.environ[SESSION_MARK] = uuid.uuid4().hex
PREFECT: PrefectServer | None = None
if not os.environ.get("PREFECT_API_URL") and os.environ.get("ONBRAND_TEST_PREFECT") != "temporary":
    PREFECT = PrefectServer.start()
    os.environ["PREFECT_API_URL"] = PREFECT.url

from pipeline.brand.profile import extract_profile  # noqa: E402
from pipeline.brand.store import ProfileStore  # noqa: E402
from pipeline.knowledge.store import KnowledgeBase  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

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


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests beyond the plain unit tests may run flows: the session's Prefect server must answer first."""
    if PREFECT is not None and item.get_closest_marker("unit") is None:
        try:
            PREFECT.wait()
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the session's Prefect server, then check that nothing the suite started is still running."""
    if PREFECT is not None:
        PREFECT.stop()
    left = leftover_processes(os.environ[SESSION_MARK])
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if left:
        if reporter is not None:
            reporter.write_line(f"processes the test session started are still running ({len(left)}):", red=True)
            for line in left:
                reporter.write_line(f"  {line}", red=True)
        kill(left)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter is not None:
        reporter.write_line("no process started by the test session outlives it")


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
