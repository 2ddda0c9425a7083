"""The fault and abuse suite: kills, races, fuzzing and hostile inputs.

Hypothesis runs a small, derandomized profile here (the same examples on every run, no example
database), so `make test` stays fast and repeatable; ``ONBRAND_FUZZ=deep`` runs many more, randomly.
At the end the suite prints what it did: faults injected and survived, inputs fuzzed, hostile cases
refused.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from pipeline.settings import Settings
from tests.servers import REVIEW_BACKENDS, review_store_url

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("deep", max_examples=2000, deadline=None, database=None)
settings.load_profile("deep" if os.environ.get("ONBRAND_FUZZ") == "deep" else "ci")

TALLY: Counter[str] = Counter()


@pytest.fixture(scope="session")
def tally() -> Counter[str]:
    """What the suite did, summed over every test and printed at the end."""
    return TALLY


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands its tally to the controller, which prints the sum (tests/conftest.py:
    the controller collects no tests, so never loads this file)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["reliability_tally"] = dict(TALLY)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY:
        parts = ", ".join(f"{n} {what}" for what, n in sorted(TALLY.items()))
        terminalreporter.write_line(f"reliability: {parts}")


@pytest.fixture(params=REVIEW_BACKENDS)
def review_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A review store on SQLite, and on PostgreSQL (the server .ci/run starts)."""
    yield from review_store_url(request.param, tmp_path)


@pytest.fixture
def home(agent_settings: Settings, tmp_path: Path) -> Path:
    """A private copy of the sample workspace (brands ingested and profiled; no drafts, no store)."""
    copy = tmp_path / "home"
    shutil.copytree(agent_settings.home, copy, ignore=shutil.ignore_patterns("drafts", "*.db*"))
    return copy
