"""The UI with users configured: no page that changes state works without login, and a viewer,
signed in, finds every state-changing control on every page absent or disabled."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.settings import Settings
from tests.actors import ADMIN

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "ui" / "app.py"
PAGES = ("views/review.py", "views/campaigns.py", "views/brand.py", "views/chat.py", "views/exports.py")
# Keys (or key prefixes) of the controls that change something: decisions, runs, uploads, edits, exports.
CHANGING = ("approve-", "sel-", "bulk-", "d-", "run_now", "save_brief", "add-", "ingest", "save_override", "export")


@pytest.fixture
def locked(agent_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the sample workspace with users: maya reviews, vic only looks."""
    from ui.users import add_user, users_path

    home = tmp_path / "ws"
    shutil.copytree(agent_settings.home, home, ignore=shutil.ignore_patterns("drafts", "*.db*"))
    add_user(users_path(home), "maya", "maya-password", "reviewer", "Maya Lind", actor=ADMIN)
    add_user(users_path(home), "vic", "vic-password", "viewer", "Vic Ode", actor=ADMIN)
    monkeypatch.setenv("ONBRAND_HOME", str(home))
    monkeypatch.delenv("ONBRAND_DATABASE_URL", raising=False)
    yield home


def _page(page: str, login: tuple[str, str] | None = None):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120).run()
    if login is not None:
        at.text_input(key="login_user").input(login[0])
        at.text_input(key="login_password").input(login[1])
        at.button[0].click().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGES)
def test_no_page_works_without_login(locked: Path, page: str, tally: Counter[str]) -> None:
    at = _page(page)
    assert any("Sign in" in str(s.value) for s in at.subheader)
    assert [str(b.key) for b in at.button] == ["FormSubmitter:login-Sign in"]  # only the sign-in form
    assert len(at.chat_input) == 0
    tally["hostile cases refused"] += 1


@pytest.mark.parametrize("page", PAGES)
def test_a_viewer_cannot_change_anything_on_any_page(locked: Path, page: str, tally: Counter[str]) -> None:
    at = _page(page, ("vic", "vic-password"))
    assert not any("Sign in" in str(s.value) for s in at.subheader)  # signed in, the page shows
    live = [str(b.key) for b in at.button if str(b.key).startswith(CHANGING) and not b.disabled]
    assert not live, f"{page}: a viewer can press {live}"
    tally["hostile cases refused"] += 1
