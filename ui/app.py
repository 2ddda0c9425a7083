"""onbrand's review UI: a Streamlit multipage app. Start it with ``onbrand ui``.

Pages: Review (decide on drafts), Campaigns (briefs, runs, schedules), Brand (guidelines, profile,
override file), Chat (the agent) and Exports. With a users file in the workspace everyone logs in
and viewers may only look; without one, the UI is open to whoever reaches it (127.0.0.1 by default).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run ui/app.py` puts ui/, not the repository, on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from pipeline.errors import UserError  # noqa: E402
from ui import common  # noqa: E402
from ui.users import User, authenticate  # noqa: E402

STATIC = Path(__file__).resolve().parent / "static"
LOCK_AFTER = 5  # failed logins in a session before each further try is slowed down


def login(table: dict[str, tuple[User, bytes]]) -> None:
    """The sign-in card; a correct password puts the user in the session and re-runs the app."""
    _, middle, _ = st.columns([1, 1.1, 1])
    with middle:
        st.space("large")
        st.image(str(STATIC / "logo.svg"), width=168)
        st.subheader("Sign in to review", anchor=False)
        st.caption("Every decision is recorded under your name.")
        with st.form("login", border=True):
            username = st.text_input("User name", key="login_user", autocomplete="username")
            password = st.text_input("Password", type="password", key="login_password", autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
        if submitted:
            failures = int(st.session_state.get("_login_failures", 0))
            if failures >= LOCK_AFTER:
                time.sleep(min(2 ** (failures - LOCK_AFTER), 8))
            user = authenticate(table, username, password)
            if user is None:
                st.session_state["_login_failures"] = failures + 1
                st.error("Wrong user name or password.", icon=":material/lock:")
            else:
                st.session_state.pop("_login_failures", None)
                st.session_state["user"] = user.model_dump()
                st.rerun()


def sidebar_user(table: dict[str, tuple[User, bytes]] | None) -> None:
    with st.sidebar:
        active = common.queue().active()
        if active:
            running = sum(1 for j in active if j.status == "running")
            st.caption(f":material/progress_activity: {running} running, {len(active) - running} queued")
        user = common.current_user()
        if table is None:
            import getpass

            st.session_state.setdefault("open_name", getpass.getuser())
            name = st.text_input(
                "Reviewing as",
                key="open_name",
                help="No users file in the workspace: anyone who can open this page can decide. "
                "Add users with `onbrand ui add-user NAME --role reviewer`.",
            ).strip()
            if name:
                st.session_state["user"] = User(username=name, name=name, role="reviewer").model_dump()
            else:
                st.session_state.pop("user", None)
                st.caption(":orange[Type your name to decide on drafts.]")
        elif user is not None:
            role = "reviewer" if user.can_decide else "viewer (can look, not decide)"
            st.markdown(f":material/account_circle: **{common.md(user.name)}**  \n:gray[{role}]")
            if st.button("Sign out", icon=":material/logout:", key="logout"):
                st.session_state.pop("user", None)
                st.rerun()


def main() -> None:
    st.set_page_config(
        page_title="onbrand",
        page_icon=str(STATIC / "icon.svg"),
        layout="wide",
        initial_sidebar_state="expanded",
    )
    st.logo(str(STATIC / "logo.svg"), size="large", icon_image=str(STATIC / "icon.svg"))
    try:
        table = common.load_user_table()
    except UserError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()
    if table is not None:
        user = common.current_user()
        if user is None or user.username not in table:
            st.session_state.pop("user", None)
            login(table)
            st.stop()
        st.session_state["user"] = table[user.username][0].model_dump()  # a changed role applies at once
    pages = [
        st.Page("views/review.py", title="Review", icon=":material/photo_library:", default=True),
        st.Page("views/campaigns.py", title="Campaigns", icon=":material/rocket_launch:", url_path="campaigns"),
        st.Page("views/brand.py", title="Brand", icon=":material/palette:", url_path="brand"),
        st.Page("views/chat.py", title="Chat", icon=":material/forum:", url_path="chat"),
        st.Page("views/exports.py", title="Exports", icon=":material/ios_share:", url_path="exports"),
    ]
    page = st.navigation(pages)
    sidebar_user(table)
    page.run()


main()
