"""Who may do what: the users file, login, viewers who cannot decide, and `onbrand ui add-user`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.errors import UserError
from pipeline.review.store import ReviewStore
from pipeline.settings import Settings
from tests.actors import ADMIN, reviewer
from tests.ui.helpers import IN_REVIEW, POSTS, add_users, app_test
from ui.users import add_user, authenticate, load_users, users_path


def _texts(elements: object) -> str:
    return " ".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


def _login(at: object, username: str, password: str) -> None:
    at.text_input(key="login_user").input(username)  # type: ignore[attr-defined]
    at.text_input(key="login_password").input(password)  # type: ignore[attr-defined]
    at.button[0].click().run()  # type: ignore[attr-defined]


@pytest.mark.unit
def test_users_file_round_trip_and_password_check(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    assert load_users(path) is None  # no file: the UI is open
    add_user(path, "Maya", "correct horse", "reviewer", "Maya Lind", actor=ADMIN)
    add_user(path, "vic", "battery staple", "viewer", actor=ADMIN)
    users = load_users(path)
    assert users is not None and set(users) == {"maya", "vic"}
    assert authenticate(users, "maya", "correct horse") == users["maya"][0]
    assert users["maya"][0].name == "Maya Lind" and users["maya"][0].can_decide
    assert authenticate(users, "maya", "battery staple") is None
    assert authenticate(users, "nobody", "correct horse") is None
    assert not users["vic"][0].can_decide
    text = path.read_text()
    assert "correct horse" not in text and "$2b$" in text  # hashes only
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    add_user(path, "vic", "a new password", "reviewer", actor=ADMIN)  # a role change keeps the others
    again = load_users(path)
    assert again is not None and again["vic"][0].role == "reviewer" and set(again) == {"maya", "vic"}


@pytest.mark.unit
@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "X", "password": "plain text", "roles": ["reviewer"]}, "not a bcrypt hash"),
        ({"name": "X", "password": "$2b$12$" + "a" * 53, "roles": ["owner"]}, "give one of: viewer, reviewer, admin"),
        ({"name": "X", "password": "$2b$12$" + "a" * 53, "roles": ["viewer"], "pasword": "x"}, "unknown field"),
    ],
)
def test_a_broken_users_file_is_a_one_line_error(tmp_path: Path, entry: dict[str, object], message: str) -> None:
    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump({"credentials": {"usernames": {"x": entry}}}))
    with pytest.raises(UserError, match=message):
        load_users(path)
    with pytest.raises(UserError):
        add_user(path, "y", "long enough", "viewer", actor=ADMIN)  # never overwrites a file it cannot read
    with pytest.raises(UserError, match=r"role .owner."):
        add_user(tmp_path / "other.yaml", "y", "long enough", "owner", actor=ADMIN)
    with pytest.raises(UserError, match="managing users needs the admin role"):
        add_user(tmp_path / "other.yaml", "y", "long enough", "viewer", actor=reviewer("maya"))
    assert not (tmp_path / "other.yaml").exists()


@pytest.mark.unit
def test_add_user_command_reads_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from pipeline.cli import main

    monkeypatch.setenv("ONBRAND_HOME", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["ui", "add-user", "maya", "--role", "viewer", "--name", "Maya Lind", "--password-stdin"]) == 0
    users = load_users(users_path(tmp_path))
    assert users is not None and users["maya"][0].role == "viewer"
    assert authenticate(users, "maya", "a long password") is not None
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["ui", "add-user", "sam", "--password-stdin"]) == 2
    assert "too short" in capsys.readouterr().err


@pytest.mark.integration
def test_login_is_required_once_users_are_configured(ui_home: Settings) -> None:
    add_users(ui_home)
    at = app_test(reviewer=None).run()
    assert not at.exception
    assert "Sign in to review" in _texts(at.subheader)
    assert not [b for b in at.button if str(b.key).startswith("approve-")]  # nothing of the app before login
    _login(at, "maya", "wrong password")
    assert "Wrong user name or password" in _texts(at.error)
    _login(at, "maya", "maya-password")
    assert {f"approve-{i}" for i in IN_REVIEW} <= {b.key for b in at.button}
    at.button(key=f"approve-{POSTS[0]}").click().run()
    history = ReviewStore.from_settings(ui_home).history(POSTS[0])
    assert history[-1].reviewer == "maya"  # the logged-in name, nothing typed
    assert not [t for t in at.text_input if t.key == "open_name"]  # no free-text name once users exist


@pytest.mark.integration
def test_a_viewer_can_look_but_not_decide(ui_home: Settings) -> None:
    add_users(ui_home)
    at = app_test(reviewer=None).run()
    _login(at, "vic", "vic-password")
    assert not at.exception
    keys = {str(b.key) for b in at.button}
    assert {f"open-{i}" for i in IN_REVIEW} <= keys
    assert not [k for k in keys if k.startswith(("approve-", "sel-", "bulk-"))]
    at.query_params["draft"] = POSTS[0]
    at.run()
    assert not [k for k in (str(b.key) for b in at.button) if k.startswith("d-")]
    assert "deciding needs the reviewer role" in _texts(at.caption)
    assert "viewer" in _texts(at.sidebar.markdown)
    assert ReviewStore.from_settings(ui_home).get(POSTS[0]).status == "in_review"


@pytest.mark.integration
def test_a_broken_users_file_stops_the_app_with_one_line(ui_home: Settings) -> None:
    users_path(ui_home.home).write_text("credentials: {usernames: {maya: {password: plain, roles: [reviewer]}}}\n")
    at = app_test(reviewer=None).run()
    assert not at.exception
    assert "not a bcrypt hash" in _texts(at.error)
