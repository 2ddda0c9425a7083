"""The review store: drafts, their states, and an append-only log of decisions (SQLAlchemy).

    >>> store = ReviewStore.from_settings(settings)                 # doctest: +SKIP
    >>> store.add_draft(draft, report)                              # generated -> in_review / rejected_by_gate
    >>> store.decide(draft.plan.id, "approve", reviewer="maya")     # in_review -> approved

SQLite in the workspace by default (WAL, foreign keys on); ``ONBRAND_DATABASE_URL`` points it at
PostgreSQL. A decision names the state it expects to change (by default: "in review"); when someone
else decided first, it is a :class:`DecisionConflict`, never a silent overwrite. Each decision is a
new row in ``decisions``: nothing is ever updated or deleted there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from pipeline.errors import UserError
from pipeline.models import Decision, Draft, DraftPlan, EvalReport

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pipeline.settings import Settings

Status = Literal[
    "generated", "rejected_by_gate", "in_review", "approved", "rejected", "changes_requested", "exported", "failed"
]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
ACTION_STATUS = {"approve": "approved", "reject": "rejected", "request_changes": "changes_requested"}


class DecisionConflict(UserError):
    """The draft is no longer in the state the reviewer saw: someone else decided first."""


class DraftRecord(BaseModel):
    """A draft as the review queue shows it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    campaign: str
    channel: str
    status: str
    verdict: str
    image: str
    prompt: str
    seed: int
    parent_id: str | None
    version: int
    reasons: list[str]
    checks: list[dict[str, Any]]
    updated_at: datetime
    run_id: str | None = None


RunStatus = Literal["running", "completed", "failed", "crashed"]


class RunRecord(BaseModel):
    """One campaign run: what started it, how it ended, and what it made."""

    model_config = ConfigDict(extra="forbid")

    id: str
    campaign: str
    brief: str
    trigger: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    planned: int
    rendered: int
    failed: int
    error: str


def _tables() -> tuple[Any, Any, Any, Any]:
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
    return metadata, drafts, decisions, runs


class ReviewStore:
    """Cheap to build; the engine (and the tables) are created on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._meta: tuple[Any, Any, Any, Any] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ReviewStore:
        return cls(settings.database_url or f"sqlite:///{settings.home / 'review.db'}")

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from sqlalchemy import create_engine, event

            if self.url.startswith("sqlite:///"):
                from pathlib import Path

                Path(self.url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(self.url, future=True)
            if engine.dialect.name == "sqlite":

                @event.listens_for(engine, "connect")
                def _pragmas(connection: Any, _record: Any) -> None:
                    cursor = connection.cursor()
                    cursor.execute("PRAGMA journal_mode=WAL")
                    cursor.execute("PRAGMA foreign_keys=ON")
                    cursor.execute("PRAGMA busy_timeout=10000")
                    cursor.close()

            self._meta = _tables()
            try:
                self._meta[0].create_all(engine)
                _migrate(engine)
            except Exception as exc:
                raise _storage_error(self.url, exc) from exc
            self._engine = engine
        return self._engine

    @property
    def _drafts(self) -> Any:
        _ = self.engine
        assert self._meta is not None
        return self._meta[1]

    @property
    def _decisions(self) -> Any:
        _ = self.engine
        assert self._meta is not None
        return self._meta[2]

    @property
    def _runs(self) -> Any:
        _ = self.engine
        assert self._meta is not None
        return self._meta[3]

    # --- runs ----------------------------------------------------------------------------------

    def start_run(self, run_id: str, campaign: str, brief: str, trigger: str = "manual", planned: int = 0) -> None:
        """Record a campaign run as running. Earlier runs of this host that are still marked running
        but whose process is gone (killed) are marked crashed. Starting the same run again (a Prefect
        retry of the flow) resumes it."""
        import os
        import socket

        from sqlalchemy import select

        runs = self._runs
        host, now = socket.gethostname()[:255], datetime.now(UTC)
        with self.engine.begin() as conn:
            stale = conn.execute(
                select(runs.c.id, runs.c.pid).where(runs.c.status == "running", runs.c.host == host)
            ).all()
            for other, pid in stale:
                if other != run_id and not _alive(int(pid)):
                    conn.execute(
                        runs.update()
                        .where(runs.c.id == other)
                        .values(status="crashed", finished_at=now, error="the process running it ended unexpectedly")
                    )
            values = {
                "campaign": campaign,
                "brief": brief,
                "trigger": trigger,
                "status": "running",
                "host": host,
                "pid": os.getpid(),
                "started_at": now,
                "finished_at": None,
                "planned": planned,
                "error": "",
            }
            if conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is None:
                conn.execute(runs.insert().values(id=run_id, **values))
            else:
                conn.execute(runs.update().where(runs.c.id == run_id).values(**values))

    def finish_run(self, run_id: str, status: RunStatus, rendered: int = 0, failed: int = 0, error: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(
                self._runs.update()
                .where(self._runs.c.id == run_id)
                .values(
                    status=status,
                    finished_at=datetime.now(UTC),
                    rendered=rendered,
                    failed=failed,
                    error=error[:2000],
                )
            )

    def runs(self, campaign: str | None = None, limit: int = 50) -> list[RunRecord]:
        """Recent runs, newest first."""
        from sqlalchemy import select

        runs = self._runs
        query = select(runs).order_by(runs.c.started_at.desc()).limit(limit)
        if campaign:
            query = query.where(runs.c.campaign == campaign)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            RunRecord(
                id=r["id"],
                campaign=r["campaign"],
                brief=r["brief"],
                trigger=r["trigger"],
                status=r["status"],
                started_at=r["started_at"],
                finished_at=r["finished_at"],
                planned=r["planned"],
                rendered=r["rendered"],
                failed=r["failed"],
                error=r["error"],
            )
            for r in rows
        ]

    def other_runs_active(self, campaign: str, run_id: str) -> bool:
        """True when another run of ``campaign`` is running in a live process (on any host we cannot
        see into, a running row counts as live)."""
        import socket

        from sqlalchemy import select

        runs = self._runs
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(runs.c.host, runs.c.pid).where(
                    runs.c.campaign == campaign, runs.c.status == "running", runs.c.id != run_id
                )
            ).all()
        here = socket.gethostname()[:255]
        return any(host != here or _alive(int(pid)) for host, pid in rows)

    def crashed_since(self, campaign: str) -> datetime | None:
        """When the earliest crashed run of ``campaign`` whose leftovers were not swept yet started."""
        from sqlalchemy import func, select

        runs = self._runs
        with self.engine.connect() as conn:
            found = conn.execute(
                select(func.min(runs.c.started_at)).where(
                    runs.c.campaign == campaign, runs.c.status == "crashed", runs.c.cleaned.is_(False)
                )
            ).scalar()
        if found is not None and found.tzinfo is None:  # SQLite keeps no zone; we always write UTC
            found = found.replace(tzinfo=UTC)
        return found

    def mark_cleaned(self, campaign: str) -> None:
        runs = self._runs
        with self.engine.begin() as conn:
            conn.execute(
                runs.update().where(runs.c.campaign == campaign, runs.c.status == "crashed").values(cleaned=True)
            )

    def fingerprints(self, campaign: str) -> dict[str, str]:
        """Draft id -> image fingerprint (from the duplicate check) of every stored draft of a campaign."""
        from sqlalchemy import select

        drafts = self._drafts
        with self.engine.connect() as conn:
            rows = conn.execute(select(drafts.c.id, drafts.c.report).where(drafts.c.campaign == campaign)).all()
        found = {}
        for draft_id, report in rows:
            for check in (report or {}).get("checks", []):
                if check.get("name") == "duplicate" and (check.get("data") or {}).get("fingerprint"):
                    found[str(draft_id)] = str(check["data"]["fingerprint"])
        return found

    def referenced_files(self, campaign: str) -> set[str]:
        """Every image and condition file a stored draft of ``campaign`` points to."""
        from sqlalchemy import select

        drafts = self._drafts
        with self.engine.connect() as conn:
            rows = conn.execute(select(drafts.c.image_path, drafts.c.draft).where(drafts.c.campaign == campaign)).all()
        found = {str(path) for path, _ in rows if path}
        found |= {str(d["condition_path"]) for _, d in rows if d and d.get("condition_path")}
        return found

    # --- drafts --------------------------------------------------------------------------------

    def add_draft(self, draft: Draft, report: EvalReport | None, run_id: str | None = None) -> str:
        """Store a rendered draft with its report; a draft already stored is left as it is (a re-run
        never duplicates or resets it). Returns the draft's status."""
        from sqlalchemy import select
        from sqlalchemy.exc import IntegrityError

        drafts = self._drafts
        status = "generated" if report is None else ("rejected_by_gate" if report.verdict == "reject" else "in_review")
        now = datetime.now(UTC)
        row = {
            "id": draft.plan.id,
            "campaign": draft.plan.campaign,
            "channel": draft.plan.channel,
            "status": status,
            "verdict": report.verdict if report else "review",
            "image_path": draft.image_path,
            "image_sha256": draft.image_sha256,
            "plan": draft.plan.model_dump(mode="json"),
            "draft": draft.model_dump(mode="json"),
            "report": report.model_dump(mode="json") if report else None,
            "parent_id": draft.plan.parent_id,
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "run_id": run_id,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(drafts.insert().values(**row))
            return status
        except IntegrityError:
            with self.engine.begin() as conn:
                existing = conn.execute(select(drafts.c.status).where(drafts.c.id == draft.plan.id)).scalar()
                if existing is None:
                    raise
                if existing != "failed":
                    return str(existing)
                # A draft that failed to render before is replaced by its first good render.
                update = {k: v for k, v in row.items() if k not in ("id", "created_at", "version")}
                conn.execute(
                    drafts.update()
                    .where(drafts.c.id == draft.plan.id, drafts.c.status == "failed")
                    .values(**update, version=drafts.c.version + 1)
                )
            return status

    def add_failed(self, plan: DraftPlan, reason: str, run_id: str | None = None) -> None:
        """Record a draft the renderer could not make (status ``failed``; a later run retries it)."""
        from sqlalchemy.exc import IntegrityError

        now = datetime.now(UTC)
        report = {"draft_id": plan.id, "checks": [], "verdict": "reject", "reasons": [f"render failed: {reason}"]}
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    self._drafts.insert().values(
                        id=plan.id,
                        campaign=plan.campaign,
                        channel=plan.channel,
                        status="failed",
                        verdict="reject",
                        image_path="",
                        image_sha256="",
                        plan=plan.model_dump(mode="json"),
                        draft={},
                        report=report,
                        parent_id=plan.parent_id,
                        version=1,
                        created_at=now,
                        updated_at=now,
                        run_id=run_id,
                    )
                )
        except IntegrityError:
            return  # already recorded (failed, or rendered by another run meanwhile)

    def needs_render(self, draft_id: str) -> bool:
        """True when the draft is not stored yet, or its last render failed."""
        from sqlalchemy import select

        with self.engine.connect() as conn:
            status = conn.execute(select(self._drafts.c.status).where(self._drafts.c.id == draft_id)).scalar()
        return status is None or status == "failed"

    def has(self, draft_id: str) -> bool:
        from sqlalchemy import select

        with self.engine.connect() as conn:
            return conn.execute(select(self._drafts.c.id).where(self._drafts.c.id == draft_id)).first() is not None

    def get(self, draft_id: str) -> DraftRecord:
        found = self.list_drafts(ids=[draft_id])
        if not found:
            raise UserError(f"no draft '{draft_id}' in the review store; list them with: onbrand review list")
        return found[0]

    def raw(self, draft_id: str) -> dict[str, Any]:
        """The stored JSON of a draft: its plan, draft (render) and report."""
        from sqlalchemy import select

        drafts = self._drafts
        with self.engine.connect() as conn:
            row = conn.execute(
                select(drafts.c.plan, drafts.c.draft, drafts.c.report).where(drafts.c.id == draft_id)
            ).first()
        if row is None:
            raise UserError(f"no draft '{draft_id}' in the review store; list them with: onbrand review list")
        return {"plan": row[0], "draft": row[1], "report": row[2]}

    def mark_exported(self, draft_ids: list[str], by: str = "onbrand export") -> None:
        """Approved drafts -> exported, each with an entry in the decision log."""
        drafts, decisions = self._drafts, self._decisions
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            for draft_id in draft_ids:
                done = conn.execute(
                    drafts.update()
                    .where(drafts.c.id == draft_id, drafts.c.status == "approved")
                    .values(status="exported", version=drafts.c.version + 1, updated_at=now)
                )
                if done.rowcount:
                    conn.execute(
                        decisions.insert().values(
                            draft_id=draft_id,
                            action="export",
                            reviewer=by,
                            note="",
                            from_status="approved",
                            to_status="exported",
                            at=now,
                        )
                    )

    def plan_of(self, draft_id: str) -> tuple[DraftPlan, EvalReport | None]:
        """The stored plan and eval report of a draft (what a re-plan starts from)."""
        stored = self.raw(draft_id)
        report = EvalReport.model_validate(stored["report"]) if stored["report"] else None
        return DraftPlan.model_validate(stored["plan"]), report

    def list_drafts(
        self, campaign: str | None = None, status: str | None = None, ids: list[str] | None = None
    ) -> list[DraftRecord]:
        from sqlalchemy import select

        drafts = self._drafts
        if status is not None and status not in STATUSES:
            raise UserError(f"unknown status '{status}'; use one of: {', '.join(STATUSES)}")
        query = select(drafts).order_by(drafts.c.campaign, drafts.c.id)
        if campaign:
            query = query.where(drafts.c.campaign == campaign)
        if status:
            query = query.where(drafts.c.status == status)
        if ids:
            query = query.where(drafts.c.id.in_(ids))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        out = []
        for r in rows:
            report = r["report"] or {}
            out.append(
                DraftRecord(
                    id=r["id"],
                    campaign=r["campaign"],
                    channel=r["channel"],
                    status=r["status"],
                    verdict=r["verdict"],
                    image=r["image_path"],
                    prompt=r["plan"].get("prompt", ""),
                    seed=int(r["plan"].get("seed", 0)),
                    parent_id=r["parent_id"],
                    version=r["version"],
                    reasons=list(report.get("reasons", [])),
                    checks=list(report.get("checks", [])),
                    updated_at=r["updated_at"],
                    run_id=r["run_id"],
                )
            )
        return out

    def lineage(self, draft_id: str) -> list[DraftRecord]:
        """The draft's re-plan chain: its root first, then every descendant (breadth first)."""
        from sqlalchemy import select

        drafts = self._drafts
        with self.engine.connect() as conn:
            parent_of = {
                str(i): p
                for i, p in conn.execute(
                    select(drafts.c.id, drafts.c.parent_id).where(
                        drafts.c.campaign == select(drafts.c.campaign).where(drafts.c.id == draft_id).scalar_subquery()
                    )
                ).all()
            }
        if draft_id not in parent_of:
            raise UserError(f"no draft '{draft_id}' in the review store; list them with: onbrand review list")
        root, seen = draft_id, {draft_id}
        while parent_of.get(root) and parent_of[root] in parent_of and parent_of[root] not in seen:
            root = str(parent_of[root])
            seen.add(root)
        chain, frontier = [root], [root]
        while frontier:
            frontier = sorted(i for i, p in parent_of.items() if p in frontier and i not in chain)
            chain += frontier
        by_id = {r.id: r for r in self.list_drafts(ids=chain)}
        return [by_id[i] for i in chain if i in by_id]

    def counts(self, campaign: str | None = None) -> dict[str, int]:
        from sqlalchemy import func, select

        drafts = self._drafts
        query = select(drafts.c.status, func.count()).group_by(drafts.c.status)
        if campaign:
            query = query.where(drafts.c.campaign == campaign)
        with self.engine.connect() as conn:
            return {str(s): int(n) for s, n in conn.execute(query).all()}

    def campaigns(self) -> list[str]:
        from sqlalchemy import select

        with self.engine.connect() as conn:
            return [str(c) for c in conn.execute(select(self._drafts.c.campaign).distinct()).scalars()]

    def decide(self, decision: Decision, expected_version: int | None = None) -> DraftRecord:
        """Apply a reviewer's decision to a draft that is in review (or at ``expected_version``, the
        version the reviewer saw). Someone else's decision in between is a :class:`DecisionConflict`."""
        from sqlalchemy import select

        drafts, decisions = self._drafts, self._decisions
        to_status = ACTION_STATUS[decision.action]
        with self.engine.begin() as conn:
            row = conn.execute(
                select(drafts.c.status, drafts.c.version).where(drafts.c.id == decision.draft_id)
            ).first()
            if row is None:
                raise UserError(
                    f"no draft '{decision.draft_id}' in the review store; list them with: onbrand review list"
                )
            status, version = str(row[0]), int(row[1])
            if expected_version is not None and version != expected_version:
                raise self._conflict(conn, decision.draft_id, status)
            if status != "in_review":
                raise self._conflict(conn, decision.draft_id, status)
            updated = conn.execute(
                drafts.update()
                .where(drafts.c.id == decision.draft_id, drafts.c.version == version)
                .values(status=to_status, version=version + 1, updated_at=datetime.now(UTC))
            )
            if updated.rowcount != 1:
                raise self._conflict(conn, decision.draft_id, status)
            conn.execute(
                decisions.insert().values(
                    draft_id=decision.draft_id,
                    action=decision.action,
                    reviewer=decision.reviewer,
                    note=decision.note,
                    from_status=status,
                    to_status=to_status,
                    at=decision.at,
                )
            )
        return self.get(decision.draft_id)

    def _conflict(self, conn: Any, draft_id: str, status: str) -> DecisionConflict:
        from sqlalchemy import select

        decisions = self._decisions
        last = conn.execute(
            select(decisions.c.reviewer, decisions.c.action, decisions.c.at)
            .where(decisions.c.draft_id == draft_id)
            .order_by(decisions.c.id.desc())
        ).first()
        by = f" ({last[1]} by {last[0]} at {last[2]:%Y-%m-%d %H:%M})" if last else ""
        return DecisionConflict(f"draft '{draft_id}' is {status.replace('_', ' ')}{by}; it is no longer in review")

    def history(self, draft_id: str) -> list[dict[str, Any]]:
        from sqlalchemy import select

        decisions = self._decisions
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(decisions).where(decisions.c.draft_id == draft_id).order_by(decisions.c.id)
            ).mappings()
            return [dict(r) for r in rows]


def _alive(pid: int) -> bool:
    import os

    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _migrate(engine: Engine) -> None:
    """Columns added after a store was first created (create_all never alters tables)."""
    from sqlalchemy import inspect, text

    columns = {c["name"] for c in inspect(engine).get_columns("drafts")}
    if "run_id" not in columns:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE drafts ADD COLUMN run_id VARCHAR(64)"))


def _storage_error(url: str, exc: Exception) -> UserError:
    """A one-line error for a store that cannot be opened: read-only or full workspace, or a
    database URL that does not answer."""
    from pipeline.errors import storage_error

    found = storage_error(exc)
    if found is not None:
        return found
    where = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url.split("@")[-1]
    first = (str(getattr(exc, "orig", None) or exc).splitlines() or ["unknown error"])[0][:200]
    return UserError(f"review store {where}: {first}; check ONBRAND_DATABASE_URL and that the database is reachable")
