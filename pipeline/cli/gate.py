"""``onbrand check-prompt`` and ``onbrand evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.app import JsonFlag, app, brand_profile_of, cli_settings, emit_json, make_console
from pipeline.cli.render import read_layout


@app.command("check-prompt")
def check_prompt_command(
    text: Annotated[str, typer.Argument(help="The prompt to check.")],
    brand: Annotated[str | None, typer.Option(help="Also apply this brand's rules (banned words, imagery).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run the prompt gate on one prompt; exits 1 when it is blocked, naming every rule it breaks."""
    from pipeline.gate.prompt import check_prompt

    profile = brand_profile_of(brand, cli_settings())
    verdict = check_prompt(text, profile)
    if as_json:
        emit_json(
            {
                "allowed": verdict.allowed,
                "reasons": [r.model_dump(mode="json", exclude_none=True) for r in verdict.reasons],
            }
        )
    elif verdict.allowed:
        make_console().print(
            "[green]allowed[/green]" + (f" (safety rules and {profile.name}'s rules)" if profile else "")
        )
    else:
        from rich.table import Table

        table = Table(title="blocked")
        for column in ("rule", "matched", "why"):
            table.add_column(column)
        for reason in verdict.reasons:
            table.add_row(reason.rule, reason.matched, reason.message)
        make_console().print(table)
    if not verdict.allowed:
        raise typer.Exit(1)


@app.command("evaluate")
def evaluate_command(
    image: Annotated[Path, typer.Argument(help="The draft image (PNG, JPEG or WebP).")],
    brand: Annotated[str | None, typer.Option(help="Brand whose palette, people rules and gate policy apply.")] = None,
    prompt: Annotated[str | None, typer.Option(help="The prompt the draft was rendered from.")] = None,
    layout: Annotated[Path | None, typer.Option(help="Layout JSON: its product, headline, logo and CTA boxes.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run the eval and safety gate on one image: each check and the verdict; exits 1 when rejected."""
    from pipeline.gate.image import ImageGate
    from pipeline.gate.measure import load_image

    settings = cli_settings()
    profile = brand_profile_of(brand, settings)
    picture = load_image(image, settings.max_image_megapixels)
    boxes = read_layout(layout, picture.width / picture.height) if layout is not None else None
    from pipeline.gate.detectors import Detectors

    gate = ImageGate(brand=profile, detectors=Detectors(clip_model=settings.clip_model))
    report = gate.evaluate(picture, draft_id=image.name, prompt=prompt, layout=boxes)
    if as_json:
        emit_json(
            {
                "verdict": report.verdict,
                "reasons": report.reasons,
                "checks": [
                    {"name": c.name, "status": c.status, "score": c.score, "reason": c.reason} for c in report.checks
                ],
            }
        )
        if report.verdict == "reject":
            raise typer.Exit(1)
        return
    from rich.table import Table

    colours = {"pass": "green", "warn": "yellow", "fail": "red", "skipped": "dim"}
    table = Table(title=f"{image.name}: {report.verdict}")
    for column in ("check", "status", "score", "reason"):
        table.add_column(column)
    for c in report.checks:
        score = "" if c.score is None else f"{c.score:.2f}"
        table.add_row(c.name, f"[{colours[c.status]}]{c.status}[/]", score, c.reason)
    console = make_console()
    console.print(table)
    for reason in report.reasons:
        console.print(f"  {reason}")
    if report.verdict == "reject":
        raise typer.Exit(1)
