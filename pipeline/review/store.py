"""The review store: drafts, their states, and an append-only log of decisions (SQLAlchemy).

    >>> store = ReviewStore.from_settings(settings)                 # doctest: +SKIP
    >>> store.add_draft(draft, report)                              # generated -> in_review / rejected_by_gate
    >>> maya = Actor(name="maya", role="reviewer")
    >>> store.decide(Decision(draft_id=draft.plan.id, action="approve", reviewer="maya"), actor=maya)
    >>> store.reopen(draft.plan.id, actor=maya)                     # approved -> in_review, both logged

SQLite in the workspace by default (WAL, foreign keys on); ``ONBRAND_DATABASE_URL`` points it at
PostgreSQL. A decision names the state it expects to change (by default: "in review"); when someone
else decided first, it is a :class:`DecisionConflict`, never a silent overwrite. Each decision is a
new row in ``decisions``: nothing is ever updated or deleted there (a reopen is a row of its own).
Deciding, reopening and exporting need the reviewer role (:class:`pipeline.models.Actor`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pipeline.errors import UserError
from pipeline.models import (
    STATUSES,
    Actor,
    Check,
    Decision,
    DecisionEntry,
    Draft,
    DraftDetail,
    DraftPlan,
    EvalReport,
    StoredDraft,
)
from pipeline.review.runs import RunLog
from pipeline.review.signins import SignInLog
from pipeline.review.tables import Tables, make_tables, migrate, open_engine

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pipeline.settings import Settings


ACTION_STATUS = {"approve": "approved", "reject": "rejected", "request_changes": "changes_requested"}
# What a reviewer can take back: their own decisions, and the gate's (a person overriding it). An
# exported draft has left the building, and a failed render has nothing to review.
REOPENABLE = ("approved", "rejected", "changes_requested", "rejected_by_gate")


class DecisionConflict(UserError):
    """The draft is no longer in the state the reviewer saw: someone else decided first."""


class ReviewStore(RunLog, SignInLog):
    """Cheap to build; the engine (and the tables) are created on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._tables: Tables | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ReviewStore:
        return cls(settings.database_url or f"sqlite:///{settings.home / 'review.db'}")

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            engine = open_engine(self.url)
            self._tables = make_tables()
            try:
                self._tables.metadata.create_all(engine)
                migrate(engine)
            except Exception as exc:
                raise _storage_error(self.url, exc) from exc
            self._engine = engine
        return self._engine

    @property
    def tables(self) -> Tables:
        _ = self.engine
        assert self._tables is not None
        return self._tables

    def fingerprints(self, campaign: str) -> dict[str, str]:
        """Draft id -> image fingerprint (from the duplicate check) of every stored draft of a campaign."""
        from sqlalchemy import select

        drafts = self.tables.drafts
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

        drafts = self.tables.drafts
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

        drafts = self.tables.drafts
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
                    self.tables.drafts.insert().values(
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
            status = conn.execute(
                select(self.tables.drafts.c.status).where(self.tables.drafts.c.id == draft_id)
            ).scalar()
        return status is None or status == "failed"

    def has(self, draft_id: str) -> bool:
        from sqlalchemy import select

        with self.engine.connect() as conn:
            return (
                conn.execute(select(self.tables.drafts.c.id).where(self.tables.drafts.c.id == draft_id)).first()
                is not None
            )

    def get(self, draft_id: str) -> StoredDraft:
        found = self.list_drafts(ids=[draft_id])
        if not found:
            raise UserError(f"no draft '{draft_id}' in the review store; list them with: onbrand review list")
        return found[0]

    def detail(self, draft_id: str) -> DraftDetail:
        """Everything stored about a draft: its plan, its render and its eval report."""
        from sqlalchemy import select

        drafts = self.tables.drafts
        with self.engine.connect() as conn:
            row = conn.execute(
                select(drafts.c.plan, drafts.c.draft, drafts.c.report).where(drafts.c.id == draft_id)
            ).first()
        if row is None:
            raise UserError(f"no draft '{draft_id}' in the review store; list them with: onbrand review list")
        return DraftDetail(
            plan=DraftPlan.model_validate(row[0]),
            draft=Draft.model_validate(row[1]) if row[1] else None,
            report=EvalReport.model_validate(row[2]) if row[2] else None,
        )

    def mark_exported(self, draft_ids: list[str], actor: Actor) -> None:
        """Approved drafts -> exported, each with an entry in the decision log under ``actor``'s name."""
        actor.require("export")
        by = actor.name
        drafts, decisions = self.tables.drafts, self.tables.decisions
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
        detail = self.detail(draft_id)
        return detail.plan, detail.report

    def list_drafts(
        self, campaign: str | None = None, status: str | None = None, ids: list[str] | None = None
    ) -> list[StoredDraft]:
        from sqlalchemy import select

        drafts = self.tables.drafts
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
        return [_stored(r) for r in rows]

    def lineage(self, draft_id: str) -> list[StoredDraft]:
        """The draft's re-plan chain: its root first, then every descendant (breadth first)."""
        from sqlalchemy import select

        drafts = self.tables.drafts
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

        drafts = self.tables.drafts
        query = select(drafts.c.status, func.count()).group_by(drafts.c.status)
        if campaign:
            query = query.where(drafts.c.campaign == campaign)
        with self.engine.connect() as conn:
            return {str(s): int(n) for s, n in conn.execute(query).all()}

    def campaigns(self) -> list[str]:
        from sqlalchemy import select

        with self.engine.connect() as conn:
            return [str(c) for c in conn.execute(select(self.tables.drafts.c.campaign).distinct()).scalars()]

    def decide(self, decision: Decision, expected_version: int | None = None, *, actor: Actor) -> StoredDraft:
        """Apply a reviewer's decision to a draft that is in review (or at ``expected_version``, the
        version the reviewer saw). ``actor`` must have the reviewer role. Someone else's decision in
        between is a :class:`DecisionConflict`."""
        from sqlalchemy import select

        actor.require("decide")
        drafts, decisions = self.tables.drafts, self.tables.decisions
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

    def reopen(
        self, draft_id: str, *, actor: Actor, note: str = "", expected_version: int | None = None
    ) -> StoredDraft:
        """Put a decided draft back in review (undo), as ``actor`` (reviewer role). The decision it
        takes back stays in the log; the reopen is logged after it. Only approved, rejected, sent-back
        and gate-rejected drafts can be reopened; at ``expected_version`` a change in between is a
        :class:`DecisionConflict`."""
        from sqlalchemy import select

        actor.require("decide")
        drafts, decisions = self.tables.drafts, self.tables.decisions
        with self.engine.begin() as conn:
            row = conn.execute(select(drafts.c.status, drafts.c.version).where(drafts.c.id == draft_id)).first()
            if row is None:
                raise UserError(f"no draft '{draft_id}' in the review store; list them with: onbrand review list")
            status, version = str(row[0]), int(row[1])
            if expected_version is not None and version != expected_version:
                raise self._conflict(conn, draft_id, status)
            if status not in REOPENABLE:
                said = status.replace("_", " ")
                why = "it has been exported" if status == "exported" else f"it is {said}"
                raise UserError(f"draft '{draft_id}' cannot be reopened: {why}")
            updated = conn.execute(
                drafts.update()
                .where(drafts.c.id == draft_id, drafts.c.version == version)
                .values(status="in_review", version=version + 1, updated_at=datetime.now(UTC))
            )
            if updated.rowcount != 1:
                raise self._conflict(conn, draft_id, status)
            conn.execute(
                decisions.insert().values(
                    draft_id=draft_id,
                    action="reopen",
                    reviewer=actor.name,
                    note=note,
                    from_status=status,
                    to_status="in_review",
                    at=datetime.now(UTC),
                )
            )
        return self.get(draft_id)

    def _conflict(self, conn: Any, draft_id: str, status: str) -> DecisionConflict:
        from sqlalchemy import select

        decisions = self.tables.decisions
        last = conn.execute(
            select(decisions.c.reviewer, decisions.c.action, decisions.c.at)
            .where(decisions.c.draft_id == draft_id)
            .order_by(decisions.c.id.desc())
        ).first()
        by = f" ({last[1]} by {last[0]} at {last[2]:%Y-%m-%d %H:%M})" if last else ""
        return DecisionConflict(f"draft '{draft_id}' is {status.replace('_', ' ')}{by}; it is no longer in review")

    def history(self, draft_id: str) -> list[DecisionEntry]:
        """The draft's decision log, oldest first."""
        from sqlalchemy import select

        decisions = self.tables.decisions
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(decisions).where(decisions.c.draft_id == draft_id).order_by(decisions.c.id)
            ).mappings()
            return [DecisionEntry.model_validate(dict(r)) for r in rows]


def _stored(r: Any) -> StoredDraft:
    """A ``drafts`` row as the review queue shows it."""
    report = r["report"] or {}
    return StoredDraft(
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
        checks=[Check.model_validate(c) for c in report.get("checks", [])],
        updated_at=r["updated_at"],
        run_id=r["run_id"],
    )


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
