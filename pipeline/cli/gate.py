"""``onbrand check-prompt`` and ``onbrand evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.cli.app import JsonFlag, app, brand_profile_of, cli_settings, emit_json, error_line, make_console
from pipeline.cli.render import read_layout
from pipeline.progress import Bars

if TYPE_CHECKING:
    from pipeline.models import BrandProfile


@app.command("check-prompt")
def check_prompt_command(
    text: Annotated[str, typer.Argument(help="The prompt to check.")],
    brand: Annotated[str | None, typer.Option(help="Also apply this brand's rules (banned words, imagery).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run the prompt gate on one prompt; exits 1 when it is blocked, naming every rule it breaks.
    An allowed prompt the classifier is unsure about is "allowed, for review" (exit 0, the flag shown)."""
    from pipeline.gate.prompt import check_prompt

    profile = brand_profile_of(brand, cli_settings())
    verdict = check_prompt(text, profile)
    reading = verdict.classifier
    if reading is not None and reading.status == "unavailable":
        error_line(f"prompt classifier unavailable, the word lists alone checked this prompt: {reading.note}")
    if as_json:
        emit_json(
            {
                "allowed": verdict.allowed,
                "reasons": [r.model_dump(mode="json", exclude_none=True) for r in verdict.reasons],
                "review": verdict.review,
                "flags": [r.model_dump(mode="json", exclude_none=True) for r in verdict.flags],
                "classifier": reading.model_dump(mode="json", exclude_defaults=True) if reading else None,
            }
        )
    elif verdict.allowed:
        console = make_console()
        scope = f" (safety rules and {profile.name}'s rules)" if profile else ""
        if verdict.review:
            console.print(f"[yellow]allowed, for review[/yellow]{scope}")
            for flag in verdict.flags:
                console.print(f"  {flag.message}")
        else:
            console.print(f"[green]allowed[/green]{scope}")
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


@app.command("train-prompt-classifier")
def train_prompt_classifier_command(
    out: Annotated[Path | None, typer.Option(help="Weight file (default: the shipped one, replaced).")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the validation split and the fit.")] = 0,
    card: Annotated[bool, typer.Option("--card/--no-card", help="Rewrite the data card beside the weights.")] = True,
    as_json: JsonFlag = False,
) -> None:
    """Train the prompt gate's classifier (logistic regression over MiniLM embeddings) on
    data/safety/classifier/train.jsonl and the template planner's prompts; thresholds are chosen on a
    seeded validation split of that data. Seeded: the same data and seed give the same file."""
    from pipeline.gate.classifier import CARD_FILE, CLASSIFIER_FILE, train_prompt_classifier, write_card
    from pipeline.gate.prompt import PromptGate

    target = out or CLASSIFIER_FILE
    lists = PromptGate.lists_only()
    with Bars(make_console(stderr=True), enabled=not as_json, per_phase=True) as update:
        update("planning the sample briefs", 0, 1)
        prompts = planner_prompts()
        result = train_prompt_classifier(
            target, prompts, seed=seed, lists=lambda text: not lists.check(text).allowed, progress=update
        )
    if card:
        write_card(result, CARD_FILE if out is None else target.with_suffix(".md"))
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    console = make_console()
    console.print(f"[green]saved[/green] {result.path} ({result.bytes:,} bytes, C={result.regularisation})")
    console.print(
        f"thresholds: block {result.block_threshold:.3f}, review {result.review_threshold:.3f} "
        f"(chosen on {result.validation_items:,} validation items)"
    )
    console.print(
        f"validation, lists + classifier: unsafe recall {result.validation_recall:.1%} "
        f"({result.validation_recall_with_review:.1%} with review), false positives "
        f"{result.validation_false_positives:.2%} (prompts), {result.validation_tricky_false_positives:.2%} "
        f"(tricky and marketing)"
    )


def sample_profile() -> BrandProfile:
    """The sample brand's profile, read straight from data/brands/tidewell (no workspace needed)."""
    from pipeline.brand.profile import extract_profile
    from pipeline.knowledge.chunking import chunk_blocks
    from pipeline.knowledge.loaders.registry import load_document, supported_suffixes
    from pipeline.settings import DATA_DIR

    folder = DATA_DIR / "brands" / "tidewell" / "guidelines"
    chunks = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in supported_suffixes():
            chunks += chunk_blocks(load_document(path), brand="tidewell", source=path.name)
    return extract_profile("Tidewell", chunks)


def planner_prompts() -> list[str]:
    """The template planner's prompts for the sample briefs and the sample brand: benign marketing
    language (the classifier's training data, and the brand matching's calibration)."""
    from agents.planner import PlanRequest, plan_campaign
    from pipeline.campaign.briefs import load_brief
    from pipeline.campaign.channels import load_channels
    from pipeline.errors import UserError
    from pipeline.settings import DATA_DIR

    profile = sample_profile()
    channels = load_channels()
    prompts: list[str] = []
    for path in sorted((DATA_DIR / "briefs").glob("*.yaml")):
        brief = load_brief(path, channels)
        request = PlanRequest(
            brief=brief, profile=profile, channels={n: channels[n] for n in brief.channels}, drafts_per_channel=6
        )
        try:
            plan = plan_campaign(request)
        except UserError as exc:  # a gate that refuses the sample brief is a bug worth saying out loud
            error_line(f"{path.name}: not planned ({exc})")
            continue
        prompts += [d.prompt for d in plan.drafts]
    return list(dict.fromkeys(prompts))
