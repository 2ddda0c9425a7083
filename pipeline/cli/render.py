"""``onbrand generate``: one image, with its settings embedded in the PNG."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipeline.cli.app import JsonFlag, app, brand_profile_of, emit_json, make_console, user_error

if TYPE_CHECKING:
    from pipeline.render.jobs import ControlSpec
    from pipeline.settings import Settings


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

    from pipeline.render.jobs import RenderJob
    from pipeline.render.loading import model_defaults
    from pipeline.render.png import save_png
    from pipeline.render.renderer import Renderer
    from pipeline.settings import load_settings

    started = time.perf_counter()
    settings = load_settings()
    _gate_prompt(prompt, brand, settings)
    model = model or settings.diffusion_model
    defaults = model_defaults(model)
    width = width or defaults.resolution
    height = height or defaults.resolution
    out = out or Path(f"onbrand-{seed}.png")
    reference = (control_image, control_type)
    controls = _controls(model, layout, reference, controlnet or [], control_scale, (width, height), out, settings)
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
            layout=read_layout(layout, width / height).model_dump(mode="json") if layout else None,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise user_error(f"--{'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from exc
    rendered = Renderer(device=settings.device, allow_downloads=settings.allow_downloads).render([job], model=model)[0]
    save_png(rendered, out)
    if as_json:
        seconds = {"seconds": round(rendered.seconds, 3), "command_seconds": round(time.perf_counter() - started, 3)}
        emit_json({"out": str(out), **seconds, **rendered.job.model_dump(mode="json", exclude={"layout"})})
    else:
        make_console().print(
            f"[green]saved[/green] {out} ({width}x{height}, seed {seed}, {rendered.seconds:.2f} s of model time)"
        )


def _controls(
    model: str,
    layout: Path | None,
    reference: tuple[Path | None, str],
    controlnets: list[str],
    scale: float,
    size: tuple[int, int],
    out: Path,
    settings: Settings,
) -> list[ControlSpec]:
    """One ControlNet input per condition (the layout first, then the reference image), each condition
    saved beside the output PNG. With a layout and no --controlnet, the model's own layout ControlNet."""
    from pipeline.render.jobs import ControlSpec
    from pipeline.render.loading import folder_controlnet

    conditions = control_conditions(layout, reference[0], reference[1], size[0], size[1], settings)
    nets = list(controlnets)
    own = folder_controlnet(model) if layout is not None and not nets else None
    if own:
        nets = [own]  # the bundled draft model ships one
    if conditions and len(nets) != len(conditions):
        raise user_error(
            f"{len(conditions)} condition(s) but {len(nets)} --controlnet folder(s); pass one --controlnet per "
            "condition (the layout first, then the control image)"
        )
    controls = []
    for n, ((kind, image), net) in enumerate(zip(conditions, nets, strict=False)):
        path = out.with_name(f"{out.stem}.control-{n}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        controls.append(ControlSpec(model=net, image=str(path), scale=scale, type=kind))
    return controls


def _gate_prompt(prompt: str, brand: str | None, settings: Settings) -> None:
    """The prompt gate before any rendering: a blocked prompt is a user error naming every rule."""
    from pipeline.gate.prompt import check_prompt

    verdict = check_prompt(prompt, brand_profile_of(brand, settings))
    if not verdict.allowed:
        raise user_error(
            "the prompt gate blocked this prompt: "
            + "; ".join(f"{r.rule}: {r.message.removeprefix('blocked: ')}" for r in verdict.reasons)
        )


def control_conditions(
    layout: Path | None, control_image: Path | None, control_type: str, width: int, height: int, settings: Settings
) -> list[tuple[str, Any]]:
    """ControlNet conditioning images from a layout file and/or a reference image."""
    from pipeline.campaign.conditions import draw_box_map, reference_condition

    out: list[tuple[str, Any]] = []
    if layout is not None:
        out.append(("boxes", draw_box_map(read_layout(layout, width / height), width, height)))
    if control_image is not None:
        from pipeline.gate.measure import load_image

        reference = load_image(control_image, settings.max_image_megapixels)  # capped: no decompression bombs
        annotators = str(settings.annotators) if settings.annotators else None
        out.append((control_type, reference_condition(reference, control_type, width, height, annotators)))
    return out


def read_layout(path: Path, aspect: float) -> Any:
    from pydantic import ValidationError

    from pipeline.files import read_yaml_mapping
    from pipeline.models import Layout

    data = read_yaml_mapping(path)  # JSON is YAML
    try:
        return Layout.model_validate({"aspect": aspect, **data})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise user_error(f"{path}: '{'.'.join(str(p) for p in err['loc'])}': {err['msg']}") from exc
