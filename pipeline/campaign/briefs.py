"""Briefs: the YAML file a marketer writes, validated with errors that say how to fix them.

>>> brief = load_brief(Path("data/briefs/spring-citrus-launch.yaml"))   # doctest: +SKIP
>>> brief.channels
['instagram_post', 'instagram_story', 'web_banner']
"""

from __future__ import annotations

import difflib
from pathlib import Path

from pydantic import ValidationError

from pipeline.campaign.channels import load_channels
from pipeline.errors import UserError
from pipeline.files import describe_validation_error, read_yaml_mapping
from pipeline.models import Brief, ChannelSpec


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
