"""Files people upload through the UI: capped in size, checked by type and content, and never
trusted for their names (plain Python, no Streamlit).

    >>> safe_filename("../../etc/passwd.md", GUIDELINE_TYPES)
    'passwd.md'
    >>> safe_filename("Brand Book (v2).PDF", GUIDELINE_TYPES)
    'Brand-Book-v2.pdf'
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path, PurePosixPath

from pipeline.errors import UserError
from pipeline.models import Actor, Brief

BRIEF_TYPES = ("yaml", "yml")
GUIDELINE_TYPES = ("md", "markdown", "txt", "pdf", "html", "htm", "docx")
MAX_BRIEF_BYTES = 256 * 1024
MAX_GUIDELINE_MB = 50
# What the first bytes of a binary type look like; text types must be UTF-8 instead.
MAGIC = {"pdf": (b"%PDF-",), "docx": (b"PK\x03\x04",)}


def safe_filename(name: str, allowed: tuple[str, ...]) -> str:
    """The upload's base name with only letters, digits, '.', '_' and '-', and an allowed suffix.
    Folders in the name (``../``, ``C:\\``) are dropped, never followed."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    suffix = suffix.lower()
    if not dot or suffix not in allowed:
        raise UserError(f"{base or name!r}: not a {', '.join('.' + a for a in allowed)} file")
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_")[:80]
    return f"{cleaned or 'upload'}.{suffix}"


def check_upload(name: str, data: bytes, allowed: tuple[str, ...], max_bytes: int) -> str:
    """The safe file name for an upload, after its size and content are checked."""
    safe = safe_filename(name, allowed)
    if len(data) > max_bytes:
        raise UserError(f"{safe}: {len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:g} MB limit for this upload")
    if not data:
        raise UserError(f"{safe}: the file is empty")
    suffix = safe.rsplit(".", 1)[1]
    magic = MAGIC.get(suffix)
    if magic is not None:
        if not data.startswith(magic):
            raise UserError(f"{safe}: the content is not a {suffix.upper()} file; upload the original document")
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UserError(f"{safe}: not UTF-8 text; re-save it as UTF-8") from exc
    return safe


def read_brief(name: str, data: bytes) -> Brief:
    """Validate an uploaded brief exactly as ``onbrand brief check`` would; errors name the upload."""
    from pipeline.campaign.briefs import load_brief

    safe = check_upload(name, data, BRIEF_TYPES, MAX_BRIEF_BYTES)
    with tempfile.TemporaryDirectory(prefix="onbrand-upload-") as folder:
        path = Path(folder) / safe
        path.write_bytes(data)
        try:
            return load_brief(path)
        except UserError as exc:
            raise UserError(str(exc).replace(str(path), safe)) from exc


def brief_target(home: Path, brief: Brief) -> Path:
    """Where a brief is kept in the workspace: ``briefs/<campaign>.yaml`` (its name for runs and schedules)."""
    from pipeline.slugs import safe_name

    return home / "briefs" / f"{safe_name(brief.campaign)}.yaml"


def save_brief(home: Path, brief: Brief, data: bytes, actor: Actor, replace: bool = False) -> Path:
    """Keep an uploaded brief in the workspace (``actor``: admin role)."""
    from pipeline.files import atomic_write_text

    actor.require("upload")
    target = brief_target(home, brief)
    if target.exists() and not replace and target.read_bytes() != data:
        raise UserError(f"the workspace already has a brief named '{target.stem}'; tick 'replace' to overwrite it")
    atomic_write_text(target, data.decode("utf-8"))
    return target


def guideline_folder(home: Path, brand: str) -> Path:
    from pipeline.slugs import brand_slug

    return home / "guidelines" / brand_slug(brand)


def save_guidelines(home: Path, brand: str, files: list[tuple[str, bytes]], max_mb: float, actor: Actor) -> list[Path]:
    """Check every upload first, then write them under ``guidelines/<brand>/`` (nothing is written
    when one of them is refused; ``actor``: admin role)."""
    actor.require("upload")
    checked = [
        (check_upload(name, data, GUIDELINE_TYPES, int(min(max_mb, MAX_GUIDELINE_MB) * 1e6)), data)
        for name, data in files
    ]
    names = [n for n, _ in checked]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UserError(f"two uploads are both named '{twice[0]}'; rename one")
    folder = guideline_folder(home, brand)
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for safe, data in checked:
        target = folder / safe
        tmp = folder / f".{safe}.part"
        tmp.write_bytes(data)
        tmp.replace(target)
        saved.append(target)
    return saved
