"""The ``onbrand`` Typer app and its command groups, and the helpers every command shares.

Imports stay light at module level so that ``onbrand --help`` starts fast: Chroma, torch and
sentence-transformers load only inside the commands that need them.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from pipeline.models import Actor, BrandProfile
    from pipeline.settings import Settings


app = typer.Typer(
    name="onbrand",
    help="Turn a marketing brief into on-brand image drafts that a person approves before anything is published.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

brand_app = typer.Typer(help="Brand profiles: list, show, correct.", no_args_is_help=True)
brief_app = typer.Typer(help="Campaign briefs.", no_args_is_help=True)
review_app = typer.Typer(help="The review queue: list drafts, approve, reject, request changes.", no_args_is_help=True)
ui_app = typer.Typer(help="The review UI (Streamlit): start it, add users.", invoke_without_command=True)
app.add_typer(brand_app, name="brand")
app.add_typer(brief_app, name="brief")
app.add_typer(review_app, name="review")
app.add_typer(ui_app, name="ui")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def make_console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def cli_actor(name: str | None = None) -> Actor:
    """Who a command acts as: the machine's own user, with the admin role. Whoever runs ``onbrand``
    owns the workspace's files and database (and could change them by hand), so roles guard the
    shared UI and chat, not the shell. Decisions and runs are recorded under ``name`` (``--by``,
    ``--reviewer``), else the account's login name."""
    import getpass

    from pipeline.models import Actor

    who = " ".join((name or "").split()) or getpass.getuser() or "onbrand"
    return Actor(name=who, role="admin")


def cli_settings() -> Settings:
    from pipeline.settings import load_settings

    return load_settings()


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def error_line(message: str) -> None:
    sys.stderr.write(f"onbrand: error: {' '.join(message.split())}\n")


def user_error(message: str) -> Exception:
    from pipeline.errors import UserError

    return UserError(message)


def brand_profile_of(brand: str | None, settings: Settings) -> BrandProfile | None:
    """The named brand's merged profile (a clear error for an unknown brand), or None."""
    if brand is None:
        return None
    from pipeline.brand.store import ProfileStore

    return ProfileStore(settings).profile(brand)


def review_store(settings: Settings) -> Any:
    from pipeline.review.store import ReviewStore

    return ReviewStore.from_settings(settings)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        from importlib.metadata import version as pkg_version

        typer.echo(f"onbrand {pkg_version('onbrand')}")
        raise typer.Exit(0)
