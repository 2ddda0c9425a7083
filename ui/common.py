"""What every page of the review UI shares: settings, stores, the signed-in user, badges, messages.

Settings and stores are built once per process (``st.cache_resource``) and keyed by the ``ONBRAND_*``
environment, so a test that points the UI at another workspace gets other stores.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import streamlit as st

from pipeline.errors import UserError, storage_error
from ui.users import User

if TYPE_CHECKING:
    from pipeline.knowledge.retrieval import Retriever
    from pipeline.knowledge.store import KnowledgeBase
    from pipeline.models import Actor, Check, Composition, StoredDraft
    from pipeline.review.store import ReviewStore
    from pipeline.settings import Settings
    from ui.jobs import JobQueue

FlashKind = Literal["success", "info", "warning", "error"]

# People's words for the gate's verdicts ("Gate: ...", what the automatic checks said) and the review
# states (where a draft stands with people), named apart so that no two read as the same thing.
VERDICTS: dict[str, tuple[str, str, str]] = {
    "approve": ("Gate: approve", "green", ":material/verified:"),
    "review": ("Gate: a person decides", "blue", ":material/person_search:"),
    "reject": ("Gate: reject", "red", ":material/block:"),
}
STATUSES: dict[str, tuple[str, str]] = {
    "in_review": ("In review", "blue"),
    "approved": ("Approved", "green"),
    "rejected": ("Rejected by a reviewer", "red"),
    "changes_requested": ("Changes requested", "violet"),
    "rejected_by_gate": ("Held back by the gate", "red"),
    "exported": ("Exported", "gray"),
    "failed": ("Render failed", "gray"),
    "generated": ("Not checked", "gray"),
}
CHECK_COLOURS = {"pass": "green", "warn": "orange", "fail": "red", "skipped": "gray"}
CHECK_ICONS = {"pass": ":material/check:", "warn": ":material/warning:", "fail": ":material/close:", "skipped": "–"}
RUN_COLOURS = {"running": "blue", "completed": "green", "failed": "red", "crashed": "red"}

CSS = """
<style>
  .block-container { padding-top: 2.2rem; padding-bottom: 3rem; }
  [data-testid="stImage"] img { border-radius: 10px; }
  [data-testid="stSidebar"] [data-testid="stImage"] img { border-radius: 0; }
  div[data-testid="stMetric"] { padding: 0.55rem 0.9rem; }
  .ob-swatches { display: flex; flex-wrap: wrap; gap: 14px; margin: 4px 0 8px; }
  .ob-swatch { width: 168px; border: 1px solid #E3E6EF; border-radius: 12px; overflow: hidden;
               background: #fff; font-family: inherit; }
  .ob-chip { height: 92px; display: flex; align-items: flex-end; justify-content: flex-end; padding: 6px; }
  .ob-chip span { font-size: 11px; padding: 1px 7px; border-radius: 999px; background: rgba(255,255,255,.85);
                  color: #1E2230; }
  .ob-swatch .ob-body { padding: 8px 10px 10px; font-size: 13px; line-height: 1.35; color: #1E2230; }
  .ob-swatch .ob-name { font-weight: 600; }
  .ob-swatch .ob-hex { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; color: #4B5166; }
  .ob-swatch .ob-src { color: #7A8096; font-size: 11.5px; margin-top: 4px; }
  .ob-forbidden .ob-chip { background-image: linear-gradient(135deg, transparent 46%, #D92D20 46%, #D92D20 54%,
                           transparent 54%); }
  .ob-legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12.5px; color: #4B5166; }
  .ob-legend i { display: inline-block; width: 11px; height: 11px; border-radius: 3px; margin-right: 5px;
                 vertical-align: -1px; }
  /* A draft whose checks all passed reads apart from a flagged one at a glance. */
  div[class*="st-key-card-"]:has(.ob-passed) { border: 2px solid #12B76A !important; background: #F3FBF6; }
  div[class*="st-key-card-"]:has(.ob-flagged) { border-left: 4px solid #F79009 !important; }
</style>
"""


# --- settings and stores -------------------------------------------------------------------------


def _env_key() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("ONBRAND_")))


@st.cache_resource(show_spinner=False)
def _settings_for(env: tuple[tuple[str, str], ...]) -> Settings:
    # ``env`` only keys the cache (names with a leading underscore would not be hashed)
    from pipeline.settings import load_settings

    return load_settings()


def settings() -> Settings:
    return _settings_for(_env_key())


@st.cache_resource(show_spinner=False)
def _store_for(url: str) -> ReviewStore:
    from pipeline.review.store import ReviewStore

    return ReviewStore(url)


def store() -> ReviewStore:
    from pipeline.review.store import ReviewStore

    return _store_for(ReviewStore.from_settings(settings()).url)


@st.cache_resource(show_spinner=False)
def _knowledge_for(env: tuple[tuple[str, str], ...]) -> tuple[KnowledgeBase, Retriever]:
    from pipeline.knowledge.retrieval import Retriever
    from pipeline.knowledge.store import KnowledgeBase

    kb = KnowledgeBase(settings())
    return kb, Retriever(kb)


def knowledge() -> tuple[KnowledgeBase, Retriever]:
    """The workspace's knowledge base and a retriever over it (the embedder loads on first search)."""
    return _knowledge_for(_env_key())


def queue() -> JobQueue:
    from ui.jobs import shared_queue

    return shared_queue()


# --- who is here -----------------------------------------------------------------------------------


def users_file() -> Path:
    from ui.users import users_path

    return users_path(settings().home)


def load_user_table() -> dict[str, tuple[User, bytes]] | None:
    """The users file, re-read when it changes; ``None`` when there is none (the UI is open)."""
    path = users_file()
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    return _users_for(str(path), stamp)


@st.cache_resource(show_spinner=False, max_entries=4)
def _users_for(path: str, stamp: int) -> dict[str, tuple[User, bytes]] | None:
    from ui.users import load_users

    return load_users(Path(path))


def current_user() -> User | None:
    """The signed-in user; with no users file, whoever typed their name (acting as the machine's own
    user would: the admin role)."""
    data = st.session_state.get("user")
    return User.model_validate(data) if data else None


def actor() -> Actor | None:
    """Who the functions that change state are told is asking (None: nobody signed in)."""
    user = current_user()
    return user.actor if user else None


def reviewer_name() -> str | None:
    user = current_user()
    return user.username if user and user.can_decide else None


def sign_in_session(user: User, session_id: str | None, mode: str) -> None:
    """Put ``user`` in this browser session and queue the cookie that keeps them signed in."""
    from ui import sessions

    session_id = session_id or sessions.new_session_id()
    st.session_state["user"] = user.model_dump()
    st.session_state["_session"] = (session_id, mode)
    keys = sessions.SessionKeys.for_workspace(settings())
    token = keys.issue(user.username, session_id, "open" if mode == "open" else "users")
    st.session_state["_cookie_pending"] = token


def sign_out_session() -> None:
    """Sign out (a button's callback): recorded, the cookie cleared, and this session forgets the user."""
    from ui import sessions

    user = current_user()
    session_id, mode = st.session_state.pop("_session", (None, None))
    if user is not None and session_id and mode == "users":
        sessions.sign_out(store(), user.username, session_id, client_address())
    st.session_state.pop("user", None)
    st.session_state["open_name"] = ""
    st.session_state["_cookie_pending"] = None  # clear it in the browser
    st.session_state["_cookie_seen"] = _cookie()  # the cookie this connection started with is spent


def client_address() -> str:
    """The browser's IP address for the sign-in log; "" when there is none (Streamlit's AppTest has no
    browser, and gives a stand-in object instead of an address)."""
    try:
        address = st.context.ip_address
    except Exception:
        return ""
    return address if isinstance(address, str) else ""


def _cookie() -> str | None:
    from ui import sessions

    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # no browser behind this run (a test)
        return None
    return value if isinstance(value, str) else None  # AppTest gives a stand-in object, not a cookie


def resume_session(table: dict[str, tuple[User, bytes]] | None) -> None:
    """Sign in from the session cookie the browser sent (a reload, a new tab, a shared link), and keep
    a signed-in user's role as the users file says now. A forged, expired or signed-out cookie signs
    nobody in: its message is shown once and the cookie is cleared."""
    from ui import sessions

    user = current_user()
    if user is not None:
        mode = (st.session_state.get("_session") or (None, "open" if table is None else "users"))[1]
        if table is None and mode == "users":
            st.session_state.pop("user", None)  # the users file went away: sign in again as an open UI
        elif table is not None:
            found = table.get(user.username)
            if found is None or mode != "users":
                st.session_state.pop("user", None)
            else:
                st.session_state["user"] = found[0].model_dump()  # a changed role applies at once
        return
    token = _cookie()
    if not token or st.session_state.get("_cookie_seen") == token:
        return
    st.session_state["_cookie_seen"] = token
    try:
        found_user, session = sessions.resume(
            token, sessions.SessionKeys.for_workspace(settings()), settings(), table, store()
        )
    except sessions.SessionProblem as exc:
        st.session_state["_session_problem"] = str(exc)
        st.session_state["_cookie_pending"] = None
        return
    st.session_state["user"] = found_user.model_dump()
    st.session_state["_session"] = (session.session_id, session.mode)
    if table is None:
        st.session_state["open_name"] = found_user.name


def write_cookie() -> None:
    """Send the browser the cookie decided on (set after sign-in, cleared after sign-out). It is sent
    again on every run until one completes (:func:`cookie_sent`): a run cut short by a page switch may
    not reach the browser."""
    from ui import sessions

    if "_cookie_pending" not in st.session_state:
        return
    token = st.session_state["_cookie_pending"]
    max_age = round(settings().session_days * 86400)
    st.html(sessions.cookie_script(token, max_age), unsafe_allow_javascript=True, width=1)


def cookie_sent() -> None:
    """The run that carried the cookie completed."""
    st.session_state.pop("_cookie_pending", None)


# --- messages --------------------------------------------------------------------------------------


def flash(kind: FlashKind, text: str) -> None:
    """A message shown once, on the next run of the page (callbacks cannot draw)."""
    st.session_state.setdefault("_flash", []).append((kind, text))


def show_flashes() -> None:
    """Good news as a toast (it fades); warnings and errors stay on the page until the next click."""
    for kind, text in st.session_state.pop("_flash", []):
        if kind in ("success", "info"):
            st.toast(text, icon=FLASH_ICONS[kind])
        else:
            getattr(st, kind)(text, icon=FLASH_ICONS[kind])


FLASH_ICONS = {
    "success": ":material/check_circle:",
    "info": ":material/info:",
    "warning": ":material/warning:",
    "error": ":material/error:",
}


def one_line(exc: BaseException) -> str | None:
    """The one-line message of a user's mistake (or a full or read-only workspace); None for bugs."""
    found = exc if isinstance(exc, UserError) else storage_error(exc)
    return str(found) if found is not None else None


@contextmanager
def user_errors(where: Any = None) -> Iterator[None]:
    """Show a :class:`UserError` as one line (``st.error``), never as a traceback."""
    try:
        yield
    except Exception as exc:
        message = one_line(exc)
        if message is None:
            raise
        (where or st).error(message, icon=":material/error:")


# --- small pieces of markup ------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~$])")


def md(text: str) -> str:
    """Text shown as-is inside Streamlit markdown (no accidental bold, links or colour directives)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def badge(label: str, colour: str, icon: str | None = None) -> str:
    """A markdown badge: ``:green-badge[:material/check: Approved]``."""
    inner = f"{icon} {md(label)}" if icon else md(label)
    return f":{colour}-badge[{inner}]"


def checks_badge(record: StoredDraft) -> str:
    """What the checks found, at a glance: every check passed (green), or which ones flag the draft."""
    flagged = record.flagged()
    if record.verdict == "reject":
        names = ", ".join(c.name.replace("_", " ") for c in flagged if c.status == "fail") or "gate"
        return badge(f"Failed: {names}", "red", ":material/block:")
    if flagged:
        names = ", ".join(c.name.replace("_", " ") for c in flagged[:3]) + (" …" if len(flagged) > 3 else "")
        return badge(f"Flagged: {names}", "orange", ":material/warning:")
    if not record.checks:
        return badge("Not checked", "gray")
    return badge("All checks passed", "green", ":material/verified:")


def all_passed(record: StoredDraft) -> bool:
    return bool(record.checks) and not record.flagged() and record.verdict != "reject"


def verdict_badge(verdict: str) -> str:
    label, colour, icon = VERDICTS.get(verdict, (verdict, "gray", None))
    return badge(label, colour, icon)


def status_badge(status: str) -> str:
    label, colour = STATUSES.get(status, (status.replace("_", " "), "gray"))
    return badge(label, colour)


def check_badge(check: Check, with_score: bool = True) -> str:
    name = check.name.replace("_", " ")
    text = f"{name} {check.score:.2f}" if with_score and check.score is not None else name
    return badge(text, CHECK_COLOURS.get(check.status, "gray"), CHECK_ICONS.get(check.status))


def channel_labels() -> dict[str, str]:
    """Channel name -> its label from channels.yaml ("Instagram feed post (square)")."""
    from pipeline.campaign.channels import load_channels

    try:
        return {name: spec.label or name for name, spec in load_channels().items()}
    except UserError:
        return {}


def channel_name(channel: str) -> str:
    """A short name for cards: instagram_story -> "Instagram story"."""
    return channel.replace("_", " ").capitalize()


@st.cache_data(show_spinner=False, max_entries=4000)
def _thumb(path: str, stamp: int) -> bytes:
    from ui.imaging import thumbnail_png

    return thumbnail_png(path, 320)


def thumb(path: str) -> bytes | None:
    """The gallery picture of a draft, or None when its file is missing (a failed render)."""
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return None
    return _thumb(path, stamp)


def page_header(title: str, caption: str) -> None:
    st.html(CSS)
    st.title(title, anchor=False)
    st.caption(caption)
    show_flashes()


def relative_time(when: Any) -> str:
    """'3 min ago', '2 h ago', or the date."""
    from datetime import UTC, datetime

    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (datetime.now(UTC) - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{when:%d %b %Y}"


# --- the final asset -------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _final_asset(
    home: str, draft_id: str, image: str, stamp: int, profile_stamp: float, channel: str, longest: int
) -> tuple[bytes, str]:
    """The draft composed at its channel's final size (headline, call to action, logo), shrunk for the
    page, and how it was composed (JSON). The arguments key the cache."""
    import io

    from PIL import Image

    from pipeline.brand.store import ProfileStore
    from pipeline.campaign.channels import load_channels
    from pipeline.export.compose import compose

    plan = store().detail(draft_id).plan
    profile = ProfileStore(settings()).profile(plan.brand)
    kit = Path(profile.brand_kit) if profile.brand_kit else None
    with Image.open(image) as render:
        final, how = compose(render, plan, load_channels()[channel], profile, kit)
    final.thumbnail((longest, longest))
    out = io.BytesIO()
    final.save(out, format="PNG")
    return out.getvalue(), how.model_dump_json()


def final_asset(record: StoredDraft, longest: int = 560) -> tuple[bytes, Composition] | None:
    """The final asset of a draft (see :func:`_final_asset`), or None when its render is missing."""
    from pipeline.brand.store import ProfileStore
    from pipeline.models import Composition

    try:
        stamp = os.stat(record.image).st_mtime_ns
    except OSError:
        return None
    brand = store().detail(record.id).plan.brand
    override = ProfileStore(settings()).override_path(brand)
    extracted = ProfileStore(settings()).extracted_path(brand)
    profile_stamp = sum(p.stat().st_mtime for p in (override, extracted) if p.is_file())
    picture, how = _final_asset(
        str(settings().home), record.id, record.image, stamp, profile_stamp, record.channel, longest
    )
    return picture, Composition.model_validate_json(how)
