"""``onbrand ui`` and ``onbrand ui add-user``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pipeline.cli.app import cli_actor, cli_settings, make_console, ui_app


@ui_app.callback()
def ui_command(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8501,
    host: Annotated[str, typer.Option(help="Address to bind; 0.0.0.0 opens it to the network.")] = "127.0.0.1",
) -> None:
    """Start the review UI at http://HOST:PORT (/_stcore/health answers once it is up)."""
    if ctx.invoked_subcommand is not None:
        return
    from ui.launch import exposure_warning, serve
    from ui.users import load_users, users_path

    settings = cli_settings()
    users = load_users(users_path(settings.home))  # a broken users file is a one-line error before the start
    warning = exposure_warning(host, users is not None)
    if warning:
        sys.stderr.write(f"onbrand: warning: {warning}\n")
    sys.stderr.write(f"onbrand: review UI on http://{host}:{port} (workspace {settings.home})\n")
    serve(host, port)


@ui_app.command("add-user")
def ui_add_user(
    username: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits, '.', '_' or '-'.")],
    role: Annotated[
        str,
        typer.Option(help="viewer (looks), reviewer (decides, runs, exports) or admin (also brand, uploads, users)."),
    ] = "reviewer",
    name: Annotated[str | None, typer.Option(help="Display name, e.g. 'Maya Lind'.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Add a user to the workspace's users.yaml (bcrypt hash), or change one's password, role or name."""
    from ui.users import add_user, users_path

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    path = users_path(cli_settings().home)
    user = add_user(path, username, password, role, name, actor=cli_actor())
    make_console().print(f"[green]{user.username}[/green] ({user.role}) saved to {path}")
