"""Channels: where a draft is published, its final size, the aspect it renders at, and its safe area.

>>> load_channels()["instagram_story"].height
1920
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from pipeline.errors import UserError
from pipeline.files import read_yaml_mapping
from pipeline.models import ChannelSpec
from pipeline.settings import DATA_DIR

DEFAULT_CHANNELS_FILE = DATA_DIR / "channels.yaml"


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
