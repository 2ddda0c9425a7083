"""Campaign runs in the review store: started, finished, crashed (its process gone), and swept."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pipeline.models import RunRecord, RunStatus
from pipeline.review.sweep import process_alive

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pipeline.review.tables import Tables


class RunLog:
    """The ``runs`` table's half of :class:`pipeline.review.store.ReviewStore`."""

    @property
    def engine(self) -> Engine:
        raise NotImplementedError

    @property
    def tables(self) -> Tables:
        raise NotImplementedError

    def start_run(
        self,
        run_id: str,
        campaign: str,
        brief: str,
        trigger: str = "manual",
        planned: int = 0,
        requested_by: str = "",
        skipped: int = 0,
    ) -> None:
        """Record a campaign run as running: ``planned`` drafts to render, ``skipped`` already stored,
        started by ``requested_by``. Earlier runs of this host that are still marked running
        but whose process is gone (killed) are marked crashed. Starting the same run again (a Prefect
        retry of the flow) resumes it."""
        import os
        import socket

        from sqlalchemy import select

        runs = self.tables.runs
        host, now = socket.gethostname()[:255], datetime.now(UTC)
        with self.engine.begin() as conn:
            stale = conn.execute(
                select(runs.c.id, runs.c.pid).where(runs.c.status == "running", runs.c.host == host)
            ).all()
            for other, pid in stale:
                if other != run_id and not process_alive(int(pid)):
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
                "requested_by": requested_by[:200],
                "skipped": skipped,
            }
            if conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is None:
                conn.execute(runs.insert().values(id=run_id, **values))
            else:
                conn.execute(runs.update().where(runs.c.id == run_id).values(**values))

    def add_planned(self, run_id: str, more: int) -> None:
        """The run queued ``more`` drafts (re-plans of gate rejections): its planned count grows, so
        that "stored of planned" adds up while it runs and when it ends."""
        if more:
            runs = self.tables.runs
            with self.engine.begin() as conn:
                conn.execute(runs.update().where(runs.c.id == run_id).values(planned=runs.c.planned + more))

    def finish_run(self, run_id: str, status: RunStatus, rendered: int = 0, failed: int = 0, error: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(
                self.tables.runs.update()
                .where(self.tables.runs.c.id == run_id)
                .values(
                    status=status,
                    finished_at=datetime.now(UTC),
                    rendered=rendered,
                    failed=failed,
                    error=error[:2000],
                )
            )

    def runs(self, campaign: str | None = None, limit: int = 50, status: RunStatus | None = None) -> list[RunRecord]:
        """Recent runs, newest first (only those in ``status`` when given: "running" lists what runs now)."""
        from sqlalchemy import select

        runs = self.tables.runs
        query = select(runs).order_by(runs.c.started_at.desc()).limit(limit)
        if campaign:
            query = query.where(runs.c.campaign == campaign)
        if status:
            query = query.where(runs.c.status == status)
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
                requested_by=r["requested_by"] or "",
                skipped=r["skipped"] or 0,
            )
            for r in rows
        ]

    def other_runs_active(self, campaign: str, run_id: str) -> bool:
        """True when another run of ``campaign`` is running in a live process (on any host we cannot
        see into, a running row counts as live)."""
        import socket

        from sqlalchemy import select

        runs = self.tables.runs
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(runs.c.host, runs.c.pid).where(
                    runs.c.campaign == campaign, runs.c.status == "running", runs.c.id != run_id
                )
            ).all()
        here = socket.gethostname()[:255]
        return any(host != here or process_alive(int(pid)) for host, pid in rows)

    def crashed_since(self, campaign: str) -> datetime | None:
        """When the earliest crashed run of ``campaign`` whose leftovers were not swept yet started."""
        from sqlalchemy import func, select

        runs = self.tables.runs
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
        runs = self.tables.runs
        with self.engine.begin() as conn:
            conn.execute(
                runs.update().where(runs.c.campaign == campaign, runs.c.status == "crashed").values(cleaned=True)
            )
