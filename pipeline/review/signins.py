"""Sign-ins to the review UI, in the review store: every success, failure, lock-out and sign-out.

    >>> store.record_sign_in("maya", "failed", address="10.0.0.7")        # doctest: +SKIP
    >>> store.failures_since("maya", datetime.now(UTC) - timedelta(minutes=15))
    (1, datetime(...))

The log is what limits wrong passwords per user across sessions and UI processes (a new browser tab
or a second server gets no fresh allowance), and it is the record of who signed in when. A session
that signed out is refused even if its cookie is replayed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pipeline.models import SignInEvent, SignInEventKind

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pipeline.review.tables import Tables


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)  # SQLite keeps no zone; we write UTC


class SignInLog:
    """The ``sign_ins`` table's part of :class:`pipeline.review.store.ReviewStore`."""

    @property
    def engine(self) -> Engine:
        raise NotImplementedError

    @property
    def tables(self) -> Tables:
        raise NotImplementedError

    def record_sign_in(self, username: str, event: SignInEventKind, session_id: str = "", address: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(
                self.tables.sign_ins.insert().values(
                    username=username[:200],
                    event=event,
                    session_id=session_id[:64],
                    address=address[:64],
                    at=datetime.now(UTC),
                )
            )

    def failures_since(self, username: str, since: datetime) -> tuple[int, datetime | None]:
        """Wrong passwords for ``username`` after ``since`` and after its last successful sign-in, and
        when the latest of them was."""
        from sqlalchemy import func, select

        log = self.tables.sign_ins
        with self.engine.connect() as conn:
            last_ok = conn.execute(
                select(func.max(log.c.at)).where(log.c.username == username, log.c.event == "signed_in")
            ).scalar()
            start = max(_aware(since), _aware(last_ok)) if last_ok is not None else _aware(since)
            count, latest = conn.execute(
                select(func.count(), func.max(log.c.at)).where(
                    log.c.username == username, log.c.event == "failed", log.c.at > start
                )
            ).one()
        return int(count), _aware(latest) if latest is not None else None

    def signed_out(self, session_id: str) -> bool:
        """True when the session with this id signed out (its cookie no longer signs anyone in)."""
        from sqlalchemy import select

        log = self.tables.sign_ins
        with self.engine.connect() as conn:
            found = conn.execute(
                select(log.c.id).where(log.c.session_id == session_id, log.c.event == "signed_out")
            ).first()
        return found is not None

    def sign_ins(self, username: str | None = None, limit: int = 50) -> list[SignInEvent]:
        """The sign-in log, newest first."""
        from sqlalchemy import select

        log = self.tables.sign_ins
        query = select(log).order_by(log.c.id.desc()).limit(limit)
        if username:
            query = query.where(log.c.username == username)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [SignInEvent.model_validate({**dict(r), "at": _aware(r["at"])}) for r in rows]
