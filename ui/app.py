"""onbrand's review UI: a Streamlit multipage app. Start it with ``onbrand ui``.

Pages: Review (decide on drafts), Campaigns (briefs, runs, schedules), Brand (guidelines, profile,
override file), Chat (the agent) and Exports. With a users file in the workspace everyone signs in
(a signed session cookie keeps them signed in across reloads, tabs and shared links until it
expires or they sign out; see :mod:`ui.sessions`), and what each may do is their role's. Without
one, the UI is open to whoever reaches it (127.0.0.1 by default): they type their name once (kept in
the same cookie) and act as the machine's own user would.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run ui/app.py` puts ui/, not the repository, on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from pipeline.errors import UserError  # noqa: E402
from ui import common  # noqa: E402
from ui.users import User  # noqa: E402

STATIC = Path(__file__).resolve().parent / "static"
PAGES = {
    "": "views/review.py",
    "campaigns": "views/campaigns.py",
    "brand": "views/brand.py",
    "chat": "views/chat.py",
    "exports": "views/exports.py",
}


def remember_destination() -> None:
    """Where the person was going (a shared link's page and ``?draft=``), kept for after sign-in."""
    if "_wanted" in st.session_state:
        return
    path = ""
    try:
        from urllib.parse import urlparse

        path = urlparse(st.context.url or "").path.strip("/").split("/")[-1]
    except Exception:  # no URL in a test run
        path = ""
    st.session_state["_wanted"] = (path if path in PAGES else "", dict(st.query_params.to_dict()))


def go_to_destination() -> None:
    """After sign-in: the page and query the shared link asked for."""
    wanted = st.session_state.pop("_wanted", None)
    if not wanted:
        return
    path, query = wanted
    for key, value in query.items():
        st.query_params[key] = value
    if path:
        st.session_state["_go"] = (PAGES[path], query)


def login(table: dict[str, tuple[User, bytes]]) -> None:
    """The sign-in card; a correct password signs the user in (and sets the session cookie)."""
    from ui import sessions

    remember_destination()
    _, middle, _ = st.columns([1, 1.1, 1])
    with middle:
        st.space("large")
        st.image(str(STATIC / "logo.svg"), width=168)
        st.subheader("Sign in to review", anchor=False)
        st.caption("Every decision is recorded under your name.")
        problem = st.session_state.pop("_session_problem", None)
        if problem:
            st.warning(problem, icon=":material/lock_clock:")
        with st.form("login", border=True):
            username = st.text_input("User name", key="login_user", autocomplete="username")
            password = st.text_input("Password", type="password", key="login_password", autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
        if submitted:
            session_id = sessions.new_session_id()
            try:
                user = sessions.sign_in(
                    table,
                    common.store(),
                    username,
                    password,
                    common.settings(),
                    session_id,
                    common.client_address(),
                )
            except UserError as exc:
                st.error(str(exc), icon=":material/lock:")
                return
            common.sign_in_session(user, session_id, "users")
            go_to_destination()
            st.rerun()


def ask_name() -> None:
    """No users file: who is this? Asked once; the name is kept in the session cookie."""
    with st.sidebar:
        st.text_input(
            "Your name",
            key="open_name",
            placeholder="e.g. Maya Lind",
            help="No users file in the workspace: anyone who can open this page can decide, and decisions are "
            "recorded under this name. Add users with `onbrand ui add-user NAME --role reviewer`.",
        )
        st.caption(":orange[Type your name to decide on drafts; it is kept for next time.]")


def sidebar_user(table: dict[str, tuple[User, bytes]] | None) -> None:
    with st.sidebar:
        active = common.queue().active()
        if active:
            running = sum(1 for j in active if j.status == "running")
            st.caption(f":material/progress_activity: {running} running, {len(active) - running} queued")
        user = common.current_user()
        if user is None:
            return
        role = {
            "admin": "admin (decides, runs, edits the brand and users)",
            "reviewer": "reviewer (decides, runs, exports)",
            "viewer": "viewer (can look, not change)",
        }[user.role]
        if table is None:
            role = "open UI, no users file"
        st.markdown(f":material/account_circle: **{common.md(user.name)}**  \n:gray[{role}]")
        label = "Sign out" if table is not None else "Not you?"
        st.button(label, icon=":material/logout:", key="logout", on_click=common.sign_out_session)


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
    common.resume_session(table)
    common.write_cookie()
    if table is not None:
        user = common.current_user()
        if user is None:
            login(table)
            st.stop()
    elif common.current_user() is None:
        name = " ".join(str(st.session_state.get("open_name") or "").split())
        if name:
            common.sign_in_session(User(username=name, name=name, role="admin"), None, "open")
            common.write_cookie()
    pages = [
        st.Page("views/review.py", title="Review", icon=":material/photo_library:", default=True),
        st.Page("views/campaigns.py", title="Campaigns", icon=":material/rocket_launch:", url_path="campaigns"),
        st.Page("views/brand.py", title="Brand", icon=":material/palette:", url_path="brand"),
        st.Page("views/chat.py", title="Chat", icon=":material/forum:", url_path="chat"),
        st.Page("views/exports.py", title="Exports", icon=":material/ios_share:", url_path="exports"),
    ]
    page = st.navigation(pages)
    go = st.session_state.pop("_go", None)
    if go:
        st.switch_page(go[0], query_params=go[1] or None)
    if table is None and common.current_user() is None:
        ask_name()
    sidebar_user(table)
    page.run()
    common.cookie_sent()


main()
