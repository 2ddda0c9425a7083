"""``onbrand ingest`` and ``onbrand search``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.cli.app import JsonFlag, app, cli_actor, cli_settings, emit_json, error_line, make_console
from pipeline.progress import Bars


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Guideline files or folders (md, txt, pdf, html, docx).")],
    brand: Annotated[str, typer.Option("--brand", "-b", help="Brand the guidelines belong to.")],
    rebuild: Annotated[
        bool, typer.Option(help="Drop the brand's stored chunks first and re-embed everything.")
    ] = False,
    prune: Annotated[bool, typer.Option(help="Remove the brand's documents this call does not name.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Ingest brand guidelines: chunk, embed, store in Chroma, and extract the brand profile."""
    from pipeline.brand.ingest import ingest_brand

    settings = cli_settings()
    chat_model = None
    if settings.llm:  # the model also reads the guidelines; its items are checked against the text
        from agents.llm import load_chat_model

        chat_model = load_chat_model(settings.llm, settings)
    err = make_console(stderr=True)
    with Bars(err, enabled=not as_json and err.is_terminal) as update:
        report = ingest_brand(
            paths,
            brand,
            settings,
            actor=cli_actor(),
            rebuild=rebuild,
            prune=prune,
            progress=update,
            chat_model=chat_model,
        ).report
    if as_json:
        emit_json(report.model_dump(mode="json"))
    else:
        print_ingest(report)
    for problem in report.errors:
        error_line(f"{problem.file}: {problem.error}")
    if report.errors:
        raise typer.Exit(2)


def print_ingest(report: Any) -> None:
    from rich.table import Table

    table = Table(title=f"Ingested guidelines for {report.brand}", show_header=True)
    for col in ("documents", "chunks", "added", "unchanged", "removed", "brand total"):
        table.add_column(col, justify="right")
    table.add_row(
        *(
            str(v)
            for v in (
                report.documents,
                report.chunks,
                report.added,
                report.unchanged,
                report.removed,
                report.total_chunks,
            )
        )
    )
    console = make_console()
    console.print(table)
    for note in report.notes:
        console.print(f"[yellow]note[/yellow] {note.file}: {note.error}", highlight=False)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="A question about the brand, e.g. 'clear space around the logo'.")],
    brand: Annotated[str, typer.Option("--brand", "-b", help="Brand to search.")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many passages.")] = 5,
    as_json: JsonFlag = False,
) -> None:
    """Find the guideline passages that answer a question (hybrid dense + BM25 retrieval)."""
    from pipeline.knowledge.retrieval import Retriever
    from pipeline.knowledge.store import KnowledgeBase

    settings = cli_settings()
    hits = Retriever(KnowledgeBase(settings)).search(query, brand=brand, k=k)
    if as_json:
        emit_json(
            [
                {
                    "text": h.text,
                    "source": h.source,
                    "section": h.section,
                    "score": h.score,
                    "chunk_id": h.chunk_id,
                    "page": h.page,
                    "title": h.title,
                }
                for h in hits
            ]
        )
        return
    from rich.panel import Panel

    console = make_console()
    if not hits:
        console.print("No passages found.")
    for rank, hit in enumerate(hits, start=1):
        where = hit.source + (f" p.{hit.page}" if hit.page else "")
        heading = hit.section or hit.title or "(no section)"
        title = f"[bold]{rank}.[/bold] {heading}  [dim]{where} · score {hit.score:.2f}[/dim]"
        console.print(Panel(hit.text, title=title, title_align="left", expand=True))
