"""Helpers for the agent tests (the profiled workspace fixture, ``agent_settings``, is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import yaml


def write_brief(folder: Path, name: str, **fields: object) -> Path:
    data = {"campaign": name, "channels": ["instagram_post"], **fields}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
