"""Review: a campaign's drafts as a gallery, drafts whose checks all passed set apart from flagged
ones; open one to see why, its final asset and (for a revision) its parent beside it, then approve,
reject with a reason, or request changes (the note is read into plan changes, re-rendered by the
flow). Decisions can be reopened; filters can always be cleared; shortcuts: A approve, X reject,
E request changes, U reopen, Escape back, arrows previous and next."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import streamlit as st

from pipeline.errors import UserError
from ui import common

if TYPE_CHECKING:
    from pipeline.models import Actor, ChangeRequest, DecisionEntry, RevisedDraft, StoredDraft

PAGE_SIZE = 24
REOPENABLE = ("approved", "rejected", "changes_requested", "rejected_by_gate")
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
DONE_WORDS = {"approve": "Approved", "reject": "Rejected", "request_changes": "Changes asked", "reopen": "Reopened"}
CHECK_ORDER = {"fail": 0, "warn": 1, "skipped": 2, "pass": 3}
SORTS = {
    "queue": "Queue order",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "id": "Draft id",
    "flagged": "Most flagged first",
}
FILTER_KEYS = ("f_status", "f_verdict", "f_channel", "f_check", "find")


# --- data -------------------------------------------------------------------------------------------


def _natural(text: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _sort_key(record: StoredDraft) -> tuple[Any, ...]:
    rank = ORDER.index(record.status) if record.status in ORDER else len(ORDER)
    return (rank, record.channel, _natural(record.id))


def sort_drafts(records: list[StoredDraft], how: str) -> list[StoredDraft]:
    if how == "newest":
        return sorted(records, key=lambda r: (r.updated_at, _natural(r.id)), reverse=True)
    if how == "oldest":
        return sorted(records, key=lambda r: (r.updated_at, _natural(r.id)))
    if how == "id":
        return sorted(records, key=lambda r: _natural(r.id))
    if how == "flagged":
        return sorted(records, key=lambda r: (-len(r.flagged()), _sort_key(r)))
    return sorted(records, key=_sort_key)


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
    people = [h for h in history if h.action in ("approve", "reject", "request_changes", "reopen")]
    return people[-1] if people else None


# --- decisions (callbacks: they run before the page, with what the reviewer saw) -------------------------


def _actor() -> Actor | None:
    found = common.actor()
    if found is None:
        common.flash("error", "Type your name (or sign in) to decide on drafts.")
    return found


def decide(draft_id: str, version: int, action: str, note_key: str | None, next_id: str | None) -> None:
    """Record one decision on the draft at the version the reviewer saw; a conflict is shown, and the
    reviewer's own note stays in its box. A request for changes reads the note first: a note that
    cannot be used is one message, and nothing is stored."""
    from pipeline.models import Decision
    from pipeline.review.store import DecisionConflict

    actor = _actor()
    if actor is None:
        return
    note = str(st.session_state.get(note_key, "")).strip() if note_key else ""
    if action == "reject" and not note:
        common.flash("error", "Say why the draft is rejected; the reason goes to the log and the next re-plan.")
        return
    if action == "request_changes" and not note:
        common.flash("error", "Say what should change; the note steers the re-plan.")
        return
    asked: ChangeRequest | None = None
    try:
        if action == "request_changes":
            from flows.launch import request_changes

            asked = request_changes(draft_id, note, common.settings(), actor, expected_version=version)
            record = asked.draft
        else:
            record = common.store().decide(
                Decision(draft_id=draft_id, action=action, reviewer=actor.name, note=note),
                expected_version=version,
                actor=actor,
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
    common.flash("success", f"{words} {record.id} (by {actor.name}).")
    st.session_state["_undo"] = (record.id, record.version, words.split()[0].lower())
    if asked is not None:
        _queue_revision(asked)
    if next_id is not None and st.query_params.get("draft") == draft_id:
        st.query_params["draft"] = next_id  # straight on to the next draft waiting for a decision


def _queue_revision(asked: ChangeRequest) -> None:
    actor = common.actor()
    if actor is None:
        return
    settings = common.settings()

    def work() -> RevisedDraft:
        from flows.launch import revise_draft  # as `onbrand review request-changes` does

        return revise_draft(asked, settings, actor, trigger="ui")

    common.queue().submit(
        "revise",
        f"{asked.draft.id}: {asked.note}",
        work,
        campaign=asked.draft.campaign,
        draft_id=asked.draft.id,
        by=actor.name,
        key=f"revise:{asked.draft.id}",
    )
    read = "; ".join(f"{c.aspect.replace('_', ' ')} → {c.value}" for c in asked.plan.changes)
    missed = "; ".join(asked.plan.not_acted_on)
    message = "Re-planning with your note and re-rendering; it comes back here for review."
    if read:
        message += f" Changes: {read}."
    if missed:
        common.flash("warning", f"I could not act on: {missed}. The rest of the note is being applied.")
    common.flash("info", message)


def retry_revision(draft_id: str, campaign: str) -> None:
    """Render the revision again from the note already recorded (the UI that queued it stopped)."""
    actor = _actor()
    if actor is None:
        return
    asked = [h for h in common.store().history(draft_id) if h.action == "request_changes"]
    if not asked:
        return
    note, settings = asked[-1].note, common.settings()
    overrides = settings.model_dump(mode="json", exclude={"llm_api_key"}, exclude_defaults=True)

    def work() -> RevisedDraft:
        from flows.campaign import revise_flow, run_here

        return cast(
            "RevisedDraft",
            run_here(
                revise_flow, draft_id=draft_id, note=note, actor=actor, settings_overrides=overrides, trigger="ui"
            ),
        )

    common.queue().submit(
        "revise",
        f"{draft_id}: {note}",
        work,
        campaign=campaign,
        draft_id=draft_id,
        by=actor.name,
        key=f"revise:{draft_id}",
    )


def reopen(draft_id: str, version: int | None) -> None:
    """Put a decided draft back in review; the decision and the reopen both stay in its log."""
    actor = _actor()
    if actor is None:
        return
    try:
        record = common.store().reopen(draft_id, actor=actor, expected_version=version)
    except UserError as exc:
        common.flash("error", str(exc))
        return
    st.session_state.pop("_undo", None)
    common.flash("success", f"Reopened {record.id}: it is in review again (by {actor.name}).")


def bulk_approve(seen: tuple[tuple[str, int], ...], confirmed: bool = False, passed_only: bool = False) -> None:
    """Approve every selected draft at the version the reviewer saw; conflicts are listed, not lost.
    Selected drafts that a check flagged are listed first and need a second click."""
    from pipeline.models import Decision
    from pipeline.review.store import DecisionConflict

    actor = _actor()
    if actor is None:
        return
    chosen = [(i, v) for i, v in seen if st.session_state.get(f"sel-{i}")]
    if not chosen:
        common.flash("info", "Tick the drafts to approve first.")
        return
    records = {r.id: r for r in common.store().list_drafts(ids=[i for i, _ in chosen])}
    flagged = [i for i, _ in chosen if i in records and not common.all_passed(records[i])]
    if flagged and not confirmed and not passed_only:
        st.session_state["_bulk_confirm"] = flagged
        return
    st.session_state.pop("_bulk_confirm", None)
    if passed_only:
        chosen = [(i, v) for i, v in chosen if i not in flagged]
    done, conflicts = [], []
    for draft_id, version in chosen:
        try:
            common.store().decide(
                Decision(draft_id=draft_id, action="approve", reviewer=actor.name),
                expected_version=version,
                actor=actor,
            )
            done.append(draft_id)
        except DecisionConflict as exc:
            conflicts.append(f"{exc}; your approval was not recorded")
        except UserError as exc:
            common.flash("error", str(exc))
            return
        st.session_state[f"sel-{draft_id}"] = False
    if done:
        common.flash("success", f"Approved {len(done)} draft(s) (by {actor.name}).")
    for conflict in conflicts:
        common.flash("warning", f"Not saved: {conflict}.")


def cancel_bulk() -> None:
    st.session_state.pop("_bulk_confirm", None)


def clear_filters() -> None:
    for key in FILTER_KEYS:
        st.session_state[key] = [] if key != "find" else ""


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
    """The sidebar's filters (kept while a draft is open, for Previous and Next), search and sort, and
    what they let through. "Clear filters" is always there once any filter is set."""
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
    chosen_status = st.session_state.get("f_status") or []
    verdict_counts: dict[str, int] = {}
    for r in records:
        if not chosen_status or r.status in chosen_status:
            verdict_counts[r.verdict] = verdict_counts.get(r.verdict, 0) + 1
    with st.sidebar:
        find = st.text_input("Find a draft", key="find", placeholder="draft id, e.g. story-2", icon=":material/search:")
        status = st.pills(
            "Review status",
            statuses,
            selection_mode="multi",
            key="f_status",
            format_func=lambda s: f"{common.STATUSES.get(s, (s, ''))[0]} · {counts[s]}",
            help="Where a draft stands with people.",
        )
        verdict = st.pills(
            "Gate verdict",
            list(common.VERDICTS),
            selection_mode="multi",
            key="f_verdict",
            format_func=lambda v: f"{common.VERDICTS[v][0]} · {verdict_counts.get(v, 0)}",
            help="What the automatic checks said (counted within the status chosen above).",
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
        active = bool(status or verdict or channel or check or find.strip())
        st.button(
            "Clear filters",
            key="clear-filters",
            icon=":material/filter_alt_off:",
            on_click=clear_filters,
            disabled=not active,
        )
        st.selectbox("Sort", list(SORTS), key="sort", format_func=lambda k: SORTS[k])
    wanted = find.strip().lower()
    out = [
        r
        for r in records
        if (not status or r.status in status)
        and (not verdict or r.verdict in verdict)
        and (not channel or r.channel in channel)
        and (not check or flagged(r) & set(check))
        and (not wanted or wanted in r.id.lower())
    ]
    return sort_drafts(out, str(st.session_state.get("sort") or "queue"))


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
        passed = common.all_passed(record)
        marker = "ob-passed" if passed else "ob-flagged"
        st.markdown(
            f"<span class='{marker}'></span>{common.status_badge(record.status)} {common.checks_badge(record)} "
            f"{replan_badge(record)}",
            unsafe_allow_html=True,
        )
        chips = [common.check_badge(c) for c in record.checks if c.name in KEY_SCORES and c.status != "skipped"]
        chips += [common.check_badge(c, with_score=False) for c in record.flagged() if c.name not in KEY_SCORES]
        if chips:
            st.markdown(" ".join(chips))
        decided = last_decision(common.store().history(record.id)) if record.status != "in_review" else None
        if decided is not None:
            action = DONE_WORDS.get(decided.action, decided.action)
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


def undo_bar() -> None:
    """The last decision made here, with a way to take it back."""
    done = st.session_state.get("_undo")
    if not done:
        return
    draft_id, version, word = done
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.caption(common.md(f"{word.capitalize()}: {draft_id}"))
        st.button(
            "Undo",
            key="undo",
            icon=":material/undo:",
            type="tertiary",
            on_click=reopen,
            args=(draft_id, version),
            shortcut="U",
        )


def bulk_confirm(waiting: list[StoredDraft]) -> None:
    """Selected drafts that a check flagged: listed, and approved only on a second, deliberate click."""
    flagged_ids = st.session_state.get("_bulk_confirm")
    if not flagged_ids:
        return
    by_id = {r.id: r for r in waiting}
    seen = tuple((r.id, r.version) for r in waiting)
    selected = sum(1 for r in waiting if st.session_state.get(f"sel-{r.id}"))
    with st.container(border=True, key="bulk-confirm-box"):
        st.warning(
            f"{len(flagged_ids)} of the {selected} selected draft(s) were flagged by a check. Approve them too?",
            icon=":material/warning:",
        )
        for draft_id in flagged_ids:
            record = by_id.get(draft_id)
            if record is not None:
                st.markdown(f"- **{common.md(draft_id)}** {common.checks_badge(record)}")
        with st.container(horizontal=True, gap="small"):
            st.button(
                f"Approve all {selected}",
                key="bulk-confirm",
                type="primary",
                on_click=bulk_approve,
                args=(seen,),
                kwargs={"confirmed": True},
            )
            if selected > len(flagged_ids):
                st.button(
                    f"Approve only the {selected - len(flagged_ids)} that passed",
                    key="bulk-passed",
                    on_click=bulk_approve,
                    args=(seen,),
                    kwargs={"passed_only": True},
                )
            st.button("Cancel", key="bulk-cancel", on_click=cancel_bulk, type="tertiary")


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
    if can_decide:
        bulk_confirm(waiting)
    if not shown:
        st.info("No drafts match these filters.", icon=":material/filter_alt_off:")
        st.button("Clear filters", key="clear-filters-empty", on_click=clear_filters, icon=":material/filter_alt_off:")
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
            reject_col, change_col = st.columns(2, gap="small")
            with reject_col:
                st.text_input("Why reject it?", key=f"reason-{record.id}", placeholder="e.g. logo corner is busy")
                st.button(
                    "Reject",
                    key=f"d-reject-{record.id}",
                    icon=":material/close:",
                    shortcut="X",
                    help="Reject with the reason above (X)",
                    on_click=decide,
                    args=(record.id, record.version, "reject", f"reason-{record.id}", nxt),
                    width="stretch",
                )
            with change_col:
                st.text_area(
                    "What should change?",
                    key=f"change-{record.id}",
                    placeholder="e.g. Sea Foam backdrop, can on the left, warmer light",
                    height=68,
                )
                st.button(
                    "Request changes",
                    key=f"d-changes-{record.id}",
                    icon=":material/edit_note:",
                    shortcut="E",
                    help="Re-plan with the note above and re-render (E). Colours, light, mood, the can's side "
                    "and size, space above or around it, things to add or remove.",
                    on_click=decide,
                    args=(record.id, record.version, "request_changes", f"change-{record.id}", nxt),
                    width="stretch",
                )
        elif record.status == "in_review":
            st.markdown("**Waiting for a reviewer**")
            st.caption("You can look; deciding needs the reviewer role.")
        else:
            decided = last_decision(history)
            st.markdown(common.status_badge(record.status))
            if decided is not None:
                note = f" — “{common.md(decided.note)}”" if decided.note else ""
                word = DONE_WORDS.get(decided.action, decided.action)
                st.markdown(f"{word} by **{common.md(decided.reviewer)}** · {common.relative_time(decided.at)}{note}")
            elif record.status == "rejected_by_gate":
                st.caption("The gate held it back; the campaign run re-plans what the gate rejects.")
            if can_decide and record.status in REOPENABLE:
                st.button(
                    "Reopen for review",
                    key=f"reopen-{record.id}",
                    icon=":material/undo:",
                    shortcut="U",
                    help="Put it back in review (U); the decision stays in the log.",
                    on_click=reopen,
                    args=(record.id, record.version),
                )


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
        st.button(
            "All drafts",
            icon=":material/arrow_back:",
            key="back",
            on_click=open_draft,
            args=(None,),
            shortcut="Escape",
            help="Back to the gallery (Escape)",
        )
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
        f"{common.status_badge(record.status)} {common.checks_badge(record)} {common.verdict_badge(record.verdict)} "
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
        if why and not common.all_passed(record):
            st.markdown("**What the checks flagged**")
            st.markdown("\n".join(f"- {common.md(w)}" for w in why))
        elif common.all_passed(record):
            st.success("All checks passed: a person still decides.", icon=":material/verified:")
        st.markdown("**Checks**")
        for c in sorted(record.checks, key=lambda c: CHECK_ORDER.get(c.status, 4)):
            score = c.score
            number = f" `{score:.2f}`" if score is not None and c.status != "skipped" and score <= 1 else ""
            mark = common.badge(c.status, common.CHECK_COLOURS.get(c.status, "gray"), common.CHECK_ICONS.get(c.status))
            st.markdown(f"{mark} **{common.md(c.name.replace('_', ' '))}**{number} :gray[{common.md(c.reason)}]")
    parent = next((r for r in lineage if r.id == record.parent_id), None)
    names = ["Final asset", "Prompt", f"Lineage ({len(lineage)})", f"Decisions ({len(history)})"]
    names.append(f"Brand rules used ({len(plan.rule_quotes)})")
    if parent is not None:
        names.insert(1, "Compared with its parent")
    tabs = dict(zip(names, st.tabs(names), strict=True))
    with tabs["Final asset"]:
        final_asset_panel(record, labels)
    if parent is not None:
        with tabs["Compared with its parent"]:
            compare_with_parent(record, parent)
    prompt_tab = tabs["Prompt"]
    lineage_tab, history_tab, rules_tab = (tabs[n] for n in names[-3:])
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
            word = DONE_WORDS.get(h.action, h.action.capitalize())
            st.markdown(
                f"{common.status_badge(h.to_status)} {word} by **{common.md(h.reviewer)}** "
                f":gray[{h.at:%d %b %Y %H:%M}]{note}"
            )
    with rules_tab:
        if not plan.rule_quotes:
            st.caption("The plan quoted no guideline rules.")
        for quote in plan.rule_quotes:
            st.markdown(f"- {common.md(quote)}")


def final_asset_panel(record: StoredDraft, labels: dict[str, str]) -> None:
    """The draft as it would be exported: composed at its channel's size with the brand's headline,
    call to action and logo, and why each colour was chosen."""
    try:
        found = common.final_asset(record)
    except Exception as exc:
        message = common.one_line(exc)
        if message is None:
            raise
        st.error(message, icon=":material/error:")
        return
    if found is None:
        st.caption("No render to compose.")
        return
    picture, how = found
    left, right = st.columns([1.2, 1], gap="large")
    with left:
        st.image(picture, caption=f"as exported for {labels.get(record.channel, record.channel)}", width="stretch")
    with right:
        for role, colour in how.text.items():
            swatch = (
                f"<i style='display:inline-block;width:12px;height:12px;border-radius:3px;background:{colour.hex}'></i>"
            )
            st.markdown(
                f"{swatch} **{role}** in {common.md(colour.name or colour.hex)} :gray[{common.md(colour.reason)}]",
                unsafe_allow_html=True,
            )
        if how.cta_form == "button" and how.cta_fill is not None:
            st.markdown(f"**call to action** a button in {common.md(how.cta_fill.name or how.cta_fill.hex)}")
        st.markdown(f"**logo** {common.md(how.logo or 'none: the brand kit has no logo file')}")
        for note in how.notes:
            st.caption(common.md(note))


def compare_with_parent(record: StoredDraft, parent: StoredDraft) -> None:
    """The revision beside the draft it revises, with what the note changed and what it could not."""
    from ui.imaging import view_png

    store = common.store()
    plan, before = store.detail(record.id).plan, store.detail(parent.id).plan
    left, right = st.columns(2, gap="medium")
    for column, step, label in ((left, parent, "Before"), (right, record, "After")):
        with column:
            st.markdown(f"**{label}** :gray[{common.md(step.id)}]")
            if step.image and Path(step.image).is_file():
                st.image(view_png(step.image, 480), width="stretch")
    if plan.changes:
        st.markdown("**What the note changed**")
        st.markdown("\n".join(f"- {common.md(c.describe())}" for c in plan.changes))
    if plan.not_acted_on:
        st.warning("I could not act on: " + "; ".join(plan.not_acted_on), icon=":material/help:")
    if before.layout.template != plan.layout.template:
        st.caption(f"Layout: {before.layout.template.replace('_', ' ')} → {plan.layout.template.replace('_', ' ')}")
    with st.expander("Prompts before and after"):
        st.code(before.prompt, language=None, wrap_lines=True)
        st.code(plan.prompt, language=None, wrap_lines=True)


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
    made = f"{run.rendered + run.failed}/{run.planned} stored" if run.finished_at else f"{run.planned} to render"
    by = f" by {run.requested_by}" if run.requested_by else ""
    return f"{run.started_at:%d %b %H:%M} · {run.trigger}{by} · {run.status} · {made}"


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
    groups = [
        ("In review", ("in_review",), ":material/hourglass_top:"),
        ("Approved", ("approved", "exported"), ":material/check_circle:"),
        ("Changes requested", ("changes_requested",), ":material/edit_note:"),
        ("Rejected by a reviewer", ("rejected",), ":material/block:"),
        ("Held back by the gate", ("rejected_by_gate",), ":material/gpp_bad:"),
    ]
    rest = sum(n for s, n in counts.items() if not any(s in g for _, g, _ in groups))
    if rest:
        groups.append(
            (
                "Other (failed, unchecked)",
                tuple(s for s in counts if not any(s in g for _, g, _ in groups)),
                ":material/help:",
            )
        )
    with st.container(horizontal=True, gap="small"):
        for label, statuses, icon in groups:
            st.metric(label, sum(counts.get(s, 0) for s in statuses), border=True, icon=icon)
    total = sum(counts.values())
    st.caption(
        f"{total} draft(s) in this campaign"
        + (" and run" if run is not None else "")
        + ": the counts above add up to it."
    )
    undo_bar()
    gallery(shown, can_decide)


main()
