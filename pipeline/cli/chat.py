"""``onbrand chat``."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.cli.app import (
    JsonFlag,
    app,
    brand_profile_of,
    cli_actor,
    cli_settings,
    emit_json,
    error_line,
    make_console,
)


@app.command("chat")
def chat_command(
    message: Annotated[str | None, typer.Argument(help="One request; without it, an interactive chat.")] = None,
    brand: Annotated[str | None, typer.Option("--brand", "-b", help="Brand the chat is about.")] = None,
    reviewer: Annotated[
        str | None, typer.Option(help="The name decisions and runs are recorded under (default: your login name).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Ask the agent: guideline questions, prompt checks, plans, campaign runs, review status, decisions.
    It acts as you (the admin role), under --reviewer or your login name; a brief may be any readable path."""
    from agents.chat.agent import ChatAgent
    from agents.chat.tools import ChatSession
    from flows.launch import launch_campaign

    settings = cli_settings()
    if brand is not None:
        brand_profile_of(brand, settings)  # an unknown brand is a clear error before anything runs
    actor = cli_actor(reviewer)  # the machine's own user: any readable brief path, every tool
    session = ChatSession(settings=settings, brand=brand, user=actor.name, role=actor.role, launcher=launch_campaign)
    agent = ChatAgent.from_settings(session)
    console = make_console()

    def answer(text: str) -> None:
        reply = agent.respond(text)
        if as_json:
            emit_json(reply.contract_json())
            return
        for action in reply.actions:
            args = ", ".join(f"{k}={v!r}" for k, v in action.args.items())
            console.print(f"[dim]tool: {action.tool}({args})[/dim]")
        console.print(reply.reply, markup=False)

    if message is not None:
        answer(message)
        return
    console.print("[dim]onbrand chat: ask about the brand, check prompts, plan or run briefs. Ctrl-D to leave.[/dim]")
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if text.lower() in ("exit", "quit"):
            break
        if text:
            try:
                answer(text)
            except Exception as exc:  # one bad request must not end the session
                from pipeline.errors import UserError

                if not isinstance(exc, UserError):
                    raise
                error_line(str(exc))
