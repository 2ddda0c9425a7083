"""Sweeping what an interrupted run left in the workspace."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pipeline.files import tmp_writer_pid


def sweep_orphans(folder: Path, referenced: set[str], since: datetime | None = None) -> int:
    """Remove what an interrupted run left in a campaign's drafts folder: temporary files of dead
    processes, and, with ``since`` (when the crashed run started), images and conditions written
    since then that no stored draft points to. Call it only when no other run of the campaign is
    active. Returns the number of files removed."""
    import os

    if not folder.is_dir():
        return 0
    keep = {str(Path(p).resolve()) for p in referenced}
    after = since.timestamp() if since is not None else None
    removed = 0
    for path in [
        *folder.glob("*.png"),
        *folder.glob(".*.png"),
        *folder.glob("conditions/*.png"),
        *folder.glob("conditions/.*.png"),
    ]:
        if path.name.startswith(".tmp-"):
            pid = tmp_writer_pid(path)
            if pid is None or pid == os.getpid() or process_alive(pid):
                continue
        elif (
            after is None
            or path.name.startswith(".")
            or str(path.resolve()) in keep
            or path.stat().st_mtime < after - 1
        ):
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def process_alive(pid: int) -> bool:
    """True while process ``pid`` runs on this host (a zombie, killed but not yet reaped, is gone)."""
    import psutil

    if pid <= 0:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True
