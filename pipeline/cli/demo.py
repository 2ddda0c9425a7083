"""``onbrand demo`` and ``onbrand settings``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.cli.app import JsonFlag, app, cli_actor, cli_settings, emit_json, error_line, make_console
from pipeline.cli.brand import print_profile
from pipeline.cli.knowledge import print_ingest
from pipeline.progress import Bars

if TYPE_CHECKING:
    from rich.console import Console

    from pipeline.settings import Settings


@app.command("settings")
def show_settings(as_json: JsonFlag = False) -> None:
    """The effective settings (defaults, config file, ONBRAND_* variables)."""
    data = cli_settings().model_dump(mode="json")
    if as_json:
        emit_json(data)
        return
    from rich.table import Table

    table = Table(title="Settings")
    table.add_column("setting")
    table.add_column("value")
    for key, value in data.items():
        table.add_row(key, str(value))
    make_console().print(table)


@app.command()
def demo(
    brand_dir: Annotated[Path | None, typer.Option(help="Sample brand folder.")] = None,
) -> None:
    """Run the main job on the bundled sample brand: ingest, profile, a few questions, the briefs."""
    from pipeline.brand.ingest import ingest_brand
    from pipeline.brand.store import ProfileStore
    from pipeline.campaign.briefs import load_brief
    from pipeline.knowledge.retrieval import Retriever
    from pipeline.knowledge.store import KnowledgeBase
    from pipeline.settings import DATA_DIR

    settings = cli_settings()
    console = make_console()
    folder = brand_dir or DATA_DIR / "brands" / "tidewell" / "guidelines"
    console.rule("1. Ingest brand guidelines")
    kb = KnowledgeBase(settings)
    with Bars(make_console(stderr=True)) as update:
        report = ingest_brand([folder], "Tidewell", settings, actor=cli_actor(), progress=update, knowledge=kb).report
    print_ingest(report)
    console.rule("2. Brand profile")
    print_profile(ProfileStore(settings).profile(report.brand), console)
    console.rule("3. Ask the guidelines")
    retriever = Retriever(kb)
    for question in (
        "How much clear space around the logo?",
        "How small can the logo be on screen?",
        "What resolution do print files need?",
        "Can we show a glass of wine?",
    ):
        hit = retriever.search(question, brand=report.brand, k=1)[0]
        console.print(f"[bold]Q:[/bold] {question}\n[dim]{hit.source} · {hit.section}[/dim]\n{hit.text}\n")
    console.rule("4. Briefs")
    for path in sorted((DATA_DIR / "briefs").glob("*.yaml")):
        brief = load_brief(path)
        console.print(
            f"[green]ok[/green] {path.name}: {brief.campaign} · channels {', '.join(brief.channels)}"
            + (f" · schedule '{brief.schedule}'" if brief.schedule else "")
        )
    console.rule("5. Drafts from the bundled draft model")
    _demo_drafts(settings, console)
    for problem in report.errors:
        error_line(f"{problem.file}: {problem.error}")


def _demo_drafts(settings: Settings, console: Console) -> None:
    """The first sample brief as a campaign run (Prefect flow): planned by the agent, two drafts per
    channel rendered by the bundled model, gated, re-planned where the gate rejects, stored for review."""
    from rich.table import Table

    from flows.launch import launch_campaign
    from pipeline.models import CampaignRequest
    from pipeline.settings import DATA_DIR

    brief = sorted((DATA_DIR / "briefs").glob("*.yaml"))[0]
    console.print("[dim]campaign run: planning, rendering, gating, storing for review[/dim]")
    run = launch_campaign(CampaignRequest(brief=str(brief), count=2, run_in="here"), settings, cli_actor())
    plan = run.plan
    if plan is not None:
        table = Table(title=f"plan: {plan.campaign} ({plan.planner} planner, model {settings.diffusion_model})")
        for column in ("draft", "size", "layout", "prompt"):
            table.add_column(column, overflow="fold")
        for d in plan.drafts:
            table.add_row(d.id, f"{d.width}x{d.height}", d.layout.template, d.prompt[:110] + "...")
        console.print(table)
    for warning in run.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}")
    gate = Table(title=f"campaign run {run.run_id[:8]}: drafts in the review store")
    for column in ("draft", "verdict", "status", "why", "image"):
        gate.add_column(column, overflow="fold")
    for stored in run.drafts:
        why = "; ".join(r for r in stored.reasons if "waiting for a person" not in r)[:90] or "all checks passed"
        gate.add_row(stored.id, stored.verdict, stored.status.replace("_", " "), why, stored.image)
    console.print(gate)
    console.print(
        "Next: [bold]onbrand review list[/bold], then [bold]onbrand review approve ID --by NAME[/bold] "
        "(or reject / request-changes)."
    )
