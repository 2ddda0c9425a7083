"""Shared fixtures: real Chroma in a temporary workspace, the real MiniLM model, the sample brand."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
# A pytest-xdist worker (make test runs one per core) and everything it starts use one thread for
# torch and NumPy: two workers each running two threads on two cores only fight over them.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _threads in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_threads, "1")

# One Prefect server for the session (tests/session_servers.py), started now, before Prefect is
# imported, so that this process and every process it starts use it instead of each starting a
# temporary server. Tests that need it wait for it (pytest_runtest_setup below).
from tests.session_servers import SESSION_MARK, PrefectServer, kill, leftover_processes

os.environ[SESSION_MARK] = uuid.uuid4().hex
# Under pytest-xdist the controller process loads this file first and starts the server; its workers
# inherit PREFECT_API_URL and ONBRAND_TEST_PREFECT_SERVER, and only wait for that server (never stop it).
PREFECT: PrefectServer | None = None
if os.environ.get("ONBRAND_TEST_PREFECT_SERVER"):
    PREFECT = PrefectServer.started_elsewhere(os.environ["ONBRAND_TEST_PREFECT_SERVER"])
elif not os.environ.get("PREFECT_API_URL") and os.environ.get("ONBRAND_TEST_PREFECT") != "temporary":
    PREFECT = PrefectServer.start()
    os.environ["PREFECT_API_URL"] = PREFECT.url
    os.environ["ONBRAND_TEST_PREFECT_SERVER"] = PREFECT.url

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


# Suites that must share one pytest-xdist worker (make test runs ``-n N --dist loadgroup``); every other
# test is grouped by its module, so module- and session-scoped fixtures are built once per module.
SHARED_WORKER = {
    # They empty the one test Chroma server before each test.
    "chroma-server": (
        "tests/pipeline/knowledge/test_store.py",
        "tests/pipeline/knowledge/test_retrieval.py",
        "tests/pipeline/knowledge/test_chroma_server.py",
    ),
}


def work_unit(nodeid: str) -> str:
    """The pytest-xdist work unit of a test: its module, or a shared group above, or "ui" (the UI suites
    share one session workspace of rendered drafts, costly to build twice)."""
    module = nodeid.split("::", 1)[0]
    if module.startswith("tests/ui/"):
        return "ui"
    return next((name for name, files in SHARED_WORKER.items() if module in files), module)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` with the groups of :func:`work_unit`, decided on the controller.

    pytest-xdist's own loadgroup reads ``xdist_group`` marks by rewriting ``item._nodeid`` on the workers,
    which pytest 9.2 no longer reads, so its groups silently fell apart (two workers emptied the one test
    Chroma server under each other). Scope scheduling with our own split does not depend on that."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return GroupScheduling(config, log)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests beyond the plain unit tests may run flows: the session's Prefect server must answer first."""
    if PREFECT is not None and item.get_closest_marker("unit") is None:
        try:
            PREFECT.wait()
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)


# Under pytest-xdist each worker checks its own processes and hands what it found to the controller,
# which reports for the whole session (a worker's own exit status and output never reach the run's).
WORKERS_LEFT: list[str] = []
WORKERS_TALLY: Counter[str] = Counter()  # tests/reliability's fault tally, summed over the workers


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    output = getattr(node, "workeroutput", {})
    WORKERS_LEFT.extend(output.get("onbrand_leftovers", []))
    WORKERS_TALLY.update(output.get("reliability_tally", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if WORKERS_TALLY:
        parts = ", ".join(f"{n} {what}" for what, n in sorted(WORKERS_TALLY.items()))
        terminalreporter.write_line(f"reliability: {parts}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the session's Prefect server, then check that nothing the suite started is still running."""
    if PREFECT is not None:
        PREFECT.stop()
    left = leftover_processes(os.environ[SESSION_MARK])
    kill(left)
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller reports
        workeroutput["onbrand_leftovers"] = left
        return
    left += WORKERS_LEFT
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if left:
        if reporter is not None:
            reporter.write_line(f"processes the test session started are still running ({len(left)}):", red=True)
            for line in left:
                reporter.write_line(f"  {line}", red=True)
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
