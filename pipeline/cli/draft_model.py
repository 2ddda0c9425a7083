"""``onbrand train-draft-model`` and ``onbrand eval-draft-model``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.app import JsonFlag, app, emit_json, make_console, user_error
from pipeline.progress import Bars


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
    from pipeline.draft_model.model import TrainConfig, bundled_model_path
    from pipeline.draft_model.train import train

    given = {"steps": steps, "vae_steps": vae_steps, "scenes": scenes, "batch": batch, "lr": lr, "warmup": warmup}
    cfg = TrainConfig(seed=seed, workers=workers, **{k: v for k, v in given.items() if v is not None})
    target = out or bundled_model_path()
    if resume is not None and not (resume / "unet" / "config.json").is_file():
        raise user_error(f"--resume {resume}: not a draft model folder (no unet/config.json)")
    if vae_from is not None and not (vae_from / "vae" / "config.json").is_file():
        raise user_error(f"--vae-from {vae_from}: not a draft model folder (no vae/config.json)")
    if resume is not None and vae_from is not None:
        raise user_error("--resume already keeps the model's autoencoder; drop --vae-from")
    if layout_only and colour_only:
        raise user_error("--layout-only and --colour-only are separate stages; run one, then the other")
    if embedding_from is not None and not layout_only:
        raise user_error("--embedding-from only applies to --layout-only")
    if layout_only or colour_only:
        from pipeline.draft_model.finetune import FINETUNES, finetune

        name = "layout" if layout_only else "colour"
        part = "ControlNet" if layout_only else "UNet"
        if resume is None:
            raise user_error(f"--{name}-only needs --resume FOLDER: the draft model whose {part} to train")
        if embedding_from is not None and not (embedding_from / "controlnet" / "config.json").is_file():
            raise user_error(f"--embedding-from {embedding_from}: not a draft model folder (no controlnet/)")
        stage = FINETUNES[name].model_copy(update={"steps": steps or FINETUNES[name].steps})
        with Bars(make_console(stderr=True), per_phase=True, transient=False, with_eta=True) as update:
            record = finetune(resume, target, stage, name, embedding_from, update)
        if as_json:
            emit_json({"out": str(target), **record})
        else:
            make_console().print(f"[green]saved[/green] {target} ({name} fine-tune, {record['seconds'] / 60:.1f} min)")
        return
    with Bars(make_console(stderr=True), per_phase=True, transient=False, with_eta=True) as update:
        stats = train(cfg, target, update, resume=resume, vae_from=vae_from)
    if as_json:
        emit_json({"out": str(target), **stats})
    else:
        minutes = sum(stats["timings"].values()) / 60
        make_console().print(f"[green]saved[/green] {target} (trained in {minutes:.1f} min on {stats['device']})")


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
    from pipeline.draft_model.eval import run_eval

    with Bars(make_console(stderr=True), enabled=not as_json) as update:
        report = run_eval(model, out, count=cases, guidance=guidance, progress=update, with_speed=with_speed)
    summary = report["summary"]
    if as_json:
        emit_json(summary)
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
        make_console().print(table)
        make_console().print(f"report {out / 'report.json'}, contact sheet {out / 'sheet.png'}")
    if not summary["passed"]:
        raise typer.Exit(1)
