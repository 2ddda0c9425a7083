"""Real servers for the store suites: PostgreSQL and a Chroma server, started on loopback by .ci/run.

    @pytest.fixture(params=REVIEW_BACKENDS)
    def review_url(request, tmp_path):
        yield from review_store_url(request.param, tmp_path)

A test that needs a server skips, saying why, when run outside CI without one; in CI (``CI`` set)
a missing server is a failure, because .ci/run always starts both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.settings import Settings

# Read at import: the root conftest's autouse fixture clears every ONBRAND_* variable per test.
POSTGRES_URL = os.environ.get("ONBRAND_TEST_POSTGRES_URL", "")
CHROMA_HOST = os.environ.get("ONBRAND_TEST_CHROMA_HOST", "")
CHROMA_PORT = os.environ.get("ONBRAND_TEST_CHROMA_PORT", "")
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")

REVIEW_BACKENDS = ("sqlite", "postgresql")
KNOWLEDGE_BACKENDS = ("embedded", "chroma-server")


def require(value: str, variable: str, what: str) -> str:
    """``value``, or a skip (outside CI) / failure (in CI) that names the missing variable."""
    if value:
        return value
    message = f"needs {what}: set {variable} (.ci/run starts one on loopback)"
    if IN_CI:
        pytest.fail(f"CI is set but {variable} is not; {message}", pytrace=False)
    pytest.skip(f"{message}; skipped outside CI")


def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the test server (dropped afterwards), as a SQLAlchemy URL."""
    from sqlalchemy import create_engine, make_url, text

    base = make_url(require(POSTGRES_URL, "ONBRAND_TEST_POSTGRES_URL", "a PostgreSQL server"))
    name = f"onbrand_t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def review_store_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A review store URL of ``backend``: a SQLite file in ``tmp_path``, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'review.db'}"
    else:
        yield from fresh_postgres_database()


def knowledge_settings(backend: str, home: Path) -> Settings:
    """Settings whose knowledge base is embedded in ``home``, or on the test Chroma server (emptied first:
    tests reuse brand names, and the server outlives each test)."""
    if backend == "embedded":
        return Settings(home=home)
    host = require(CHROMA_HOST, "ONBRAND_TEST_CHROMA_HOST", "a Chroma server")
    port = int(require(CHROMA_PORT, "ONBRAND_TEST_CHROMA_PORT", "a Chroma server"))
    settings = Settings(home=home, chroma_host=host, chroma_port=port)
    from pipeline.knowledge.store import KnowledgeBase

    client = KnowledgeBase(settings).client()
    for collection in client.list_collections():
        client.delete_collection(collection.name)
    return settings
