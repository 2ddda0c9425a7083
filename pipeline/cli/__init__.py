"""The ``onbrand`` command line: the only part of ``pipeline`` that imports upward (agents, flows, ui).

Exit codes: 0 ok, 2 user error (one line on stderr naming the file or field and the fix),
1 internal error.
"""

from __future__ import annotations

import sys

import typer

# Each module registers its commands on the app; the order here is the order of ``onbrand --help``.
from pipeline.cli import (  # noqa: F401
    brand,
    campaign,
    chat,
    demo,
    draft_model,
    export,
    gate,
    knowledge,
    render,
    review,
    ui,
)
from pipeline.cli.app import app, error_line


def _click_errors() -> tuple[type[Exception], ...]:
    """Usage-error classes: typer vendors its own copy of click, and plain click may be in use too."""
    import importlib

    found: list[type[Exception]] = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            found.append(importlib.import_module(module).ClickException)
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: maps user errors to exit 2, bugs to exit 1."""
    from pipeline.errors import UserError

    usage_errors = _click_errors()
    try:
        result = app(args=argv, standalone_mode=False, prog_name="onbrand")
    except UserError as exc:
        error_line(str(exc))
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        sys.stderr.write("onbrand: aborted\n")
        return 130
    except KeyboardInterrupt:
        sys.stderr.write("onbrand: interrupted\n")
        return 130
    except usage_errors as exc:
        exc.show()  # type: ignore[attr-defined]
        return int(getattr(exc, "exit_code", 2))
    except Exception as exc:  # a read-only or full workspace is the user's to fix, not a bug
        from pipeline.errors import storage_error

        found = storage_error(exc)
        if found is None:
            raise
        error_line(str(found))
        return 2
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
