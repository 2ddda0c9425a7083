"""``onbrand review list | runs | approve | reject | request-changes | reopen``.

Decisions are recorded under ``--by`` and made with the admin role (see :func:`pipeline.cli.app.cli_actor`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pipeline.cli.app import (
    JsonFlag,
    cli_actor,
    cli_settings,
    emit_json,
    make_console,
    review_app,
    review_store,
    user_error,
)


@review_app.command("list")
def review_list(
    campaign: Annotated[str | None, typer.Option(help="Only this campaign.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. in_review.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Drafts in the review store, with their verdicts and checks."""
    records = review_store(cli_settings()).list_drafts(campaign=campaign, status=status)
    if as_json:
        emit_json([r.contract_json() for r in records])
        return
    from rich.table import Table

    table = Table(title=f"review queue ({len(records)} drafts)")
    for column in ("draft", "channel", "status", "verdict", "why"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(r.id, r.channel, r.status.replace("_", " "), r.verdict, "; ".join(r.reasons)[:100])
    make_console().print(table)


@review_app.command("runs")
def review_runs(
    campaign: Annotated[str | None, typer.Option(help="Only this campaign.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 20,
    as_json: JsonFlag = False,
) -> None:
    """Recent campaign runs: who started them, how they ended, what they rendered."""
    runs = review_store(cli_settings()).runs(campaign=campaign, limit=limit)
    if as_json:
        emit_json([r.model_dump(mode="json") for r in runs])
        return
    from rich.table import Table

    table = Table(title=f"campaign runs ({len(runs)})")
    for column in ("run", "campaign", "trigger", "by", "status", "started", "took", "planned", "rendered", "failed"):
        table.add_column(column, overflow="fold")
    colours = {"completed": "green", "running": "cyan", "failed": "red", "crashed": "red"}
    for r in runs:
        took = f"{(r.finished_at - r.started_at).total_seconds():.0f} s" if r.finished_at else ""
        table.add_row(
            r.id[:8],
            r.campaign,
            r.trigger,
            r.requested_by,
            f"[{colours[r.status]}]{r.status}[/]" + (f" ({r.error[:60]})" if r.error else ""),
            f"{r.started_at:%Y-%m-%d %H:%M}",
            took,
            str(r.planned),
            str(r.rendered),
            str(r.failed),
        )
    make_console().print(table)


def _decide(draft_id: str, action: str, by: str, note: str) -> Any:
    """Record one reviewer decision (a conflict is a one-line error) and return the draft's record."""
    from agents.chat.tools import normalise_draft_id
    from pipeline.models import Decision

    if not by.strip():
        raise user_error("--by is empty; give the reviewer's name")
    actor = cli_actor(by)
    return review_store(cli_settings()).decide(
        Decision(draft_id=normalise_draft_id(draft_id), action=action, reviewer=actor.name, note=note), actor=actor
    )


def _print_decision(record: Any, by: str, as_json: bool) -> None:
    if as_json:
        emit_json({"id": record.id, "status": record.status, "by": by.strip()})
    else:
        make_console().print(f"[green]{record.id}[/green] is {record.status.replace('_', ' ')} (by {by.strip()})")


@review_app.command("approve")
def review_approve(
    draft_id: Annotated[str, typer.Argument(help="Draft id (onbrand review list).")],
    by: Annotated[str, typer.Option(help="Reviewer's name.")],
    note: Annotated[str, typer.Option(help="A note for the record.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Approve a draft that is in review."""
    _print_decision(_decide(draft_id, "approve", by, note), by, as_json)


@review_app.command("reject")
def review_reject(
    draft_id: Annotated[str, typer.Argument(help="Draft id (onbrand review list).")],
    by: Annotated[str, typer.Option(help="Reviewer's name.")],
    reason: Annotated[str, typer.Option(help="Why it is rejected.")],
    as_json: JsonFlag = False,
) -> None:
    """Reject a draft that is in review, with the reason."""
    if not reason.strip():
        raise user_error("--reason is empty; say why the draft is rejected")
    _print_decision(_decide(draft_id, "reject", by, reason), by, as_json)


@review_app.command("request-changes")
def review_request_changes(
    draft_id: Annotated[str, typer.Argument(help="Draft id (onbrand review list).")],
    by: Annotated[str, typer.Option(help="Reviewer's name.")],
    note: Annotated[str, typer.Option(help="What should change, e.g. 'Sea Foam backdrop, can on the left'.")],
    as_json: JsonFlag = False,
) -> None:
    """Send a draft back: the note is read into plan changes (colours, light, mood, the product's side
    and size, space, things to add or remove), re-rendered and queued for review again."""
    from agents.chat.tools import normalise_draft_id
    from flows.launch import request_changes, revise_draft

    if not note.strip():
        raise user_error("--note is empty; say what should change")
    if not by.strip():
        raise user_error("--by is empty; give the reviewer's name")
    settings, actor = cli_settings(), cli_actor(by)
    asked = request_changes(normalise_draft_id(draft_id), note, settings, actor)
    revised = revise_draft(asked, settings, actor, trigger="manual")
    if as_json:
        emit_json(
            {
                "id": asked.draft.id,
                "status": "changes_requested",
                "by": actor.name,
                "revised": revised.model_dump(mode="json"),
            }
        )
        return
    console = make_console()
    console.print(
        f"{asked.draft.id}: changes requested by {actor.name}; re-planned as [green]{revised.id}[/green] "
        f"({revised.verdict}, {revised.status.replace('_', ' ')})"
    )
    for change in revised.changes:
        console.print(f"  changed {change.describe()}", markup=False)
    if revised.not_acted_on:
        console.print(f"  I could not act on: {'; '.join(revised.not_acted_on)}", markup=False)


@review_app.command("reopen")
def review_reopen(
    draft_id: Annotated[str, typer.Argument(help="Draft id (onbrand review list).")],
    by: Annotated[str, typer.Option(help="Reviewer's name.")],
    note: Annotated[str, typer.Option(help="Why it goes back to review.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Put a decided draft back in review (undo); the decision and the reopen both stay in the log."""
    from agents.chat.tools import normalise_draft_id

    if not by.strip():
        raise user_error("--by is empty; give the reviewer's name")
    actor = cli_actor(by)
    record = review_store(cli_settings()).reopen(normalise_draft_id(draft_id), actor=actor, note=note.strip())
    _print_decision(record, actor.name, as_json)
