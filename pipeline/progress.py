"""Progress of long work: one callback type every stage reports to, and one rich wrapper that shows it.

    >>> with Bars(console, per_phase=True) as progress:          # doctest: +SKIP
    ...     train(cfg, out, progress)                              # progress("unet", 10, 4000, {"loss": 0.1})

Stages take an optional :class:`Progress` and never import rich; the CLI and the flows pass
:class:`Bars`. The UI passes its own callback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Progress(Protocol):
    """``what`` is being done, ``done`` of ``total`` units so far, with optional figures (a loss)."""

    def __call__(self, what: str, done: int, total: int, info: Mapping[str, float] | None = None) -> None: ...


def no_progress(what: str, done: int, total: int, info: Mapping[str, float] | None = None) -> None:
    """A :class:`Progress` that shows nothing."""


class Bars:
    """Rich progress bars on a console (stderr by default): one bar per phase (``what``), or, with
    ``per_phase=False``, one bar whose label follows ``what``. Disabled, it shows nothing."""

    def __init__(
        self,
        console: Any = None,
        *,
        enabled: bool = True,
        per_phase: bool = False,
        transient: bool = True,
        with_eta: bool = False,
    ) -> None:
        self.console, self.enabled, self.per_phase = console, enabled, per_phase
        self.transient, self.with_eta = transient, with_eta
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Progress:
        if not self.enabled:
            return no_progress
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns: list[Any] = [
            TextColumn("{task.description:<12}" if self.per_phase else "[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ]
        if self.with_eta:
            columns.append(TimeRemainingColumn())
        columns.append(TextColumn("{task.fields[info]}"))
        self.bar = Progress(
            *columns, console=self.console or Console(stderr=True, highlight=False), transient=self.transient
        )
        self.bar.start()
        return self.update

    def update(self, what: str, done: int, total: int, info: Mapping[str, float] | None = None) -> None:
        if self.bar is None:
            return
        key = what if self.per_phase else ""
        if key not in self.tasks:
            self.tasks[key] = self.bar.add_task(what, total=total or None, info="")
        text = "  ".join(f"{k} {v:.3f}" for k, v in (info or {}).items())
        self.bar.update(self.tasks[key], description=what, completed=done, total=total or None, info=text)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
