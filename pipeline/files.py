"""Reading and writing the files users give and onbrand keeps: YAML with one-line errors, atomic
writes, and temporary files that name their writer.

    >>> atomic_write_text(Path("/tmp/ws/brands/x.yaml"), "name: x\\n")   # doctest: +SKIP
    >>> read_yaml_mapping(Path("brief.yaml"))["campaign"]                 # doctest: +SKIP
    'spring-citrus-launch'
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipeline.errors import UserError
from pipeline.slugs import safe_name


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


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so readers never see half a file."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, fsync, and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def tmp_path(folder: Path, name: str, suffix: str = ".png") -> Path:
    """A hidden temporary file that names its writer's process, so a sweep knows when it is orphaned
    (``.tmp-<pid>-<ns>-<name><suffix>``; see :func:`pipeline.review.sweep.sweep_orphans`)."""
    return folder / f".tmp-{os.getpid()}-{time.monotonic_ns()}-{safe_name(name)}{suffix}"


def tmp_writer_pid(path: Path) -> int | None:
    """The process id a :func:`tmp_path` names, or None for any other file."""
    if not path.name.startswith(".tmp-"):
        return None
    pid = path.name.split("-")[1]
    return int(pid) if pid.isdigit() else None
