"""Briefs by name: the workspace's ``briefs/`` folder first, then the bundled samples.

    >>> resolve_brief("spring-citrus-launch", settings)           # doctest: +SKIP
    PosixPath('.../data/briefs/spring-citrus-launch.yaml')

The CLI, the campaign flow, the chat agent and the UI all look briefs up here.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import UserError
from pipeline.settings import DATA_DIR, Settings


def brief_folders(settings: Settings) -> list[Path]:
    """Where briefs are looked up by name: the workspace's ``briefs/``, the configured
    ``brief_folders``, then the bundled samples."""
    return [settings.home / "briefs", *settings.brief_folders, DATA_DIR / "briefs"]


def known_briefs(settings: Settings) -> dict[str, Path]:
    """Brief name (file stem) -> path; a workspace brief shadows a sample of the same name."""
    found: dict[str, Path] = {}
    for folder in brief_folders(settings):
        if folder.is_dir():
            for path in sorted(folder.glob("*.y*ml")):
                found.setdefault(path.stem, path)
    return found


def resolve_brief(name: str, settings: Settings) -> Path:
    """A brief by name (``spring-citrus-launch``) or path; an unknown one is a user error listing the known."""
    path = Path(name).expanduser()
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path
    briefs = known_briefs(settings)
    if name in briefs:
        return briefs[name]
    raise UserError(f"no brief named '{name}'; known briefs: {', '.join(briefs) or 'none'} (or give a .yaml path)")
