"""The UI's work queue: campaign runs and revisions run one at a time, off the page's thread.

    >>> queue = shared_queue()
    >>> job = queue.submit("revise", "warmer light", lambda: revise_flow(draft_id=..., note=...))  # doctest: +SKIP
    >>> queue.wait(job.id).status
    'done'

A Streamlit page re-runs on every click; a campaign takes minutes. So the page hands the work to
this queue (one worker thread per UI process: the render pipeline stays warm and two runs never
fight for the CPU) and shows its state, as ComfyUI's queue does. The flows record themselves in the
review store's ``runs`` table, which is what "recent runs" shows across processes and restarts.
"""

from __future__ import annotations

import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import UserError, storage_error
from pipeline.models import CampaignRun, RevisedDraft

log = logging.getLogger("onbrand.ui")

JobKind = Literal["campaign", "revise"]
JobStatus = Literal["queued", "running", "done", "failed"]


class Job(BaseModel):
    """One piece of queued work and how it went."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: JobKind
    label: str  # what people see: "spring-citrus-launch: 2 channels x 3 drafts"
    campaign: str = ""
    draft_id: str = ""  # a revision's draft
    by: str = ""  # who asked for it
    key: str = ""  # what it does, for idempotency: a second request while one with this key is active is it
    status: JobStatus = "queued"
    submitted_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: CampaignRun | RevisedDraft | None = None
    error: str = ""

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


class JobQueue:
    """Cheap to build; the worker thread starts with the first job."""

    def __init__(self, workers: int = 1, keep: int = 100) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._workers, self._keep = workers, keep
        self._jobs: dict[str, Job] = {}
        self._done: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def submit(
        self,
        kind: JobKind,
        label: str,
        work: Callable[[], CampaignRun | RevisedDraft],
        campaign: str = "",
        draft_id: str = "",
        by: str = "",
        key: str = "",
    ) -> Job:
        """Queue ``work``. With a ``key``, asking again while a job with that key is queued or running
        queues nothing and returns that job (a double click runs once)."""
        job = Job(
            id=uuid.uuid4().hex[:12], kind=kind, label=label, campaign=campaign, draft_id=draft_id, by=by, key=key
        )
        with self._lock:
            if key:
                same = next((j for j in self._jobs.values() if j.key == key and j.active), None)
                if same is not None:
                    return same.model_copy()
            self._jobs[job.id] = job
            self._done[job.id] = threading.Event()
            self._trim()
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="onbrand-ui-job")
            pool = self._pool
        pool.submit(self._run, job.id, work)
        return job.model_copy()

    def _run(self, job_id: str, work: Callable[[], CampaignRun | RevisedDraft]) -> None:
        self._update(job_id, status="running", started_at=datetime.now(UTC))
        try:
            result = work()
        except Exception as exc:  # the queue outlives any one job; the error is shown on the page
            known = storage_error(exc)
            if known is None and not isinstance(exc, UserError):
                log.error("UI job %s failed:\n%s", job_id, traceback.format_exc())
            message = str(known or exc) if known or isinstance(exc, UserError) else f"{exc.__class__.__name__}: {exc}"
            self._update(job_id, status="failed", error=" ".join(message.split())[:500], finished_at=datetime.now(UTC))
        else:
            self._update(job_id, status="done", result=result, finished_at=datetime.now(UTC))
        finally:
            self._done[job_id].set()

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            self._jobs[job_id] = self._jobs[job_id].model_copy(update=changes)

    def _trim(self) -> None:
        finished = [j for j in self._jobs.values() if not j.active]
        for job in sorted(finished, key=lambda j: j.submitted_at)[: max(0, len(self._jobs) - self._keep)]:
            self._jobs.pop(job.id, None)
            self._done.pop(job.id, None)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job.model_copy() if job else None

    def jobs(self, limit: int = 20) -> list[Job]:
        """Newest first."""
        with self._lock:
            found = sorted(self._jobs.values(), key=lambda j: j.submitted_at, reverse=True)
        return [j.model_copy() for j in found[:limit]]

    def active(self) -> list[Job]:
        """Running first, then queued, oldest first."""
        with self._lock:
            found = [j for j in self._jobs.values() if j.active]
        return [j.model_copy() for j in sorted(found, key=lambda j: (j.status != "running", j.submitted_at))]

    def wait(self, job_id: str, timeout: float | None = None) -> Job:
        """Block until the job has finished (tests and scripts; pages poll instead)."""
        event = self._done.get(job_id)
        if event is not None and not event.wait(timeout):
            raise TimeoutError(f"job {job_id} has not finished after {timeout} s")
        job = self.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def wait_idle(self, timeout: float | None = None) -> None:
        for job in self.active():
            self.wait(job.id, timeout)


_shared: JobQueue | None = None
_shared_lock = threading.Lock()


def shared_queue() -> JobQueue:
    """The UI process's one queue (every session sees the same queue, as in ComfyUI)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = JobQueue()
        return _shared
