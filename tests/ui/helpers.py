"""Helpers for the UI tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.settings import DATA_DIR, Settings
from tests.actors import ADMIN

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "ui" / "app.py"
BRIEF = DATA_DIR / "briefs" / "spring-citrus-launch.yaml"
CAMPAIGN = "spring-citrus-launch"
# The drafts the template holds (campaign-channel-n), and the one that was sent back for changes.
POSTS = [f"{CAMPAIGN}-instagram_post-{n}" for n in (1, 2)]
STORIES = [f"{CAMPAIGN}-instagram_story-{n}" for n in (1, 2)]
REVISED = f"{CAMPAIGN}-instagram_post-2"
CHILD = f"{REVISED}-r1"
IN_REVIEW = [POSTS[0], CHILD, *STORIES]


def app_test(reviewer: str | None = "maya") -> AppTest:
    """The UI as AppTest runs it; with no users file, ``reviewer`` is the name typed in the sidebar."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120)
    if reviewer is not None:
        at.session_state["open_name"] = reviewer
    return at


def add_users(settings: Settings) -> None:
    """A users file: maya reviews, vic only looks."""
    from ui.users import add_user, users_path

    add_user(users_path(settings.home), "maya", "maya-password", "reviewer", "Maya Lind", actor=ADMIN)
    add_user(users_path(settings.home), "vic", "vic-password", "viewer", "Vic Ode", actor=ADMIN)
