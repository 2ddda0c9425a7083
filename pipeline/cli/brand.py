"""``onbrand brand list | show | set``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.cli.app import JsonFlag, brand_app, cli_actor, cli_settings, emit_json, make_console

if TYPE_CHECKING:
    from rich.console import Console

    from pipeline.models import BrandProfile


@brand_app.command("list")
def brand_list(as_json: JsonFlag = False) -> None:
    """Brands with ingested guidelines or an override file."""
    from pipeline.brand.store import ProfileStore
    from pipeline.knowledge.store import KnowledgeBase

    settings = cli_settings()
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
        emit_json(rows)
        return
    from rich.table import Table

    table = Table(title="Brands")
    for col in ("name", "chunks", "colours", "override file"):
        table.add_column(col)
    for row in rows:
        table.add_row(str(row["name"]), str(row["chunks"]), str(row["colors"]), "yes" if row["override"] else "")
    make_console().print(table if rows else "No brands yet: onbrand ingest PATH --brand NAME")


@brand_app.command("show")
def brand_show(name: Annotated[str, typer.Argument(help="Brand name.")], as_json: JsonFlag = False) -> None:
    """The brand profile: palette swatches, fonts, banned terms, tone, logo, imagery and layout rules."""
    from pipeline.brand.store import ProfileStore
    from pipeline.brand.trust import needs_a_look

    profile = ProfileStore(cli_settings()).profile(name)
    if as_json:
        emit_json({**profile.contract_json(), "needs_a_look": needs_a_look(profile)})
        return
    print_profile(profile, make_console())


@brand_app.command("set")
def brand_set(
    name: Annotated[str, typer.Argument(help="Brand name.")],
    file: Annotated[Path, typer.Argument(help="YAML override file; its fields replace extracted ones.")],
) -> None:
    """Install an override file for a brand (validated first; the old one is kept if this one is bad)."""
    from pipeline.brand.store import ProfileStore

    target = ProfileStore(cli_settings()).set_override(name, file, cli_actor())
    make_console().print(f"Override for [bold]{name}[/bold] saved to {target}")


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
    if profile.tints:
        by_base: dict[str, list[str]] = {}
        for t in profile.tints:
            by_base.setdefault(t.base, []).append(f"{t.name} {t.hex}")
        for base, tints in by_base.items():
            console.print(f"[dim]Tints of {base}:[/dim] " + ", ".join(tints), highlight=False)
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
    from pipeline.brand.trust import needs_a_look

    look = needs_a_look(profile)
    if look:
        console.print("[bold yellow]Needs a look[/bold yellow] (fix in the override file: onbrand brand set):")
        for line in look:
            console.print(f"  - {line}", highlight=False)
