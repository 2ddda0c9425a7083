"""Sign-in that lasts: a signed, expiring session cookie, sign-out, and wrong passwords limited per
user (plain Python, no Streamlit).

    >>> keys = SessionKeys.for_workspace(settings)                                   # doctest: +SKIP
    >>> user = sign_in(users, store, "maya", "correct horse", settings, address="10.0.0.7")
    >>> token = keys.issue(user.username, new_session_id())
    >>> keys.verify(token, max_age_s=7 * 86400).username
    'maya'

The design is streamlit-authenticator's: after a successful sign-in the browser gets a cookie
holding the user name and a session id, signed (HMAC, ``itsdangerous``) with a key kept in the
workspace (``session.key``, readable by its owner only) and stamped with the time it was issued. A
reload, a new tab or a shared link sends it back and signs the user in again until it expires
(``ONBRAND_SESSION_DAYS``). A cookie whose signature does not match (forged, or made with another
workspace's key), that expired, or whose session signed out signs nobody in, with one clear
message. Without a users file the UI is open, and the same cookie keeps the name a person typed.

Every sign-in, wrong password, refused try and sign-out is recorded in the review store
(:mod:`pipeline.review.signins`); after ``ONBRAND_SIGN_IN_ATTEMPTS`` wrong passwords a user's sign-in
is locked for ``ONBRAND_SIGN_IN_LOCK_MINUTES``, whichever browser or UI process the tries come from.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from pipeline.errors import UserError
from ui.users import User, authenticate

if TYPE_CHECKING:
    from pipeline.review.store import ReviewStore
    from pipeline.settings import Settings

COOKIE = "onbrand_session"
SALT = "onbrand-session-v1"
Mode = Literal["users", "open"]  # signed in against the users file, or a name typed in an open UI


class SessionProblem(UserError):
    """A session cookie that signs nobody in: forged, expired or signed out. The message is for people."""


class SignInRefused(UserError):
    """A sign-in that did not happen: a wrong password, or a user locked out for a while."""


class Session(BaseModel):
    """What a valid cookie says: who, which session, how they signed in, and when it was issued."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str
    session_id: str
    mode: Mode = "users"
    issued_at: datetime


def new_session_id() -> str:
    return secrets.token_hex(16)


class SessionKeys:
    """Signs and checks session cookies with the workspace's key (made on first use)."""

    def __init__(self, secret: bytes) -> None:
        from itsdangerous import URLSafeTimedSerializer

        self.serializer = URLSafeTimedSerializer(secret, salt=SALT)

    @classmethod
    def for_workspace(cls, settings: Settings) -> SessionKeys:
        return cls(workspace_secret(settings.home))

    def issue(self, username: str, session_id: str, mode: Mode = "users") -> str:
        return str(self.serializer.dumps({"u": username, "s": session_id, "m": mode}))

    def verify(self, token: str, max_age_s: float) -> Session:
        """The session a cookie holds, or :class:`SessionProblem` (one line saying what to do)."""
        from itsdangerous import BadSignature, SignatureExpired

        try:
            data, issued = self.serializer.loads(token, max_age=round(max_age_s), return_timestamp=True)
        except SignatureExpired as exc:
            raise SessionProblem("Your sign-in has expired; sign in again.") from exc
        except BadSignature as exc:
            raise SessionProblem(
                "Your saved sign-in is not valid here (it was changed, or made by another onbrand); sign in again."
            ) from exc
        if not isinstance(data, dict) or not isinstance(data.get("u"), str) or not isinstance(data.get("s"), str):
            raise SessionProblem("Your saved sign-in is not valid here; sign in again.")
        mode = data.get("m", "users")
        if mode not in ("users", "open"):
            raise SessionProblem("Your saved sign-in is not valid here; sign in again.")
        when = issued if issued.tzinfo else issued.replace(tzinfo=UTC)
        return Session(username=data["u"], session_id=data["s"], mode=mode, issued_at=when)


def workspace_secret(home: Path) -> bytes:
    """The workspace's signing key (``session.key``): 32 random bytes, made once, owner-only."""
    path = home / "session.key"
    if path.is_file():
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    home.mkdir(parents=True, exist_ok=True)
    tmp = home / f".session.key.{secrets.token_hex(4)}"
    tmp.write_bytes(secrets.token_bytes(32))
    tmp.chmod(0o600)
    if not path.is_file() or len(path.read_bytes()) < 32:  # two processes at once: the first one wins
        tmp.replace(path)
    else:
        tmp.unlink(missing_ok=True)
    return path.read_bytes()


def resume(
    token: str,
    keys: SessionKeys,
    settings: Settings,
    users: dict[str, tuple[User, bytes]] | None,
    store: ReviewStore,
) -> tuple[User, Session]:
    """The user a session cookie signs in (and the session), or :class:`SessionProblem`. With a users file the user must
    still be in it (their role as it is now) and the session must not have signed out; without one,
    only an open-UI cookie counts, and its holder acts as the machine's own user would (admin)."""
    session = keys.verify(token, settings.session_days * 86400)
    if users is None:
        if session.mode != "open":
            raise SessionProblem("This onbrand has no users any more; type your name to go on.")
        return User(username=session.username, name=session.username, role="admin"), session
    if session.mode != "users":
        raise SessionProblem("Sign in: this onbrand now has users.")
    found = users.get(session.username)
    if found is None:
        raise SessionProblem("Your user is no longer in this onbrand's users file; ask an admin.")
    if store.signed_out(session.session_id):
        raise SessionProblem("You signed out of that session; sign in again.")
    return found[0], session


def sign_in(
    users: dict[str, tuple[User, bytes]],
    store: ReviewStore,
    username: str,
    password: str,
    settings: Settings,
    session_id: str,
    address: str = "",
) -> User:
    """Check a password, at most ``sign_in_attempts`` wrong ones per user in ``sign_in_lock_minutes``
    (counted in the store, so across sessions and processes); every try is recorded."""
    key = username.strip().lower()
    since = datetime.now(UTC) - timedelta(minutes=settings.sign_in_lock_minutes)
    failures, last = store.failures_since(key, since)
    if failures >= settings.sign_in_attempts and last is not None:
        store.record_sign_in(key, "locked", session_id, address)
        wait = max(
            1, round((last + timedelta(minutes=settings.sign_in_lock_minutes) - datetime.now(UTC)).total_seconds() / 60)
        )
        raise SignInRefused(
            f"Too many wrong passwords for {key}: sign-in is locked for {wait} more minute(s). Ask an admin if you "
            "forgot it."
        )
    user = authenticate(users, key, password)
    if user is None:
        store.record_sign_in(key, "failed", session_id, address)
        left = settings.sign_in_attempts - failures - 1
        hint = (
            f" {left} more tr{'y' if left == 1 else 'ies'} before a {settings.sign_in_lock_minutes:g}-minute lock."
            if 0 < left <= 2
            else ""
        )
        raise SignInRefused(f"Wrong user name or password.{hint}")
    store.record_sign_in(key, "signed_in", session_id, address)
    return user


def sign_out(store: ReviewStore, username: str, session_id: str, address: str = "") -> None:
    """Record the sign-out: that session's cookie signs nobody in again, even if it is replayed."""
    store.record_sign_in(username, "signed_out", session_id, address)


def cookie_script(token: str | None, max_age_s: int) -> str:
    """JavaScript that sets (or, with no token, clears) the session cookie in the browser."""
    if token is None:
        return f"<script>document.cookie = '{COOKIE}=; Max-Age=0; Path=/; SameSite=Strict';</script>"
    return f"<script>document.cookie = '{COOKIE}={token}; Max-Age={max_age_s}; Path=/; SameSite=Strict';</script>"
