"""Channels and briefs: the YAML files users write, validated with errors that say how to fix them.

>>> from pipeline.briefs import load_channels
>>> load_channels()["instagram_story"].height
1920
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipeline.errors import UserError
from pipeline.models import Brief, ChannelSpec
from pipeline.settings import DATA_DIR

DEFAULT_CHANNELS_FILE = DATA_DIR / "channels.yaml"


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; every problem becomes a one-line UserError."""
    if not path.exists():
        raise UserError(f"{path}: no such file")
    if not path.is_file():
        raise UserError(f"{path}: is not a file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text; re-save it as UTF-8") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UserError(f"{path}: invalid YAML{where}; fix the syntax") from exc
    except RecursionError as exc:
        raise UserError(f"{path}: nested too deeply to read (lists or mappings thousands of levels deep)") from exc
    # A value the safe loader cannot build: "2024-13-45", "!!int 0x", "!!timestamp soon".
    except (ValueError, TypeError, OverflowError, AttributeError) as exc:
        raise UserError(f"{path}: invalid YAML value ({exc}); quote it to keep it as text") from exc
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of field: value at the top level")
    return data


def describe_validation_error(path: Path, exc: ValidationError) -> str:
    """One line naming the file, the field and the problem (the first one; fix and re-run)."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"{path}: unknown field '{field}'; remove it or check its spelling"
    if err["type"] == "missing":
        return f"{path}: missing required field '{field}'"
    return f"{path}: '{field}': {err['msg']}"


def load_channels(path: Path | None = None) -> dict[str, ChannelSpec]:
    path = path or DEFAULT_CHANNELS_FILE
    data = read_yaml_mapping(path)
    out: dict[str, ChannelSpec] = {}
    for i, raw in enumerate(data.get("channels") or []):
        try:
            spec = ChannelSpec.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise UserError(f"{path}: channels[{i}].{field}: {err['msg']}") from exc
        out[spec.name] = spec
    if not out:
        raise UserError(f"{path}: lists no channels")
    return out


def load_brief(path: Path, channels: dict[str, ChannelSpec] | None = None) -> Brief:
    """Load and validate a brief, including that every channel exists.

    >>> brief = load_brief(Path("data/briefs/spring-citrus-launch.yaml"))  # doctest: +SKIP
    """
    channels = channels if channels is not None else load_channels()
    data = read_yaml_mapping(path)
    try:
        brief = Brief.model_validate(data)
    except ValidationError as exc:
        raise UserError(describe_validation_error(path, exc)) from exc
    for name in brief.channels:
        if name not in channels:
            close = difflib.get_close_matches(name, list(channels), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UserError(f"{path}: 'channels' lists '{name}'{hint}; known channels: {', '.join(sorted(channels))}")
    return brief
