"""Sessions that last: the signed, expiring cookie, sign-out, forged and expired cookies, and wrong
passwords limited per user across sessions, on a real users file and a real review store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipeline.review.store import ReviewStore
from pipeline.settings import Settings
from tests.actors import ADMIN
from ui import sessions
from ui.users import add_user, load_users, users_path

pytestmark = pytest.mark.unit


@pytest.fixture
def home(tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path / "ws", database_url=None, sign_in_attempts=3, sign_in_lock_minutes=10)
    add_user(users_path(settings.home), "maya", "maya-password", "reviewer", "Maya Lind", actor=ADMIN)
    add_user(users_path(settings.home), "vic", "vic-password", "viewer", actor=ADMIN)
    return settings


def test_a_signed_cookie_signs_the_user_in_again_until_it_expires(home: Settings) -> None:
    users = load_users(users_path(home.home))
    assert users is not None
    store = ReviewStore.from_settings(home)
    keys = sessions.SessionKeys.for_workspace(home)
    assert (home.home / "session.key").stat().st_mode & 0o077 == 0  # the key is the owner's only
    session_id = sessions.new_session_id()
    user = sessions.sign_in(users, store, "Maya", "maya-password", home, session_id, "10.0.0.7")
    token = keys.issue(user.username, session_id)
    again, session = sessions.resume(token, keys, home, users, store)  # a reload, a new tab, a shared link
    assert (again.username, again.role, session.session_id) == ("maya", "reviewer", session_id)
    # another process of the same workspace reads the same key
    assert sessions.resume(token, sessions.SessionKeys.for_workspace(home), home, users, store)[0] == user
    short = home.model_copy(update={"session_days": 1 / 86400})
    time.sleep(2.1)
    with pytest.raises(sessions.SessionProblem, match="Your sign-in has expired; sign in again"):
        sessions.resume(token, keys, short, users, store)


def test_a_forged_or_foreign_cookie_signs_nobody_in(home: Settings, tmp_path: Path) -> None:
    users = load_users(users_path(home.home))
    store = ReviewStore.from_settings(home)
    keys = sessions.SessionKeys.for_workspace(home)
    token = keys.issue("vic", sessions.new_session_id())
    signature = token.rsplit(".", 1)[1]
    forged = keys.issue("maya", "x").rsplit(".", 1)[0] + "." + signature  # maya's name, vic's signature
    for bad in (forged, token[:-2] + "AA", "not-a-cookie", ""):
        with pytest.raises(sessions.SessionProblem, match="not valid here"):
            sessions.resume(bad, keys, home, users, store)
    other = sessions.SessionKeys(b"k" * 32).issue("maya", sessions.new_session_id())  # another onbrand's key
    with pytest.raises(sessions.SessionProblem, match="made by another onbrand"):
        sessions.resume(other, keys, home, users, store)
    assert not store.sign_ins()  # nothing was recorded as a sign-in


def test_sign_out_ends_that_session_even_if_its_cookie_is_replayed(home: Settings) -> None:
    users = load_users(users_path(home.home))
    assert users is not None
    store = ReviewStore.from_settings(home)
    keys = sessions.SessionKeys.for_workspace(home)
    first, second = sessions.new_session_id(), sessions.new_session_id()
    sessions.sign_in(users, store, "maya", "maya-password", home, first)
    sessions.sign_in(users, store, "maya", "maya-password", home, second)
    sessions.sign_out(store, "maya", first)
    with pytest.raises(sessions.SessionProblem, match="You signed out"):
        sessions.resume(keys.issue("maya", first), keys, home, users, store)
    assert sessions.resume(keys.issue("maya", second), keys, home, users, store)[0].username == "maya"


def test_wrong_passwords_are_limited_per_user_across_sessions_and_recorded(home: Settings) -> None:
    users = load_users(users_path(home.home))
    assert users is not None
    store = ReviewStore.from_settings(home)
    for tab in ("tab-1", "tab-2", "another-browser"):  # three sessions, one allowance
        with pytest.raises(sessions.SignInRefused, match="Wrong user name or password"):
            sessions.sign_in(users, store, "maya", "guess", home, tab, "10.0.0.9")
    with pytest.raises(sessions.SignInRefused, match="Too many wrong passwords for maya: sign-in is locked for 10"):
        sessions.sign_in(users, store, "maya", "maya-password", home, "tab-4")  # even the right one, for now
    assert sessions.sign_in(users, store, "vic", "vic-password", home, "tab-5").username == "vic"  # others go on
    log = [(e.username, e.event) for e in reversed(store.sign_ins())]
    assert log == [("maya", "failed")] * 3 + [("maya", "locked"), ("vic", "signed_in")]
    assert {e.address for e in store.sign_ins("maya") if e.event == "failed"} == {"10.0.0.9"}


def test_an_open_ui_keeps_the_typed_name_and_a_users_file_ends_it(home: Settings, tmp_path: Path) -> None:
    open_home = Settings(home=tmp_path / "open", database_url=None)
    store = ReviewStore.from_settings(open_home)
    keys = sessions.SessionKeys.for_workspace(open_home)
    token = keys.issue("Sam Reyes", sessions.new_session_id(), "open")
    user, _ = sessions.resume(token, keys, open_home, None, store)
    assert (user.name, user.role) == ("Sam Reyes", "admin")  # the machine's own user, by the name they gave
    users = load_users(users_path(home.home))
    with pytest.raises(sessions.SessionProblem, match="Sign in: this onbrand now has users"):
        sessions.resume(token, keys, open_home, users, store)
    assert "Max-Age=0" in sessions.cookie_script(None, 10) and token in sessions.cookie_script(token, 60)
