"""The ``onbrand`` command line.

Imports stay light at module level so that ``onbrand --help`` starts fast: Chroma, torch and
sentence-transformers load only inside the commands that need them.

Exit codes: 0 ok, 2 user error (one line on stderr naming the file or field and the fix),
1 internal error.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from pipeline.models import BrandProfile
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
app.add_typer(brand_app, name="brand")
review_app = typer.Typer(help="The review queue: list drafts, approve, reject, request changes.", no_args_is_help=True)
app.add_typer(brief_app, name="brief")
app.add_typer(review_app, name="review")

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _settings() -> Settings:
    from pipeline.settings import load_settings

    return load_settings()


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _error_line(message: str) -> None:
    sys.stderr.write(f"onbrand: error: {' '.join(message.split())}\n")


# --- ingest ----------------------------------------------------------------------------------


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
    from pipeline.brand_profile import extract_profile
    from pipeline.brand_store import ProfileStore
    from pipeline.knowledge import KnowledgeBase

    settings = _settings()
    kb = KnowledgeBase(settings)
    err = _console(stderr=True)
    with _progress(err, enabled=not as_json and err.is_terminal) as update:
        report = kb.ingest(paths, brand, rebuild=rebuild, prune=prune, progress=update)
    if report.documents:
        store = ProfileStore(settings)
        profile = extract_profile(report.brand, kb.chunks(report.brand))
        from pipeline.export import find_brand_kit

        kit = find_brand_kit(paths)
        if kit is not None:  # a "brand-kit" folder beside or inside the guidelines: logo and fonts for export
            profile = profile.model_copy(update={"brand_kit": str(kit)})
        store.save_extracted(profile)
    if as_json:
        _emit_json(report.model_dump(mode="json"))
    else:
        _print_ingest(report)
    for problem in report.errors:
        _error_line(f"{problem.file}: {problem.error}")
    if report.errors:
        raise typer.Exit(2)


class _progress:
    """A rich progress bar on stderr for long ingests; silent when not on a terminal."""

    def __init__(self, console: Console, enabled: bool) -> None:
        self.console, self.enabled = console, enabled
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task("ingesting", total=None)

        def update(what: str, done: int, total: int) -> None:
            self.bar.update(task, description=what, completed=done, total=total or None)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_ingest(report: Any) -> None:
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
    _console().print(table)


# --- search ----------------------------------------------------------------------------------


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="A question about the brand, e.g. 'clear space around the logo'.")],
    brand: Annotated[str, typer.Option("--brand", "-b", help="Brand to search.")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many passages.")] = 5,
    as_json: JsonFlag = False,
) -> None:
    """Find the guideline passages that answer a question (hybrid dense + BM25 retrieval)."""
    from pipeline.knowledge import KnowledgeBase
    from pipeline.retrieval import Retriever

    settings = _settings()
    hits = Retriever(KnowledgeBase(settings)).search(query, brand=brand, k=k)
    if as_json:
        _emit_json(
            [
                {
                    "text": h.text,
                    "source": h.source,
                    "section": h.section,
                    "score": h.score,
                    "chunk_id": h.chunk_id,
                    "page": h.page,
                }
                for h in hits
            ]
        )
        return
    from rich.panel import Panel

    console = _console()
    if not hits:
        console.print("No passages found.")
    for rank, hit in enumerate(hits, start=1):
        where = hit.source + (f" p.{hit.page}" if hit.page else "")
        title = f"[bold]{rank}.[/bold] {hit.section or '(no section)'}  [dim]{where} · score {hit.score:.2f}[/dim]"
        console.print(Panel(hit.text, title=title, title_align="left", expand=True))


# --- brand -----------------------------------------------------------------------------------


@brand_app.command("list")
def brand_list(as_json: JsonFlag = False) -> None:
    """Brands with ingested guidelines or an override file."""
    from pipeline.brand_store import ProfileStore
    from pipeline.knowledge import KnowledgeBase

    settings = _settings()
    kb = KnowledgeBase(settings)
    store = ProfileStore(settings)
    names = kb.brands()
    rows = []
    for name in names:
        try:
            profile = store.profile(name)
        except Exception:
            profile = None
        rows.append(
            {
                "name": name,
                "chunks": kb.revision(name)[1],
                "colors": len(profile.palette) if profile else 0,
                "override": store.override_path(name).is_file(),
            }
        )
    if as_json:
        _emit_json(rows)
        return
    from rich.table import Table

    table = Table(title="Brands")
    for col in ("name", "chunks", "colours", "override file"):
        table.add_column(col)
    for row in rows:
        table.add_row(str(row["name"]), str(row["chunks"]), str(row["colors"]), "yes" if row["override"] else "")
    _console().print(table if rows else "No brands yet: onbrand ingest PATH --brand NAME")


@brand_app.command("show")
def brand_show(name: Annotated[str, typer.Argument(help="Brand name.")], as_json: JsonFlag = False) -> None:
    """The brand profile: palette swatches, fonts, banned terms, tone, logo, imagery and layout rules."""
    from pipeline.brand_store import ProfileStore

    profile = ProfileStore(_settings()).profile(name)
    if as_json:
        _emit_json(profile.contract_json())
        return
    print_profile(profile, _console())


@brand_app.command("set")
def brand_set(
    name: Annotated[str, typer.Argument(help="Brand name.")],
    file: Annotated[Path, typer.Argument(help="YAML override file; its fields replace extracted ones.")],
) -> None:
    """Install an override file for a brand (validated first; the old one is kept if this one is bad)."""
    from pipeline.brand_store import ProfileStore

    target = ProfileStore(_settings()).set_override(name, file)
    _console().print(f"Override for [bold]{name}[/bold] saved to {target}")


def print_profile(profile: BrandProfile, console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    console.print(
        f"[bold]{profile.name}[/bold]"
        + (f"  [dim](overridden: {', '.join(profile.overridden)})[/dim]" if profile.overridden else "")
    )
    palette = Table(title="Palette", title_justify="left")
    for col in ("", "name", "hex", "role", "rgb", "cmyk", "from"):
        palette.add_column(col)
    for c in profile.palette:
        palette.add_row(
            Text("      ", style=f"on {c.hex}"),
            c.name,
            c.hex,
            c.role,
            ", ".join(map(str, c.rgb)) if c.rgb else "",
            "/".join(f"{v:g}" for v in c.cmyk) if c.cmyk else "",
            c.source.source if c.source else "",
        )
    console.print(palette)
    if profile.forbidden_colors:
        console.print("Never use: " + ", ".join(f"{c.name} {c.hex}" for c in profile.forbidden_colors))
    console.print(
        "[bold]Fonts:[/bold] "
        + (", ".join(f.family + (f" ({f.usage})" if f.usage else "") for f in profile.fonts) or "none found")
    )
    console.print("[bold]Banned terms:[/bold] " + (", ".join(t.term for t in profile.banned_terms) or "none found"))
    for title, rules in (("Tone", profile.tone), ("Logo", profile.logo_rules), ("Imagery", profile.imagery_rules)):
        table = Table(title=title, title_justify="left", show_header=False)
        table.add_column("", width=5)
        table.add_column("rule")
        table.add_column("from", style="dim")
        for r in rules:
            mark = {"do": "[green]do[/green]", "dont": "[red]don't[/red]"}.get(r.polarity, "")
            table.add_row(mark, r.text, r.source.source if r.source else "")
        if rules:
            console.print(table)
    layout = profile.layout_rules.model_dump(exclude={"sources"}, exclude_none=True)
    console.print(
        "[bold]Layout rules:[/bold] "
        + (json.dumps({k: v for k, v in layout.items() if v not in ([], None)}) or "none found")
    )
    if profile.sub_brands:
        console.print(
            "[dim]Sub-brands kept out of this profile: " + ", ".join(s.name for s in profile.sub_brands) + "[/dim]"
        )


# --- the bundled draft model ----------------------------------------------------------------


class _phase_bars:
    """One rich bar per training phase (scenes, autoencoder, encode, diffusion), with the last loss."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[info]}"),
            console=console,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Any:
        self.bar.start()
        return self.update

    def update(self, phase: str, done: int, total: int, info: dict[str, float]) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(phase, total=total, info="")
        text = "  ".join(f"{k} {v:.3f}" for k, v in info.items())
        self.bar.update(self.tasks[phase], completed=done, total=total, info=text)

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


@app.command("check-prompt")
def check_prompt_command(
    text: Annotated[str, typer.Argument(help="The prompt to check.")],
    brand: Annotated[str | None, typer.Option(help="Also apply this brand's rules (banned words, imagery).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run the prompt gate on one prompt; exits 1 when it is blocked, naming every rule it breaks."""
    from pipeline.prompt_gate import check_prompt

    profile = _brand_profile(brand, _settings())
    verdict = check_prompt(text, profile)
    if as_json:
        _emit_json(
            {
                "allowed": verdict.allowed,
                "reasons": [r.model_dump(mode="json", exclude_none=True) for r in verdict.reasons],
            }
        )
    elif verdict.allowed:
        _console().print("[green]allowed[/green]" + (f" (safety rules and {profile.name}'s rules)" if profile else ""))
    else:
        from rich.table import Table

        table = Table(title="blocked")
        for column in ("rule", "matched", "why"):
            table.add_column(column)
        for reason in verdict.reasons:
            table.add_row(reason.rule, reason.matched, reason.message)
        _console().print(table)
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
    from pipeline.image_checks import ImageGate, load_image

    settings = _settings()
    profile = _brand_profile(brand, settings)
    picture = load_image(image, settings.max_image_megapixels)
    boxes = _read_layout(layout, picture.width / picture.height) if layout is not None else None
    from pipeline.image_checks import Detectors

    gate = ImageGate(brand=profile, detectors=Detectors(clip_model=settings.clip_model))
    report = gate.evaluate(picture, draft_id=image.name, prompt=prompt, layout=boxes)
    if as_json:
        _emit_json(
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
    console = _console()
    console.print(table)
    for reason in report.reasons:
        console.print(f"  {reason}")
    if report.verdict == "reject":
        raise typer.Exit(1)


@app.command("train-draft-model")
def train_draft_model(
    out: Annotated[Path | None, typer.Option(help="Model folder (default: the bundled one, replaced whole).")] = None,
    steps: Annotated[int | None, typer.Option(min=1, help="UNet + ControlNet steps (default 4000).")] = None,
    vae_steps: Annotated[int | None, typer.Option(min=1, help="Autoencoder steps (default 1800).")] = None,
    scenes: Annotated[int | None, typer.Option(min=8, help="Scenes to draw (default 16000).")] = None,
    batch: Annotated[int | None, typer.Option(min=1, help="Batch size (default 32).")] = None,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    workers: Annotated[int, typer.Option(min=1, help="Processes drawing scenes.")] = 2,
    lr: Annotated[float | None, typer.Option(min=0, help="Peak learning rate of the UNet + ControlNet.")] = None,
    warmup: Annotated[int | None, typer.Option(min=1, help="Warm-up steps of the learning rate.")] = None,
    resume: Annotated[
        Path | None, typer.Option(help="Train a saved draft model further (keeps its autoencoder).")
    ] = None,
    vae_from: Annotated[
        Path | None,
        typer.Option(help="Keep the autoencoder of a saved draft model; train a new UNet + ControlNet."),
    ] = None,
    layout_only: Annotated[
        bool, typer.Option(help="With --resume: train only the ControlNet on layouts, the UNet frozen.")
    ] = False,
    colour_only: Annotated[
        bool,
        typer.Option(help="With --resume: train only the UNet, product colours weighted up, the ControlNet frozen."),
    ] = False,
    embedding_from: Annotated[
        Path | None, typer.Option(help="With --layout-only: start the condition embedding from this model.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Train onbrand's draft model from scratch (about 80 min on 2 CPU cores; uses a GPU when present)."""
    from pipeline.draft_model import TrainConfig, bundled_model_path, train

    given = {"steps": steps, "vae_steps": vae_steps, "scenes": scenes, "batch": batch, "lr": lr, "warmup": warmup}
    cfg = TrainConfig(seed=seed, workers=workers, **{k: v for k, v in given.items() if v is not None})
    target = out or bundled_model_path()
    if resume is not None and not (resume / "unet" / "config.json").is_file():
        raise _user_error(f"--resume {resume}: not a draft model folder (no unet/config.json)")
    if vae_from is not None and not (vae_from / "vae" / "config.json").is_file():
        raise _user_error(f"--vae-from {vae_from}: not a draft model folder (no vae/config.json)")
    if resume is not None and vae_from is not None:
        raise _user_error("--resume already keeps the model's autoencoder; drop --vae-from")
    if layout_only and colour_only:
        raise _user_error("--layout-only and --colour-only are separate stages; run one, then the other")
    if embedding_from is not None and not layout_only:
        raise _user_error("--embedding-from only applies to --layout-only")
    if layout_only or colour_only:
        from pipeline.draft_model import FINETUNES, finetune

        name = "layout" if layout_only else "colour"
        part = "ControlNet" if layout_only else "UNet"
        if resume is None:
            raise _user_error(f"--{name}-only needs --resume FOLDER: the draft model whose {part} to train")
        if embedding_from is not None and not (embedding_from / "controlnet" / "config.json").is_file():
            raise _user_error(f"--embedding-from {embedding_from}: not a draft model folder (no controlnet/)")
        stage = FINETUNES[name].model_copy(update={"steps": steps or FINETUNES[name].steps})
        with _phase_bars(_console(stderr=True)) as update:
            record = finetune(resume, target, stage, name, embedding_from, update)
        if as_json:
            _emit_json({"out": str(target), **record})
        else:
            _console().print(f"[green]saved[/green] {target} ({name} fine-tune, {record['seconds'] / 60:.1f} min)")
        return
    with _phase_bars(_console(stderr=True)) as update:
        stats = train(cfg, target, update, resume=resume, vae_from=vae_from)
    if as_json:
        _emit_json({"out": str(target), **stats})
    else:
        minutes = sum(stats["timings"].values()) / 60
        _console().print(f"[green]saved[/green] {target} (trained in {minutes:.1f} min on {stats['device']})")


@app.command("eval-draft-model")
def eval_draft_model(
    model: Annotated[str, typer.Option(help="Model folder, or 'bundled'.")] = "bundled",
    out: Annotated[Path, typer.Option(help="Folder for report.json and sheet.png.")] = Path("draft-model-eval"),
    cases: Annotated[int, typer.Option(min=2, help="Held-out prompts x seeds to render.")] = 48,
    guidance: Annotated[float | None, typer.Option(min=0, max=30, help="Default: the model's.")] = None,
    with_speed: Annotated[bool, typer.Option("--speed/--no-speed", help="Also time one image and a batch.")] = True,
    as_json: JsonFlag = False,
) -> None:
    """Colour and layout adherence on held-out phrasings, plus speed; exits 1 when a target is missed."""
    from pipeline.draft_eval import run_eval

    with _progress(_console(stderr=True), enabled=not as_json) as update:
        report = run_eval(
            model, out, count=cases, guidance=guidance, progress=_drop_info(update), with_speed=with_speed
        )
    summary = report["summary"]
    if as_json:
        _emit_json(summary)
    else:
        from rich.table import Table

        table = Table(title=f"Draft model eval: {summary['cases']} held-out prompts x seeds")
        for column in ("measure", "value", "target"):
            table.add_column(column)
        targets = summary["targets"]
        table.add_row(
            "background colour as asked",
            f"{summary['background_colour_accuracy']:.0%}",
            f">= {targets['background_colour']:.0%}",
        )
        table.add_row(
            "product colour as asked",
            f"{summary['product_colour_accuracy']:.0%}",
            f">= {targets['product_colour']:.0%}",
        )
        table.add_row("product on the box's side", f"{summary['side_accuracy']:.0%}", f">= {targets['side']:.0%}")
        table.add_row("box coverage (mean)", f"{summary['mean_box_coverage']:.0%}", f">= {targets['coverage']:.0%}")
        table.add_row("same seed, same image", str(summary["same_seed_same_image"]), "True")
        if with_speed:
            sp = summary["speed"]
            table.add_row("one 20-step image (model time)", f"{sp['one_image_s']:.2f} s", "<= 2 s on 2 CPU cores")
            table.add_row(f"batch of {sp['batch']}", f"{sp['batch_images_per_s']:.2f} images/s", "")
        _console().print(table)
        _console().print(f"report {out / 'report.json'}, contact sheet {out / 'sheet.png'}")
    if not summary["passed"]:
        raise typer.Exit(1)


def _drop_info(update: Any) -> Any:
    if update is None:
        return None
    return lambda what, done, total, _info: update(what, done, total)


# --- briefs, settings, demo ------------------------------------------------------------------


# --- generate -------------------------------------------------------------------------------


@app.command()
def generate(
    prompt: Annotated[str, typer.Argument(help="What to draw.")],
    negative: Annotated[str, typer.Option("--negative", help="What not to draw.")] = "",
    seed: Annotated[int, typer.Option(min=0, help="Random seed: same seed and inputs, same image.")] = 0,
    steps: Annotated[int | None, typer.Option(min=1, max=200, help="Default: the model's (20).")] = None,
    guidance: Annotated[
        float | None, typer.Option(min=0, max=30, help="Classifier-free guidance scale. Default: the model's.")
    ] = None,
    width: Annotated[int | None, typer.Option(help="Multiple of 8. Default: the model's resolution.")] = None,
    height: Annotated[int | None, typer.Option(help="Multiple of 8. Default: the model's resolution.")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="dpmpp_2m_karras, euler_a, euler, ddim, lcm or default.")
    ] = None,
    layout: Annotated[Path | None, typer.Option(help='LAYOUT.json: {"boxes":[{"role","x0","y0","x1","y1"}]}.')] = None,
    control_image: Annotated[Path | None, typer.Option(help="A reference image to build a condition from.")] = None,
    control_type: Annotated[str, typer.Option(help="canny, lineart, shuffle (offline); hed, depth, openpose.")] = (
        "canny"
    ),
    controlnet: Annotated[
        list[str] | None, typer.Option(help="ControlNet folder(s), one per condition, in the order given.")
    ] = None,
    control_scale: Annotated[float, typer.Option(min=0, max=2)] = 1.0,
    model: Annotated[str | None, typer.Option(help="Diffusers folder, .safetensors file or cached hub id.")] = None,
    init_image: Annotated[Path | None, typer.Option(help="img2img: start from this image.")] = None,
    strength: Annotated[float, typer.Option(min=0.01, max=1.0, help="img2img: how far to move from it.")] = 0.75,
    lora: Annotated[str | None, typer.Option(help="Brand style LoRA (.safetensors).")] = None,
    lora_scale: Annotated[float, typer.Option(min=0, max=2)] = 0.8,
    ip_adapter: Annotated[str | None, typer.Option(help="IP-Adapter weight file (image_encoder/ beside it).")] = None,
    ip_adapter_image: Annotated[Path | None, typer.Option(help="Style reference image for the IP-Adapter.")] = None,
    brand: Annotated[str | None, typer.Option(help="Check the prompt against this brand's rules too.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output PNG (default: onbrand-SEED.png).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Render one image with Stable Diffusion (+ ControlNet), with its settings embedded in the PNG.

    With no --model, the bundled draft model renders (128 px, CPU-fast), and a --layout uses the
    ControlNet it ships with."""
    from pydantic import ValidationError

    from pipeline.render import ControlSpec, Renderer, RenderJob, folder_controlnet, model_defaults, save_png
    from pipeline.settings import load_settings

    started = time.perf_counter()
    settings = load_settings()
    _gate_prompt(prompt, brand, settings)
    model = model or settings.diffusion_model
    defaults = model_defaults(model)
    width = width or defaults.resolution
    height = height or defaults.resolution
    out = out or Path(f"onbrand-{seed}.png")
    conditions = _conditions(layout, control_image, control_type, width, height, settings)
    nets = list(controlnet or [])
    own = folder_controlnet(model) if layout is not None and not nets else None
    if own:
        nets = [own]  # the model's own layout ControlNet (the bundled draft model ships one)
    if conditions and len(nets) != len(conditions):
        raise _user_error(
            f"{len(conditions)} condition(s) but {len(nets)} --controlnet folder(s); pass one --controlnet per "
            "condition (the layout first, then the control image)"
        )
    controls = []
    for n, ((kind, image), net) in enumerate(zip(conditions, nets, strict=False)):
        path = out.with_name(f"{out.stem}.control-{n}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        controls.append(ControlSpec(model=net, image=str(path), scale=control_scale, type=kind))
    try:
        job = RenderJob(
            prompt=prompt,
            negative_prompt=negative,
            seed=seed,
            steps=steps or defaults.steps,
            guidance=defaults.guidance if guidance is None else guidance,
            width=width,
            height=height,
            scheduler=scheduler or defaults.scheduler,
            controls=controls,
            init_image=str(init_image) if init_image else None,
            strength=strength,
            lora=lora,
            lora_scale=lora_scale,
            ip_adapter=ip_adapter,
            ip_adapter_image=str(ip_adapter_image) if ip_adapter_image else None,
            layout=_read_layout(layout, width / height).model_dump(mode="json") if layout else None,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise _user_error(f"--{'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from exc
    rendered = Renderer(device=settings.device, allow_downloads=settings.allow_downloads).render([job], model=model)[0]
    save_png(rendered, out)
    if as_json:
        _emit_json(
            {
                "out": str(out),
                "seconds": round(rendered.seconds, 3),
                "command_seconds": round(time.perf_counter() - started, 3),
                **rendered.job.model_dump(mode="json", exclude={"layout"}),
            }
        )
    else:
        _console().print(
            f"[green]saved[/green] {out} ({width}x{height}, seed {seed}, {rendered.seconds:.2f} s of model time)"
        )


def _brand_profile(brand: str | None, settings: Settings) -> BrandProfile | None:
    """The named brand's merged profile (a clear error for an unknown brand), or None."""
    if brand is None:
        return None
    from pipeline.brand_store import ProfileStore

    return ProfileStore(settings).profile(brand)


def _gate_prompt(prompt: str, brand: str | None, settings: Settings) -> None:
    """The prompt gate before any rendering: a blocked prompt is a user error naming every rule."""
    from pipeline.prompt_gate import check_prompt

    verdict = check_prompt(prompt, _brand_profile(brand, settings))
    if not verdict.allowed:
        raise _user_error(
            "the prompt gate blocked this prompt: "
            + "; ".join(f"{r.rule}: {r.message.removeprefix('blocked: ')}" for r in verdict.reasons)
        )


def _user_error(message: str) -> Exception:
    from pipeline.errors import UserError

    return UserError(message)


def _conditions(
    layout: Path | None, control_image: Path | None, control_type: str, width: int, height: int, settings: Settings
) -> list[tuple[str, Any]]:
    """ControlNet conditioning images from a layout file and/or a reference image."""
    from pipeline.layouts import draw_box_map, reference_condition

    out: list[tuple[str, Any]] = []
    if layout is not None:
        out.append(("boxes", draw_box_map(_read_layout(layout, width / height), width, height)))
    if control_image is not None:
        from pipeline.image_checks import load_image

        reference = load_image(control_image, settings.max_image_megapixels)  # capped: no decompression bombs
        annotators = str(settings.annotators) if settings.annotators else None
        out.append((control_type, reference_condition(reference, control_type, width, height, annotators)))
    return out


def _read_layout(path: Path, aspect: float) -> Any:
    from pydantic import ValidationError

    from pipeline.briefs import read_yaml_mapping
    from pipeline.models import Layout

    data = read_yaml_mapping(path)  # JSON is YAML
    try:
        return Layout.model_validate({"aspect": aspect, **data})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise _user_error(f"{path}: '{'.'.join(str(p) for p in err['loc'])}': {err['msg']}") from exc


@brief_app.command("check")
def brief_check(path: Annotated[Path, typer.Argument(help="brief.yaml")], as_json: JsonFlag = False) -> None:
    """Validate a brief: fields, channels, schedule."""
    from pipeline.briefs import load_brief

    brief = load_brief(path)
    if as_json:
        _emit_json(brief.model_dump(mode="json"))
    else:
        _console().print(
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

    plan = plan_brief(brief, _settings(), count=drafts, channels=channel)
    if as_json:
        _emit_json(plan.contract_json())
        return
    from rich.table import Table

    console = _console()
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
    from agents.campaign import check_request
    from agents.tools import resolve_brief
    from pipeline.briefs import load_brief

    settings = _settings()
    path = resolve_brief(brief, settings)
    check_request(load_brief(path), settings, drafts, channel)  # bad input is a clear error before the flow starts
    from flows.campaign import campaign_flow_for, run_here

    result = run_here(campaign_flow_for(settings), brief=str(path), count=drafts, channels=channel, max_replans=replans)
    if as_json:
        _emit_json({k: result[k] for k in ("campaign", "run_id", "drafts")})
        return
    from rich.table import Table

    table = Table(title=f"{result['campaign']} · run {result['run_id'][:8]}")
    for column in ("draft", "channel", "verdict", "status", "image"):
        table.add_column(column, overflow="fold")
    for d in result["drafts"]:
        table.add_row(d["id"], d["channel"], d["verdict"], d["status"].replace("_", " "), d["image"])
    console = _console()
    console.print(table)
    for warning in result["warnings"]:
        console.print(f"[yellow]warning[/yellow] {warning}")


def _store(settings: Settings) -> Any:
    from pipeline.review_store import ReviewStore

    return ReviewStore.from_settings(settings)


@review_app.command("list")
def review_list(
    campaign: Annotated[str | None, typer.Option(help="Only this campaign.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. in_review.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Drafts in the review store, with their verdicts and checks."""
    records = _store(_settings()).list_drafts(campaign=campaign, status=status)
    if as_json:
        _emit_json(
            [
                {
                    "id": r.id,
                    "campaign": r.campaign,
                    "channel": r.channel,
                    "image": r.image,
                    "status": r.status,
                    "verdict": r.verdict,
                    "checks": [{k: c.get(k) for k in ("name", "status", "score", "reason")} for c in r.checks],
                }
                for r in records
            ]
        )
        return
    from rich.table import Table

    table = Table(title=f"review queue ({len(records)} drafts)")
    for column in ("draft", "channel", "status", "verdict", "why"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(r.id, r.channel, r.status.replace("_", " "), r.verdict, "; ".join(r.reasons)[:100])
    _console().print(table)


@review_app.command("runs")
def review_runs(
    campaign: Annotated[str | None, typer.Option(help="Only this campaign.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 20,
    as_json: JsonFlag = False,
) -> None:
    """Recent campaign runs: who started them, how they ended, what they rendered."""
    runs = _store(_settings()).runs(campaign=campaign, limit=limit)
    if as_json:
        _emit_json([r.model_dump(mode="json") for r in runs])
        return
    from rich.table import Table

    table = Table(title=f"campaign runs ({len(runs)})")
    for column in ("run", "campaign", "trigger", "status", "started", "took", "planned", "rendered", "failed"):
        table.add_column(column, overflow="fold")
    colours = {"completed": "green", "running": "cyan", "failed": "red", "crashed": "red"}
    for r in runs:
        took = f"{(r.finished_at - r.started_at).total_seconds():.0f} s" if r.finished_at else ""
        table.add_row(
            r.id[:8],
            r.campaign,
            r.trigger,
            f"[{colours[r.status]}]{r.status}[/]" + (f" ({r.error[:60]})" if r.error else ""),
            f"{r.started_at:%Y-%m-%d %H:%M}",
            took,
            str(r.planned),
            str(r.rendered),
            str(r.failed),
        )
    _console().print(table)


def _decide(draft_id: str, action: str, by: str, note: str) -> Any:
    """Record one reviewer decision (a conflict is a one-line error) and return the draft's record."""
    from agents.tools import normalise_draft_id
    from pipeline.models import Decision

    if not by.strip():
        raise _user_error("--by is empty; give the reviewer's name")
    return _store(_settings()).decide(
        Decision(draft_id=normalise_draft_id(draft_id), action=action, reviewer=by.strip(), note=note)
    )


def _print_decision(record: Any, by: str, as_json: bool) -> None:
    if as_json:
        _emit_json({"id": record.id, "status": record.status, "by": by.strip()})
    else:
        _console().print(f"[green]{record.id}[/green] is {record.status.replace('_', ' ')} (by {by.strip()})")


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
        raise _user_error("--reason is empty; say why the draft is rejected")
    _print_decision(_decide(draft_id, "reject", by, reason), by, as_json)


@review_app.command("request-changes")
def review_request_changes(
    draft_id: Annotated[str, typer.Argument(help="Draft id (onbrand review list).")],
    by: Annotated[str, typer.Option(help="Reviewer's name.")],
    note: Annotated[str, typer.Option(help="What should change.")],
    as_json: JsonFlag = False,
) -> None:
    """Send a draft back: it is re-planned with the note, re-rendered and queued for review again."""
    if not note.strip():
        raise _user_error("--note is empty; say what should change")
    draft_id = _decide(draft_id, "request_changes", by, note.strip()).id
    from flows.campaign import revise_flow, run_here

    revised = run_here(revise_flow, draft_id=draft_id, note=note.strip())
    if as_json:
        _emit_json({"id": draft_id, "status": "changes_requested", "by": by.strip(), "revised": revised})
    else:
        _console().print(
            f"{draft_id}: changes requested by {by.strip()}; re-planned as [green]{revised['id']}[/green] "
            f"({revised['verdict']}, {revised['status'].replace('_', ' ')})"
        )


@app.command("serve")
def serve_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be scheduled, then exit.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Serve a Prefect deployment per brief: on its cron schedule, or on demand (workspace briefs/ and samples)."""
    from agents.tools import known_briefs
    from flows.serve import scheduled_briefs

    scheduled, warnings = scheduled_briefs(known_briefs(_settings()), on_demand=True)
    for warning in warnings:
        _error_line(warning)
    if as_json or dry_run:
        if as_json:
            _emit_json([s.model_dump() for s in scheduled])
        else:
            for s in scheduled:
                when = f"'{s.cron}' (UTC)" if s.cron else "on demand"
                _console().print(f"{s.name}: {when} -> {s.brief}")
        return
    if not scheduled:
        raise _user_error("no valid brief to serve; add one under the workspace's briefs/ folder")
    from flows.serve import serve_briefs

    serve_briefs(scheduled)


ui_app = typer.Typer(help="The review UI (Streamlit): start it, add users.", invoke_without_command=True)
app.add_typer(ui_app, name="ui")


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

    settings = _settings()
    users = load_users(users_path(settings.home))  # a broken users file is a one-line error before the start
    warning = exposure_warning(host, users is not None)
    if warning:
        sys.stderr.write(f"onbrand: warning: {warning}\n")
    sys.stderr.write(f"onbrand: review UI on http://{host}:{port} (workspace {settings.home})\n")
    serve(host, port)


@ui_app.command("add-user")
def ui_add_user(
    username: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits, '.', '_' or '-'.")],
    role: Annotated[str, typer.Option(help="reviewer (may decide) or viewer (may only look).")] = "reviewer",
    name: Annotated[str | None, typer.Option(help="Display name, e.g. 'Maya Lind'.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Add a user to the workspace's users.yaml (bcrypt hash), or change one's password, role or name."""
    from ui.users import add_user, users_path

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    path = users_path(_settings().home)
    user = add_user(path, username, password, role, name)
    _console().print(f"[green]{user.username}[/green] ({user.role}) saved to {path}")


@app.command("export")
def export_command(
    campaign: Annotated[str, typer.Argument(help="Campaign name (onbrand review list).")],
    out: Annotated[Path, typer.Option(help="Folder for the files, the manifest and the zip.")],
    kit: Annotated[Path | None, typer.Option(help="Brand kit folder (logo, fonts); default: the brand's.")] = None,
    upscaler: Annotated[
        str | None,
        typer.Option(help="'lanczos', a diffusers x4-upscaler folder or an ESRGAN file; default ONBRAND_UPSCALER."),
    ] = None,
    c2pa: Annotated[
        bool, typer.Option("--c2pa", help="Sign each PNG with C2PA Content Credentials (ONBRAND_C2PA).")
    ] = False,
    watermark: Annotated[
        bool, typer.Option("--watermark", help="Hide an invisible watermark in each PNG (ONBRAND_WATERMARK).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Compose every approved draft of a campaign at its channel's final size, with its history."""
    from pipeline.export import export_campaign

    if kit is not None and not kit.is_dir():
        raise _user_error(f"--kit {kit}: no such folder")
    settings = _settings()
    if upscaler is not None:
        settings = settings.model_copy(update={"upscaler": upscaler})
    result = export_campaign(campaign, out, settings, kit, c2pa=c2pa or None, watermark=watermark or None)
    if as_json:
        _emit_json({"files": [f.path for f in result.files], "manifest": str(result.manifest), "zip": str(result.zip)})
        return
    console = _console()
    for f in result.files:
        console.print(f"[green]exported[/green] {f.path} ({f.width}x{f.height}, approved by {f.approver or '?'})")
        for note in f.notes:
            console.print(f"  [yellow]{note}[/yellow]")
    console.print(f"manifest {result.manifest}\nzip {result.zip}")
    if result.c2pa_trust_anchor is not None:
        console.print(
            f"[yellow]C2PA signed with a local self-signed certificate: validators report it untrusted unless "
            f"{result.c2pa_trust_anchor} is on their trust list[/yellow]"
        )


@app.command("chat")
def chat_command(
    message: Annotated[str | None, typer.Argument(help="One request; without it, an interactive chat.")] = None,
    brand: Annotated[str | None, typer.Option("--brand", "-b", help="Brand the chat is about.")] = None,
    reviewer: Annotated[
        str | None, typer.Option(help="Chat as this reviewer: approve and reject become available.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Ask the agent: guideline questions, prompt checks, plans, campaign runs, review status."""
    from agents.chat import ChatAgent
    from agents.tools import ChatSession

    settings = _settings()
    if brand is not None:
        _brand_profile(brand, settings)  # an unknown brand is a clear error before anything runs
    session = ChatSession(
        settings=settings, brand=brand, user=reviewer or "chat", role="reviewer" if reviewer else "viewer"
    )
    agent = ChatAgent.from_settings(session)
    console = _console()

    def answer(text: str) -> None:
        reply = agent.respond(text)
        if as_json:
            _emit_json(reply.contract_json())
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
                _error_line(str(exc))


@app.command("settings")
def show_settings(as_json: JsonFlag = False) -> None:
    """The effective settings (defaults, config file, ONBRAND_* variables)."""
    data = _settings().model_dump(mode="json")
    if as_json:
        _emit_json(data)
        return
    from rich.table import Table

    table = Table(title="Settings")
    table.add_column("setting")
    table.add_column("value")
    for key, value in data.items():
        table.add_row(key, str(value))
    _console().print(table)


@app.command()
def demo(
    brand_dir: Annotated[Path | None, typer.Option(help="Sample brand folder.")] = None,
) -> None:
    """Run the main job on the bundled sample brand: ingest, profile, a few questions, the briefs."""
    from pipeline.brand_profile import extract_profile
    from pipeline.brand_store import ProfileStore
    from pipeline.briefs import load_brief
    from pipeline.knowledge import KnowledgeBase
    from pipeline.retrieval import Retriever
    from pipeline.settings import DATA_DIR

    settings = _settings()
    console = _console()
    folder = brand_dir or DATA_DIR / "brands" / "tidewell" / "guidelines"
    console.rule("1. Ingest brand guidelines")
    kb = KnowledgeBase(settings)
    with _progress(_console(stderr=True), enabled=True) as update:
        report = kb.ingest([folder], "Tidewell", progress=update)
    _print_ingest(report)
    profile = extract_profile(report.brand, kb.chunks(report.brand))
    ProfileStore(settings).save_extracted(profile)
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
    _demo_drafts(settings, ProfileStore(settings).profile(report.brand), console)
    for problem in report.errors:
        _error_line(f"{problem.file}: {problem.error}")


def _demo_drafts(settings: Settings, profile: BrandProfile, console: Console) -> None:
    """The first sample brief as a campaign run (Prefect flow): planned by the agent, two drafts per
    channel rendered by the bundled model, gated, re-planned where the gate rejects, stored for review."""
    from rich.table import Table

    from agents.campaign import plan_brief
    from pipeline.settings import DATA_DIR

    brief = sorted((DATA_DIR / "briefs").glob("*.yaml"))[0]
    plan = plan_brief(brief, settings, count=2)
    table = Table(title=f"plan: {plan.campaign} ({plan.planner} planner, model {settings.diffusion_model})")
    for column in ("draft", "size", "layout", "prompt"):
        table.add_column(column, overflow="fold")
    for d in plan.drafts:
        table.add_row(d.id, f"{d.width}x{d.height}", d.layout.template, d.prompt[:110] + "...")
    console.print(table)
    for warning in plan.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}")
    from flows.campaign import campaign_flow, run_here

    console.print("[dim]campaign run: rendering, gating, storing for review[/dim]")
    result = run_here(campaign_flow, brief=str(brief), count=2, settings_overrides={"home": str(settings.home)})
    gate = Table(title=f"campaign run {result['run_id'][:8]}: drafts in the review store")
    for column in ("draft", "verdict", "status", "why", "image"):
        gate.add_column(column, overflow="fold")
    for d in result["drafts"]:
        why = "; ".join(r for r in d["reasons"] if "waiting for a person" not in r)[:90] or "all checks passed"
        gate.add_row(d["id"], d["verdict"], d["status"].replace("_", " "), why, d["image"])
    console.print(gate)
    console.print(
        "Next: [bold]onbrand review list[/bold], then [bold]onbrand review approve ID --by NAME[/bold] "
        "(or reject / request-changes)."
    )


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        from importlib.metadata import version as pkg_version

        typer.echo(f"onbrand {pkg_version('onbrand')}")
        raise typer.Exit(0)


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
        _error_line(str(exc))
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
        _error_line(str(found))
        return 2
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())


def run() -> None:
    sys.exit(main())
