"""``onbrand export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.app import JsonFlag, app, cli_actor, cli_settings, emit_json, error_line, make_console, user_error


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
    without_logo: Annotated[
        bool, typer.Option("--without-logo", help="Export even though the brand kit has no logo file.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Compose every approved draft of a campaign at its channel's final size, with its history."""
    from pipeline.export.campaign import export_campaign

    if kit is not None and not kit.is_dir():
        raise user_error(f"--kit {kit}: no such folder")
    settings = cli_settings()
    if upscaler is not None:
        settings = settings.model_copy(update={"upscaler": upscaler})
    if without_logo:
        from pipeline.export.campaign import export_warnings

        for warning in export_warnings(campaign, settings, kit):
            error_line(f"warning: {warning}")
    result = export_campaign(
        campaign,
        out,
        settings,
        kit,
        actor=cli_actor(),
        c2pa=c2pa or None,
        watermark=watermark or None,
        without_logo=without_logo,
    )
    if as_json:
        emit_json({"files": [f.path for f in result.files], "manifest": str(result.manifest), "zip": str(result.zip)})
        return
    console = make_console()
    for f in result.files:
        console.print(f"[green]exported[/green] {f.path} ({f.width}x{f.height}, approved by {f.approver or '?'})")
        for role, colour in f.text_colour.items():
            console.print(f"  [dim]{role} in {colour.name or colour.hex}: {colour.reason}[/dim]", highlight=False)
        for note in f.notes:
            console.print(f"  [yellow]{note}[/yellow]")
    console.print(f"manifest {result.manifest}\nzip {result.zip}")
    if result.c2pa_trust_anchor is not None:
        console.print(
            f"[yellow]C2PA signed with a local self-signed certificate: validators report it untrusted unless "
            f"{result.c2pa_trust_anchor} is on their trust list[/yellow]"
        )
