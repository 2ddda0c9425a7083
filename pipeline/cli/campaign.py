"""``onbrand brief check``, ``plan``, ``run`` and ``serve``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.app import (
    JsonFlag,
    app,
    brief_app,
    cli_actor,
    cli_settings,
    emit_json,
    error_line,
    make_console,
    user_error,
)


@brief_app.command("check")
def brief_check(path: Annotated[Path, typer.Argument(help="brief.yaml")], as_json: JsonFlag = False) -> None:
    """Validate a brief: fields, channels, schedule."""
    from pipeline.campaign.briefs import load_brief

    brief = load_brief(path)
    if as_json:
        emit_json(brief.model_dump(mode="json"))
    else:
        make_console().print(
            f"[green]ok[/green] {path}: {brief.campaign} for {brief.brand}, "
            f"{len(brief.channels)} channel(s) x {brief.drafts_per_channel} draft(s)"
        )


@app.command("plan")
def plan_command(
    brief: Annotated[Path, typer.Argument(help="brief.yaml")],
    drafts: Annotated[int | None, typer.Option(help="Drafts per channel (default: the brief's; at most 16).")] = None,
    channel: Annotated[list[str] | None, typer.Option(help="Plan only this channel of the brief (repeatable).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Write the prompts, negative prompts, seeds and layouts for a brief (no rendering)."""
    from agents.campaign import plan_brief

    plan = plan_brief(brief, cli_settings(), count=drafts, channels=channel)
    if as_json:
        emit_json(plan.contract_json())
        return
    from rich.table import Table

    console = make_console()
    table = Table(title=f"{plan.campaign} · {plan.brand} · {len(plan.drafts)} drafts · planner: {plan.planner}")
    for column in ("draft", "size", "seed", "layout", "prompt"):
        table.add_column(column, overflow="fold")
    for d in plan.drafts:
        table.add_row(d.id, f"{d.width}x{d.height}", str(d.seed), d.layout.template, d.prompt)
    console.print(table)
    if plan.drafts:
        console.print(f"[dim]negative prompt (first draft):[/dim] {plan.drafts[0].negative_prompt}")
    for warning in plan.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}")


@app.command("run")
def run_command(
    brief: Annotated[str, typer.Argument(help="brief.yaml, or the name of a brief in the workspace or samples.")],
    drafts: Annotated[int | None, typer.Option(help="Drafts per channel (default: the brief's; at most 16).")] = None,
    channel: Annotated[list[str] | None, typer.Option(help="Run only this channel of the brief (repeatable).")] = None,
    replans: Annotated[int, typer.Option(min=0, max=5, help="Re-plan and re-render gate rejections this often.")] = 1,
    as_json: JsonFlag = False,
) -> None:
    """Run a campaign now (Prefect flow): plan, render, gate, re-plan rejections, store for review."""
    from flows.launch import launch_campaign
    from pipeline.models import CampaignRequest

    request = CampaignRequest(brief=brief, count=drafts, channels=channel, max_replans=replans, run_in="here")
    run = launch_campaign(request, cli_settings(), cli_actor())
    if as_json:
        emit_json(run.contract_json())
        return
    from rich.table import Table

    table = Table(title=f"{run.campaign} · run {run.run_id[:8]}")
    for column in ("draft", "channel", "verdict", "status", "image"):
        table.add_column(column, overflow="fold")
    for d in run.drafts:
        table.add_row(d.id, d.channel, d.verdict, d.status.replace("_", " "), d.image)
    console = make_console()
    console.print(table)
    for warning in run.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}")


@app.command("serve")
def serve_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be scheduled, then exit.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Serve a Prefect deployment per brief: on its cron schedule, or on demand (workspace briefs/ and samples)."""
    from flows.serve import scheduled_briefs
    from pipeline.campaign.lookup import known_briefs

    scheduled, warnings = scheduled_briefs(known_briefs(cli_settings()), on_demand=True)
    for warning in warnings:
        error_line(warning)
    if as_json or dry_run:
        if as_json:
            emit_json([s.model_dump() for s in scheduled])
        else:
            for s in scheduled:
                when = f"'{s.cron}' (UTC)" if s.cron else "on demand"
                make_console().print(f"{s.name}: {when} -> {s.brief}")
        return
    if not scheduled:
        raise user_error("no valid brief to serve; add one under the workspace's briefs/ folder")
    from flows.serve import serve_briefs

    serve_briefs(scheduled)
