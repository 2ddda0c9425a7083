"""Errors that reach users.

A :class:`UserError` is a mistake the user can fix (a bad file, an unknown channel, a
missing brand). The CLI prints its one-line message on stderr and exits with code 2;
anything else is a bug in onbrand and exits with code 1.
"""

from __future__ import annotations

import errno


class UserError(Exception):
    """A problem with the user's input, phrased as one line: what is wrong, where, how to fix it."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        # Keep the message to one line: it is printed as-is on stderr.
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self)


class DocumentError(UserError):
    """One guideline document could not be read. Other documents in the same call go on."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = " ".join(problem.split())
        super().__init__(f"{path}: {self.problem}")


STORAGE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT}
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def storage_error(exc: BaseException) -> UserError | None:
    """A one-line :class:`UserError` for a workspace that cannot be written (read-only, full disk,
    no permission), from an ``OSError`` or a database error; ``None`` for anything else."""
    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
        where = exc.filename or "the workspace"
        if exc.errno in FULL_ERRNOS:
            return UserError(f"{where}: {exc.strerror}; free some space and run again (what was stored is intact)")
        return UserError(
            f"{where}: {exc.strerror}; make it writable or set ONBRAND_HOME to a writable folder "
            "(what was stored is intact)"
        )
    text = str(getattr(exc, "orig", None) or exc).lower()
    if type(exc).__name__ in ("OperationalError", "DatabaseError") and any(
        k in text for k in ("readonly", "read-only", "disk is full", "no space", "unable to open", "disk i/o")
    ):
        first = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        return UserError(
            f"review store: {first}; make the workspace writable and free disk space, or set "
            "ONBRAND_DATABASE_URL (what was stored is intact)"
        )
    cause = exc.__cause__ or exc.__context__
    return storage_error(cause) if cause is not None and cause is not exc else None


class PermissionDenied(UserError):
    """The person asking has a role that may not do this (a viewer approving, a reviewer editing users)."""
