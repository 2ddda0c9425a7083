"""The review store's tables (SQLAlchemy Core) and the columns added since a store was first made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Tables:
    metadata: Any
    drafts: Any
    decisions: Any
    runs: Any
    sign_ins: Any


def make_tables() -> Tables:
    from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, MetaData, String, Table, Text

    metadata = MetaData()
    drafts = Table(
        "drafts",
        metadata,
        Column("id", String(200), primary_key=True),
        Column("campaign", String(200), nullable=False, index=True),
        Column("channel", String(100), nullable=False),
        Column("status", String(32), nullable=False, index=True),
        Column("verdict", String(16), nullable=False, default="review"),
        Column("image_path", Text, nullable=False),
        Column("image_sha256", String(64), nullable=False, default=""),
        Column("plan", JSON, nullable=False),
        Column("draft", JSON, nullable=False),
        Column("report", JSON, nullable=True),
        Column("parent_id", String(200), ForeignKey("drafts.id"), nullable=True),
        Column("version", Integer, nullable=False, default=1),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("run_id", String(64), nullable=True, index=True),
    )
    runs = Table(
        "runs",
        metadata,
        Column("id", String(64), primary_key=True),
        Column("campaign", String(200), nullable=False, index=True),
        Column("brief", Text, nullable=False),
        Column("trigger", String(32), nullable=False),
        Column("status", String(16), nullable=False),
        Column("host", String(255), nullable=False, default=""),
        Column("pid", Integer, nullable=False, default=0),
        Column("started_at", DateTime(timezone=True), nullable=False),
        Column("finished_at", DateTime(timezone=True), nullable=True),
        Column("planned", Integer, nullable=False, default=0),
        Column("rendered", Integer, nullable=False, default=0),
        Column("failed", Integer, nullable=False, default=0),
        Column("error", Text, nullable=False, default=""),
        Column("cleaned", Boolean, nullable=False, default=False),  # a crashed run's leftover files were swept
        Column("requested_by", String(200), nullable=False, default=""),  # who started it
        Column("skipped", Integer, nullable=False, default=0),  # drafts of its plan stored by an earlier run
    )
    # The UI's sign-ins: every success, failure, lock-out and sign-out (append-only, like decisions).
    sign_ins = Table(
        "sign_ins",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("username", String(200), nullable=False, index=True),
        Column("event", String(16), nullable=False),
        Column("session_id", String(64), nullable=False, default="", index=True),
        Column("address", String(64), nullable=False, default=""),
        Column("at", DateTime(timezone=True), nullable=False),
    )
    decisions = Table(
        "decisions",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("draft_id", String(200), ForeignKey("drafts.id"), nullable=False, index=True),
        Column("action", String(32), nullable=False),
        Column("reviewer", String(200), nullable=False),
        Column("note", Text, nullable=False, default=""),
        Column("from_status", String(32), nullable=False),
        Column("to_status", String(32), nullable=False),
        Column("at", DateTime(timezone=True), nullable=False),
    )
    return Tables(metadata, drafts, decisions, runs, sign_ins)


def migrate(engine: Engine) -> None:
    """Columns added after a store was first created (create_all never alters tables)."""
    from sqlalchemy import inspect, text

    added = {
        "drafts": [("run_id", "VARCHAR(64)")],
        "runs": [("requested_by", "VARCHAR(200) NOT NULL DEFAULT ''"), ("skipped", "INTEGER NOT NULL DEFAULT 0")],
    }
    inspector = inspect(engine)
    for table, wanted in added.items():
        columns = {c["name"] for c in inspector.get_columns(table)}
        for name, kind in wanted:
            if name not in columns:
                with engine.begin() as conn:
                    conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))


def open_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

    return engine
