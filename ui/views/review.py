"""Review: a campaign's drafts as a gallery with the gate's verdict on each; open one to see why,
then approve, reject with a reason, or request changes (re-planned and re-rendered by the flow)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import streamlit as st

from pipeline.errors import UserError
from ui import common

if TYPE_CHECKING:
    from pipeline.models import DecisionEntry, RevisedDraft, StoredDraft

PAGE_SIZE = 24
ORDER = [
    "in_review",
    "changes_requested",
    "approved",
    "rejected",
    "rejected_by_gate",
    "exported",
    "failed",
    "generated",
]
KEY_SCORES = ("palette", "layout")  # shown on every card; other checks only when they warn or fail
QUIET_REASONS = ("waiting for a person",)
DONE_WORDS = {"approve": "Approved", "reject": "Rejected", "request_changes": "Changes asked"}
CHECK_ORDER = {"fail": 0, "warn": 1, "skipped": 2, "pass": 3}


# --- data -------------------------------------------------------------------------------------------


def _natural(text: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _sort_key(record: StoredDraft) -> tuple[Any, ...]:
    rank = ORDER.index(record.status) if record.status in ORDER else len(ORDER)
    return (rank, record.channel, _natural(record.id))


def reasons_of(record: StoredDraft) -> list[str]:
    return [r for r in record.reasons if not any(q in r for q in QUIET_REASONS)]


def flagged(record: StoredDraft) -> set[str]:
    """Checks that failed or warned on this draft."""
    return {c.name for c in record.flagged()}


def replan_badge(record: StoredDraft) -> str:
    found = re.findall(r"-r(\d+)$", record.id)
    return common.badge(f"re-plan {found[-1]}", "violet", ":material/history:") if found else ""


def draft_number(record: StoredDraft) -> str:
    """'#3' for campaign-channel-3, '#3 · re-plan 1' for campaign-channel-3-r1."""
    match = re.search(r"-(\d+)((?:-r\d+)*)$", record.id)
    if not match:
        return record.id
    replans = re.findall(r"-r(\d+)", match.group(2))
    return f"#{match.group(1)}" + (f" · re-plan {replans[-1]}" if replans else "")


def last_decision(history: list[DecisionEntry]) -> DecisionEntry | None:
    people = [h for h in history if h.action in ("approve", "reject", "request_changes")]
    return people[-1] if people else None


# --- decisions (callbacks: they run before the page, with what the reviewer saw) -------------------------


def _reviewer() -> str | None:
    name = common.reviewer_name()
    if name is None:
        common.flash("error", "Deciding needs the reviewer role; you can look around.")
    return name


def decide(draft_id: str, version: int, action: str, note_key: str | None, next_id: str | None) -> None:
    """Record one decision on the draft at the version the reviewer saw; a conflict is shown, and the
    reviewer's own note stays in its box."""
    from pipeline.models import Decision
    from pipeline.review.store import DecisionConflict

    reviewer = _reviewer()
    if reviewer is None:
        return
    note = str(st.session_state.get(note_key, "")).strip() if note_key else ""
    if action == "reject" and not note:
        common.flash("error", "Say why the draft is rejected; the reason goes to the log and the next re-plan.")
        return
    if action == "request_changes" and not note:
        common.flash("error", "Say what should change; the note steers the re-plan.")
        return
    try:
        record = common.store().decide(
            Decision(draft_id=draft_id, action=action, reviewer=reviewer, note=note),
            expected_version=version,
        )
    except DecisionConflict as exc:
        wanted = {"approve": "approve it", "reject": "reject it", "request_changes": "ask for changes"}[action]
        mine = f" You wanted to {wanted}" + (f": “{note}”" if note else "") + "."
        common.flash("warning", f"Not saved: {exc}.{mine}")
        return
    except UserError as exc:
        common.flash("error", str(exc))
        return
    if note_key:
        st.session_state[note_key] = ""
    words = {"approve": "Approved", "reject": "Rejected", "request_changes": "Changes requested for"}[action]
    common.flash("success", f"{words} {record.id} (by {reviewer}).")
    if action == "request_changes":
        _queue_revision(record.id, record.campaign, note, reviewer)
    if next_id is not None and st.query_params.get("draft") == draft_id:
        st.query_params["draft"] = next_id  # straight on to the next draft waiting for a decision


def _queue_revision(draft_id: str, campaign: str, note: str, by: str) -> None:
    def work() -> RevisedDraft:
        from flows.campaign import revise_flow, run_here  # as `onbrand review request-changes` does

        return cast("RevisedDraft", run_here(revise_flow, draft_id=draft_id, note=note, trigger="ui"))

    common.queue().submit("revise", f"{draft_id}: {note}", work, campaign=campaign, draft_id=draft_id, by=by)
    common.flash("info", "The draft is being re-planned with your note and re-rendered; it comes back here for review.")


def retry_revision(draft_id: str, campaign: str) -> None:
    reviewer = _reviewer()
    if reviewer is None:
        return
    asked = [h for h in common.store().history(draft_id) if h.action == "request_changes"]
    if asked:
        _queue_revision(draft_id, campaign, asked[-1].note, reviewer)


def bulk_approve(seen: tuple[tuple[str, int], ...]) -> None:
    """Approve every selected draft at the version the reviewer saw; conflicts are listed, not lost."""
    from pipeline.models import Decision
    from pipeline.review.store import DecisionConflict

    reviewer = _reviewer()
    if reviewer is None:
        return
    chosen = [(i, v) for i, v in seen if st.session_state.get(f"sel-{i}")]
    if not chosen:
        common.flash("info", "Tick the drafts to approve first.")
        return
    done, conflicts = [], []
    for draft_id, version in chosen:
        try:
            common.store().decide(
                Decision(draft_id=draft_id, action="approve", reviewer=reviewer), expected_version=version
            )
            done.append(draft_id)
        except DecisionConflict as exc:
            conflicts.append(f"{exc}; your approval was not recorded")
        st.session_state[f"sel-{draft_id}"] = False
    if done:
        common.flash("success", f"Approved {len(done)} draft(s) (by {reviewer}).")
    for conflict in conflicts:
        common.flash("warning", f"Not saved: {conflict}.")


def select_all(ids: tuple[str, ...], value: bool) -> None:
    for draft_id in ids:
        st.session_state[f"sel-{draft_id}"] = value


def open_draft(draft_id: str | None) -> None:
    if draft_id is None:
        st.query_params.pop("draft", None)
    else:
        st.query_params["draft"] = draft_id


# --- the gallery -----------------------------------------------------------------------------------------


def filters(records: list[StoredDraft]) -> list[StoredDraft]:
    """The sidebar's filters (kept while a draft is open, for Previous and Next) and what they let through."""
    counts: dict[str, int] = {}
    for r in records:
        counts[r.status] = counts.get(r.status, 0) + 1
    statuses = [s for s in ORDER if s in counts] + sorted(s for s in counts if s not in ORDER)
    if "f_status" not in st.session_state:
        st.session_state["f_status"] = ["in_review"] if "in_review" in counts else []
    st.session_state["f_status"] = [s for s in st.session_state["f_status"] if s in statuses]
    channels = sorted({r.channel for r in records})
    labels = common.channel_labels()
    checks = sorted({name for r in records for name in flagged(r)})
    with st.sidebar:
        status = st.pills(
            "Status",
            statuses,
            selection_mode="multi",
            key="f_status",
            format_func=lambda s: f"{common.STATUSES.get(s, (s, ''))[0]} · {counts[s]}",
        )
        verdict = st.pills(
            "Gate verdict",
            list(common.VERDICTS),
            selection_mode="multi",
            key="f_verdict",
            format_func=lambda v: common.VERDICTS[v][0],
        )
        channel = st.multiselect(
            "Channel", channels, key="f_channel", format_func=lambda c: labels.get(c, c), placeholder="All channels"
        )
        check = st.multiselect(
            "Flagged by check",
            checks,
            key="f_check",
            format_func=lambda c: c.replace("_", " "),
            placeholder="Any check",
            help="Drafts where one of these checks failed or warned.",
        )
    out = [
        r
        for r in records
        if (not status or r.status in status)
        and (not verdict or r.verdict in verdict)
        and (not channel or r.channel in channel)
        and (not check or flagged(r) & set(check))
    ]
    return sorted(out, key=_sort_key)


def card(record: StoredDraft, can_decide: bool, nxt: str | None) -> None:
    decidable = record.status == "in_review" and can_decide
    with st.container(border=True, key=f"card-{record.id}"):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.markdown(f"**{common.channel_name(record.channel)}** · {draft_number(record).split(' ')[0]}")
            if decidable:
                st.space("stretch")
                st.checkbox(
                    "Select", key=f"sel-{record.id}", label_visibility="collapsed", help="Select for bulk approve"
                )
        picture = common.thumb(record.image)
        if picture is not None:
            st.image(picture, width="stretch", alt=f"draft {record.id}")
        else:
            st.info("No image: the render failed.", icon=":material/broken_image:")
        st.markdown(
            f"{common.status_badge(record.status)} {common.verdict_badge(record.verdict)} {replan_badge(record)}"
        )
        chips = [common.check_badge(c) for c in record.checks if c.name in KEY_SCORES and c.status != "skipped"]
        chips += [common.check_badge(c, with_score=False) for c in record.flagged() if c.name not in KEY_SCORES]
        if chips:
            st.markdown(" ".join(chips))
        decided = last_decision(common.store().history(record.id)) if record.status != "in_review" else None
        if decided is not None:
            action = DONE_WORDS[decided.action]
            note = f": {decided.note}" if decided.note else ""
            st.caption(common.md(f"{action} by {decided.reviewer}{note}"))
        else:
            why = reasons_of(record)
            st.caption(common.md(why[0][:110]) if why else ":green[All checks passed]")
        with st.container(horizontal=True, vertical_alignment="center", gap="small", wrap=False):
            st.button(
                "Open",
                key=f"open-{record.id}",
                on_click=open_draft,
                args=(record.id,),
                width="stretch",
            )
            if decidable:
                st.button(
                    "Approve",
                    key=f"approve-{record.id}",
                    type="primary",
                    on_click=decide,
                    args=(record.id, record.version, "approve", None, nxt),
                    width="stretch",
                )


def gallery(shown: list[StoredDraft], can_decide: bool) -> None:
    waiting = [r for r in shown if r.status == "in_review"]
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(f"**{len(shown)} draft(s)**" + (f" · {len(waiting)} waiting for a decision" if waiting else ""))
        if can_decide and waiting:
            ids = tuple(r.id for r in waiting)
            selected = sum(1 for i in ids if st.session_state.get(f"sel-{i}"))
            st.space("stretch")
            st.button("Select all", key="select-all", on_click=select_all, args=(ids, True), type="tertiary")
            st.button("Clear", key="select-none", on_click=select_all, args=(ids, False), type="tertiary")
            st.button(
                f"Approve selected ({selected})",
                key="bulk-approve",
                type="primary",
                icon=":material/done_all:",
                disabled=not selected,
                on_click=bulk_approve,
                args=(tuple((r.id, r.version) for r in waiting),),
            )
    if not shown:
        st.info("No drafts match these filters.", icon=":material/filter_alt_off:")
        return
    limit = int(st.session_state.get("gallery_limit", PAGE_SIZE))
    columns = 4
    for start in range(0, min(len(shown), limit), columns):
        row = st.columns(columns, gap="medium")
        for col, record in zip(row, shown[start : start + columns], strict=False):
            with col:
                card(record, can_decide, None)
    if len(shown) > limit and st.button(f"Show {min(PAGE_SIZE, len(shown) - limit)} more", key="more"):
        st.session_state["gallery_limit"] = limit + PAGE_SIZE
        st.rerun()


# --- one draft ------------------------------------------------------------------------------------------


def _legend() -> None:
    from ui.imaging import ROLE_COLOURS

    items = "".join(
        f"<span><i style='background: rgb{colour}'></i>{role}</span>"
        for role, colour in ROLE_COLOURS.items()
        if role != "free"
    )
    st.html(f"<div class='ob-legend'>{items}</div>")


def decision_panel(record: StoredDraft, can_decide: bool, nxt: str | None, history: list[DecisionEntry]) -> None:
    with st.container(border=True):
        if record.status == "in_review" and can_decide:
            st.markdown("**Your decision**")
            st.text_input("Note (optional)", key=f"note-{record.id}", placeholder="e.g. good light, keep")
            st.button(
                "Approve",
                key=f"d-approve-{record.id}",
                type="primary",
                icon=":material/check:",
                shortcut="A",
                help="Approve, then on to the next draft waiting (A)",
                on_click=decide,
                args=(record.id, record.version, "approve", f"note-{record.id}", nxt),
                width="stretch",
            )
            with st.container(horizontal=True, gap="small", wrap=False):
                with st.popover("Reject", icon=":material/close:", width="stretch"):
                    st.text_input(
                        "Why is it rejected?", key=f"reason-{record.id}", placeholder="e.g. logo corner is busy"
                    )
                    st.button(
                        "Reject draft",
                        key=f"d-reject-{record.id}",
                        on_click=decide,
                        args=(record.id, record.version, "reject", f"reason-{record.id}", nxt),
                    )
                with st.popover("Request changes", icon=":material/edit_note:", width="stretch"):
                    st.text_area(
                        "What should change?",
                        key=f"change-{record.id}",
                        placeholder="e.g. warmer light, more space above the can",
                        height=90,
                    )
                    st.caption("The draft is re-planned with your note, re-rendered and comes back for review.")
                    st.button(
                        "Request changes",
                        key=f"d-changes-{record.id}",
                        on_click=decide,
                        args=(record.id, record.version, "request_changes", f"change-{record.id}", nxt),
                    )
        elif record.status == "in_review":
            st.markdown("**Waiting for a reviewer**")
            st.caption("You can look; deciding needs the reviewer role.")
        else:
            decided = last_decision(history)
            st.markdown(common.status_badge(record.status))
            if decided is not None:
                note = f" — “{common.md(decided.note)}”" if decided.note else ""
                st.markdown(f"by **{common.md(decided.reviewer)}** · {common.relative_time(decided.at)}{note}")
            elif record.status == "rejected_by_gate":
                st.caption("The gate rejected it; the campaign run re-plans gate rejections.")


def revision_status(record: StoredDraft, lineage: list[StoredDraft], can_decide: bool) -> None:
    """Where the re-plan a reviewer asked for is: queued, running, back in review, or failed."""
    children = [r for r in lineage if r.parent_id == record.id]
    if children:
        child = children[-1]
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"Revised as **{common.md(child.id)}** {common.status_badge(child.status)}")
            st.button("Open it", key=f"child-{child.id}", on_click=open_draft, args=(child.id,))
        return
    jobs = [j for j in common.queue().jobs(100) if j.kind == "revise" and j.draft_id == record.id]
    if jobs and jobs[0].active:
        _poll_revision(record.id)
    elif jobs and jobs[0].status == "failed":
        st.error(f"The re-render failed: {jobs[0].error}", icon=":material/error:")
        if can_decide:
            st.button("Try again", key="retry-revision", on_click=retry_revision, args=(record.id, record.campaign))
    elif can_decide:
        st.caption("No revision yet (the UI that queued it may have stopped).")
        st.button(
            "Re-render with the note", key="retry-revision", on_click=retry_revision, args=(record.id, record.campaign)
        )


@st.fragment(run_every=2)
def _poll_revision(draft_id: str) -> None:
    jobs = [j for j in common.queue().jobs(100) if j.kind == "revise" and j.draft_id == draft_id]
    if jobs and jobs[0].active:
        st.info(f"Re-planning and re-rendering ({jobs[0].status})…", icon=":material/progress_activity:")
    else:
        st.rerun(scope="app")


def detail(record: StoredDraft, shown: list[StoredDraft], can_decide: bool) -> None:
    from ui.imaging import condition_png, overlay_png, view_png

    store = common.store()
    labels = common.channel_labels()
    ids = [r.id for r in shown]
    at = ids.index(record.id) if record.id in ids else -1
    prev_id = ids[at - 1] if at > 0 else None
    next_id = ids[at + 1] if 0 <= at < len(ids) - 1 else None
    later = [r.id for r in shown[at + 1 :] if r.status == "in_review"] if at >= 0 else []
    after_decision = later[0] if later else None
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("All drafts", icon=":material/arrow_back:", key="back", on_click=open_draft, args=(None,))
        st.space("stretch")
        if at >= 0:
            st.caption(f"{at + 1} of {len(ids)}")
        st.button(
            "Previous",
            icon=":material/chevron_left:",
            key="prev",
            disabled=prev_id is None,
            on_click=open_draft,
            args=(prev_id,),
            shortcut="Left",
        )
        st.button(
            "Next",
            icon=":material/chevron_right:",
            icon_position="right",
            key="next",
            disabled=next_id is None,
            on_click=open_draft,
            args=(next_id,),
            shortcut="Right",
        )
    stored = store.detail(record.id)
    plan, draft = stored.plan, stored.draft
    history = store.history(record.id)
    try:
        lineage = store.lineage(record.id)
    except (AttributeError, UserError):
        lineage = [record]
    st.subheader(
        f"{common.channel_name(record.channel)} · {draft_number(record)}",
        anchor=False,
        help=labels.get(record.channel),
    )
    st.markdown(
        f"{common.status_badge(record.status)} {common.verdict_badge(record.verdict)} "
        f":gray[{common.md(record.id)} · {common.md(record.campaign)}]"
    )
    left, right = st.columns([1.2, 1], gap="large")
    with left:
        show_boxes = st.toggle("Show layout boxes", key="overlay")
        if record.image:
            picture = overlay_png(record.image, plan.layout) if show_boxes else view_png(record.image)
            st.image(picture, width="stretch", alt=f"draft {record.id}")
        if show_boxes:
            _legend()
        with st.container(horizontal=True, vertical_alignment="top", gap="medium"):
            st.image(
                condition_png(draft.condition_path if draft else None, plan.layout, plan.width, plan.height, 200),
                caption=f"ControlNet condition ({plan.controlnet}, scale {plan.controlnet_scale:g})",
                width=200,
            )
            st.markdown(
                f"**Layout** {common.md(plan.layout.template.replace('_', ' '))}  \n"
                f"**Composition** {common.md(plan.composition or '—')}  \n"
                f"**Render** {plan.width}×{plan.height} px · seed `{plan.seed}`  \n"
                f"**Model** {common.md(draft.model if draft else '—')} · {draft.steps if draft else '—'} steps"
            )
    with right:
        decision_panel(record, can_decide, after_decision, history)
        if record.status == "changes_requested":
            revision_status(record, lineage, can_decide)
        why = reasons_of(record)
        if why:
            st.markdown("**Why it needs a look**")
            st.markdown("\n".join(f"- {common.md(w)}" for w in why))
        st.markdown("**Checks**")
        for c in sorted(record.checks, key=lambda c: CHECK_ORDER.get(c.status, 4)):
            score = c.score
            number = f" `{score:.2f}`" if score is not None and c.status != "skipped" and score <= 1 else ""
            mark = common.badge(c.status, common.CHECK_COLOURS.get(c.status, "gray"), common.CHECK_ICONS.get(c.status))
            st.markdown(f"{mark} **{common.md(c.name.replace('_', ' '))}**{number} :gray[{common.md(c.reason)}]")
    prompt_tab, lineage_tab, history_tab, rules_tab = st.tabs(
        [
            "Prompt",
            f"Lineage ({len(lineage)})",
            f"Decisions ({len(history)})",
            f"Brand rules used ({len(plan.rule_quotes)})",
        ]
    )
    with prompt_tab:
        st.markdown("**Prompt**")
        st.code(plan.prompt, language=None, wrap_lines=True)
        st.markdown("**Negative prompt**")
        st.code(plan.negative_prompt or "—", language=None, wrap_lines=True)
        if plan.replan_reason:
            st.markdown(f"**Why it was re-planned** {common.md(plan.replan_reason)}")
    with lineage_tab:
        lineage_row(lineage, record.id)
    with history_tab:
        if not history:
            st.caption("No decisions yet.")
        for h in history:
            note = f" — “{common.md(h.note)}”" if h.note else ""
            st.markdown(
                f"{common.status_badge(h.to_status)} **{common.md(h.reviewer)}** :gray[{h.at:%d %b %Y %H:%M}]{note}"
            )
    with rules_tab:
        if not plan.rule_quotes:
            st.caption("The plan quoted no guideline rules.")
        for quote in plan.rule_quotes:
            st.markdown(f"- {common.md(quote)}")


def lineage_row(lineage: list[StoredDraft], current: str) -> None:
    if len(lineage) == 1:
        st.caption("This draft has not been re-planned.")
    with st.container(horizontal=True, gap="medium"):
        for step in lineage:
            with st.container(border=True, width=190, key=f"lin-{step.id}"):
                picture = common.thumb(step.image)
                if picture is not None:
                    st.image(picture, width="stretch")
                st.markdown(f"{common.status_badge(step.status)}")
                st.caption(common.md(step.id) + (" · **this draft**" if step.id == current else ""))
                if step.id != current:
                    st.button("Open", key=f"lin-open-{step.id}", on_click=open_draft, args=(step.id,))


# --- the page ---------------------------------------------------------------------------------------------


def run_label(run: Any) -> str:
    made = f"{run.rendered}/{run.planned} drafts" if run.finished_at else f"{run.planned} planned"
    return f"{run.started_at:%d %b %H:%M} · {run.trigger} · {run.status} · {made}"


def main() -> None:
    common.page_header("Review", "Decide on each draft at a glance; open one for its checks, layout and history.")
    user = common.current_user()
    can_decide = bool(user and user.can_decide)
    store = common.store()
    campaigns = sorted(store.campaigns())
    if not campaigns:
        st.info("No drafts yet. Run a campaign first, then its drafts appear here.", icon=":material/photo_library:")
        st.page_link("views/campaigns.py", label="Go to Campaigns", icon=":material/rocket_launch:")
        return
    wanted = st.query_params.get("campaign")  # a link from another page, or a shared URL
    if wanted in campaigns and wanted != st.session_state.get("_rv_applied"):
        st.session_state["rv_campaign"] = wanted
    if st.session_state.get("rv_campaign") not in campaigns:
        st.session_state["rv_campaign"] = campaigns[0]
    try:
        runs = store.runs(campaign=st.session_state["rv_campaign"], limit=30)
    except AttributeError:  # a review store without run records
        runs = []
    by_id = {r.id: r for r in runs}
    with st.sidebar:
        campaign = st.selectbox("Campaign", campaigns, key="rv_campaign")
        run = st.selectbox(
            "Run",
            [None, *by_id],
            key=f"rv_run-{campaign}",
            format_func=lambda i: "All runs" if i is None else run_label(by_id[i]),
        )
    st.query_params["campaign"] = st.session_state["_rv_applied"] = campaign
    records = store.list_drafts(campaign=campaign)
    if run is not None:
        records = [r for r in records if r.run_id == run]
    shown = filters(records)
    counts: dict[str, int] = {}
    for r in records:
        counts[r.status] = counts.get(r.status, 0) + 1
    open_id = st.query_params.get("draft")
    found = store.list_drafts(ids=[open_id]) if open_id else []
    if found:
        detail(found[0], shown, can_decide)
        return
    if open_id:
        st.query_params.pop("draft", None)
        st.warning(f"No draft '{open_id}' in the review store.", icon=":material/warning:")
    with st.container(horizontal=True, gap="small"):
        for label, statuses, icon in (
            ("In review", ("in_review",), ":material/hourglass_top:"),
            ("Approved", ("approved", "exported"), ":material/check_circle:"),
            ("Changes requested", ("changes_requested",), ":material/edit_note:"),
            ("Rejected", ("rejected", "rejected_by_gate"), ":material/block:"),
        ):
            st.metric(label, sum(counts.get(s, 0) for s in statuses), border=True, icon=icon)
    gallery(shown, can_decide)


main()
