"""Chat: the onbrand agent, showing the tools it called and what they returned (drafts inline, each
linking to the draft in Review). It acts as the signed-in user: a viewer's chat can look things up
but not run, approve or reject; a brief given as a path must lie in the configured brief folders."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Literal

import streamlit as st

from agents.chat.agent import ToolCall
from pipeline.models import (
    CampaignResult,
    GuidelinesResult,
    PlanResult,
    ProfileResult,
    PromptCheckResult,
    ReviewStatusResult,
    StoredDraft,
    ToolResult,
)
from ui import common

SUGGESTIONS = (
    "Which fonts may a headline use?",
    'Check "a glass of red wine on the beach"',
    "How many drafts are waiting for review?",
    "Plan the summer table bottles brief",
)
TOOL_ICONS = {
    "search_guidelines": ":material/menu_book:",
    "brand_profile": ":material/palette:",
    "check_prompt": ":material/policy:",
    "plan_brief": ":material/schema:",
    "run_campaign": ":material/rocket_launch:",
    "review_status": ":material/fact_check:",
    "approve": ":material/check_circle:",
    "reject": ":material/cancel:",
}


def ask(text: str) -> None:
    st.session_state["chat_pending"] = text


@dataclass
class Message:
    """One message of the conversation as the page keeps it: who said it, and the tools it called."""

    role: Literal["user", "assistant"]
    text: str
    actions: list[ToolCall] = field(default_factory=list)


def answer(text: str, brand: str | None) -> Message:
    """The agent's reply as a message; a mistake in the request is a reply, not a traceback."""
    from agents.chat.agent import ChatAgent
    from agents.chat.tools import ChatSession
    from flows.launch import launch_campaign
    from pipeline.campaign.lookup import brief_folders

    user = common.current_user()
    settings = common.settings()
    session = ChatSession(
        settings=settings,
        brand=brand,
        user=user.username if user else "guest",
        role=user.role if user else "viewer",
        launcher=launch_campaign,
        brief_folders=brief_folders(settings),  # a path elsewhere on the server is refused
    )
    try:
        reply = ChatAgent.from_settings(session).respond(text)
    except Exception as exc:
        message = common.one_line(exc)
        if message is None:
            raise
        from agents.chat.agent import scrub

        return Message(role="assistant", text=scrub(f"I could not do that: {message}"))
    return Message(role="assistant", text=reply.reply, actions=reply.actions)


def show_result(result: ToolResult | None) -> None:
    if result is None:
        return
    if result.error is not None:
        from agents.chat.agent import scrub

        st.error(scrub(result.error), icon=":material/error:")
        return
    if isinstance(result, GuidelinesResult):
        for p in result.passages:
            where = " › ".join(x for x in (p.source, p.section) if x)
            st.markdown(f"**{common.md(where)}** :gray[score {p.score:.2f}]  \n{common.md(p.text)}")
    elif isinstance(result, ProfileResult):
        chips = "".join(
            f"<span style='display:inline-flex;align-items:center;gap:6px;margin:0 12px 6px 0;font-size:13px'>"
            f"<i style='width:18px;height:18px;border-radius:5px;background:{html.escape(c.hex)};"
            f"border:1px solid #E3E6EF;display:inline-block'></i>{html.escape(c.name)} "
            f"<code>{html.escape(c.hex)}</code></span>"
            for c in result.profile.palette
        )
        st.html(f"<div>{chips}</div>")
        st.caption(common.md(result.summary))
    elif isinstance(result, PromptCheckResult):
        if result.allowed:
            st.markdown(common.badge("allowed", "green", ":material/check:"))
        for r in result.reasons:
            st.markdown(f"{common.badge(r.rule, 'red')} {common.md(r.message)}")
    elif isinstance(result, PlanResult):
        st.dataframe(
            [
                {"Draft": p.id, "Size": f"{p.width}×{p.height}", "Layout": p.layout.template, "Prompt": p.prompt}
                for p in result.plan.drafts
            ],
            hide_index=True,
            width="stretch",
        )
    elif isinstance(result, ReviewStatusResult):
        counts = result.counts
        st.markdown(" ".join(common.status_badge(s) + f" **{n}**" for s, n in sorted(counts.items())) or "no drafts")
    elif isinstance(result, CampaignResult):
        st.markdown(
            "\n".join(f"- {common.md(d.id)} {common.status_badge(d.status)}" for d in result.run.drafts) or "no drafts"
        )
    else:
        st.caption(common.md(result.summary))


def drafts_made(actions: list[ToolCall]) -> list[StoredDraft]:
    return [d for a in actions if isinstance(a.result, CampaignResult) for d in a.result.run.drafts if d.image]


def show_message(entry: Message) -> None:
    avatar = ":material/person:" if entry.role == "user" else ":material/auto_awesome:"
    with st.chat_message(entry.role, avatar=avatar):
        for action in entry.actions:
            args = ", ".join(f"{k}={v!r}" for k, v in action.args.items())
            failed = action.result is not None and action.result.error is not None
            with st.expander(
                f"{action.tool}({common.md(args)})",
                icon=":material/error:" if failed else TOOL_ICONS.get(action.tool, ":material/build:"),
            ):
                show_result(action.result)
        st.markdown("  \n".join(common.md(line) for line in entry.text.splitlines()))
        made = drafts_made(entry.actions)
        if made:
            thumbnails(made[:12])


def thumbnails(drafts: list[StoredDraft]) -> None:
    """The drafts a run made, each a link to the draft in Review."""
    import base64
    from urllib.parse import urlencode

    cards = []
    for d in drafts:
        picture = common.thumb(d.image)
        if picture is None:
            continue
        link = "./?" + urlencode({"campaign": d.campaign, "draft": d.id})
        caption = f"{common.channel_name(d.channel)} · {common.STATUSES.get(d.status, ('',))[0]}"
        cards.append(
            f"<a href='{html.escape(link, quote=True)}' target='_self' title='Open {html.escape(d.id)} in Review' "
            "style='text-decoration:none;color:#4B5166;font-size:12.5px;display:inline-block;width:150px;"
            "margin:0 10px 10px 0'>"
            f"<img src='data:image/png;base64,{base64.b64encode(picture).decode()}' width='150' "
            f"style='border-radius:10px;display:block' alt='draft {html.escape(d.id)}'/>{html.escape(caption)}</a>"
        )
    if cards:
        st.html("<div class='ob-thumbs'>" + "".join(cards) + "</div>")


def main() -> None:
    from pipeline.brand.store import ProfileStore

    common.page_header(
        "Chat", "Ask about the brand, check a prompt, plan or run a brief, or see what waits for review."
    )
    brands = ProfileStore(common.settings()).known_brands()
    with st.sidebar:
        brand = st.selectbox(
            "Brand", [None, *brands], key="chat_brand", format_func=lambda b: "Any brand" if b is None else b
        )
        if st.button("New conversation", icon=":material/add_comment:", key="chat_clear"):
            st.session_state["chat"] = []
    history: list[Message] = st.session_state.setdefault("chat", [])
    if not history:
        st.caption("Try one of these:")
        with st.container(horizontal=True, gap="small"):
            for i, text in enumerate(SUGGESTIONS):
                st.button(text, key=f"suggest-{i}", on_click=ask, args=(text,))
    for entry in history:
        show_message(entry)
    typed = st.chat_input("Ask onbrand…", key="chat_input")
    text = typed or st.session_state.pop("chat_pending", None)
    if text:
        mine = Message(role="user", text=text)
        history.append(mine)
        show_message(mine)
        with st.spinner("Working on it…"):
            reply = answer(text, brand)
        history.append(reply)
        show_message(reply)


main()
