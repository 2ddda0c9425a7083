"""``onbrand ui``: start the Streamlit review UI (this module does not import Streamlit).

    $ onbrand ui                          # http://127.0.0.1:8501, this machine only
    $ onbrand ui --host 0.0.0.0 --port 8600

``/_stcore/health`` answers ``ok`` once the server is up.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
MAX_UPLOAD_MB = 100  # Streamlit's own cap on one upload; pages cap each kind lower
THEME = {
    "theme.base": "light",
    "theme.primaryColor": "#4338CA",
    "theme.backgroundColor": "#FFFFFF",
    "theme.secondaryBackgroundColor": "#F4F5FA",
    "theme.textColor": "#1E2230",
    "theme.borderColor": "#E3E6EF",
    "theme.baseRadius": "medium",
}


def streamlit_command(host: str, port: int) -> list[str]:
    """The ``streamlit run`` command line for the UI."""
    options = {
        "server.address": host,
        "server.port": str(port),
        "server.headless": "true",
        "server.maxUploadSize": str(MAX_UPLOAD_MB),
        "server.fileWatcherType": "none",  # a served app, not a development session
        "browser.gatherUsageStats": "false",
        "client.toolbarMode": "minimal",
        **THEME,
    }
    args = [sys.executable, "-m", "streamlit", "run", str(APP)]
    for key, value in options.items():
        args += [f"--{key}", value]
    return args


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, has_users: bool) -> str | None:
    """A warning when the UI is reachable from other machines and nobody has to log in."""
    if is_loopback(host) or has_users:
        return None
    return (
        f"the UI listens on {host} and has no users file: anyone who reaches it can approve drafts; "
        "add users with: onbrand ui add-user NAME --role reviewer"
    )


def serve(host: str, port: int) -> None:
    """Replace this process with the Streamlit server (so signals reach it directly)."""
    command = streamlit_command(host, port)
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
