"""Errors that reach users.

A :class:`UserError` is a mistake the user can fix (a bad file, an unknown channel, a
missing brand). The CLI prints its one-line message on stderr and exits with code 2;
anything else is a bug in onbrand and exits with code 1.
"""

from __future__ import annotations


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
