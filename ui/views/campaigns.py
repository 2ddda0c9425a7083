"""Campaigns: briefs (validated, uploaded or picked from a folder), run one now and watch it, recent
runs, and the schedules that ``onbrand serve`` registers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import streamlit as st

from pipeline.errors import UserError
from pipeline.models import CampaignRun
from ui import common

if TYPE_CHECKING:
    from pipeline.models import Actor, Brief, RunRecord
    from ui.jobs import Job


RUN_MARKS = {"running": "⏳", "completed": "✅", "failed": "❌", "crashed": "💥"}


# --- briefs ------------------------------------------------------------------------------------------------


def known() -> list[tuple[str, Path, Brief | None, str]]:
    """Every brief by name (workspace first, then the samples): the brief, or why it is invalid."""
    from pipeline.campaign.briefs import load_brief
    from pipeline.campaign.lookup import known_briefs

    out: list[tuple[str, Path, Brief | None, str]] = []
    for name, path in known_briefs(common.settings()).items():
        try:
            out.append((name, path, load_brief(path), ""))
        except UserError as exc:
            out.append((name, path, None, str(exc)))
    return out


def where(path: Path) -> str:
    from pipeline.settings import DATA_DIR

    home = common.settings().home
    if path.is_relative_to(home):
        return "workspace"
    return "sample" if path.is_relative_to(DATA_DIR) else "brief folder"


def brief_summary(brief: Brief) -> None:
    st.markdown(
        f"**{common.md(brief.campaign)}** · {common.md(brief.brand)} · {common.md(brief.product)}  \n"
        + " ".join(common.badge(common.channel_name(c), "blue") for c in brief.channels)
        + f" · {brief.drafts_per_channel} per channel"
        + (f" · {common.badge('scheduled', 'violet', ':material/schedule:')}" if brief.schedule else "")
    )
    if brief.headline or brief.cta:
        st.caption(common.md(" · ".join(x for x in (brief.headline, brief.cta) if x)))


# --- running -----------------------------------------------------------------------------------------------


def start_run(name: str, path: Path) -> None:
    """Check the request, then queue the campaign flow (the same flow as ``onbrand run``). The form's
    values are read here, as they are at the click (a button's arguments are from the run before)."""
    from flows.launch import prepare_request, run_prepared
    from pipeline.models import CampaignRequest

    channels = list(st.session_state.get(f"run_channels-{name}") or [])
    count = int(st.session_state.get(f"run_count-{name}") or 1)
    replans = int(st.session_state.get("run_replans") or 0)
    if not channels:
        common.flash("error", "Pick at least one channel.")
        return
    actor = common.actor()
    if actor is None:
        common.flash("error", "Type your name (or sign in) to run campaigns.")
        return
    settings = common.settings()
    request = CampaignRequest(
        brief=str(path),
        channels=channels,
        count=count,
        max_replans=replans,
        trigger="ui",
        run_in="here",  # as `onbrand run` does
    )
    try:
        prepared = prepare_request(request, settings, actor)  # a bad request (or role) is shown now
    except UserError as exc:
        common.flash("error", str(exc))
        return
    brief = prepared.brief
    key = f"campaign:{brief.campaign}"
    busy = next((j for j in common.queue().active() if j.key == key), None)
    if busy is not None:  # a double click, or a second person: one run of a campaign at a time
        common.flash(
            "info",
            f"A run of {brief.campaign} is already {busy.status} (started by {busy.by}); nothing new was queued.",
        )
        return

    def work() -> CampaignRun:
        return run_prepared(prepared, settings)

    label = f"{brief.campaign}: {len(channels)} channel(s) × {count}"
    common.queue().submit("campaign", label, work, campaign=brief.campaign, by=actor.name, key=key)
    common.flash("success", f"Queued {label}. Its drafts appear on the Review page as they are stored.")


def run_of(job: Job) -> RunRecord | None:
    """The run this job started (recorded by the flow in the review store)."""
    if job.kind != "campaign" or job.started_at is None:
        return None
    if isinstance(job.result, CampaignRun):
        found = [r for r in common.store().runs(campaign=job.campaign, limit=20) if r.id == job.result.run_id]
        if found:
            return found[0]
    runs = [r for r in common.store().runs(campaign=job.campaign, limit=5) if r.trigger == "ui"]
    mine = [r for r in runs if _utc(r.started_at) >= _utc(job.started_at)]
    return mine[-1] if mine else None


def stored_by(run: RunRecord) -> int:
    """Drafts the run has stored so far (rendered or failed), counted in the review store."""
    return sum(1 for d in common.store().list_drafts(campaign=run.campaign) if d.run_id == run.id)


def progress_of(job: Job) -> tuple[int, int] | None:
    """Drafts stored so far by the run this job started, and how many it set out to render (its
    re-plans included): the two add up when it ends."""
    run = run_of(job)
    if run is None:
        return None
    done = stored_by(run)
    return done, max(run.planned, done)


def _utc(when: datetime) -> datetime:
    """Naive UTC (SQLite keeps no zone; onbrand writes UTC; PostgreSQL returns aware times)."""
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def job_line(job: Job) -> None:
    kind = "Campaign run" if job.kind == "campaign" else "Revision"
    if job.status == "running":
        found = progress_of(job)
        text = f"{kind} · {job.label}"
        if found:
            done, total = found
            st.progress(done / total if total else 0.0, text=f"{text} · {done} of {total} drafts stored")
        else:
            st.progress(0.0, text=f"{text} · planning")
    elif job.status == "queued":
        st.markdown(f"{common.badge('queued', 'gray', ':material/schedule:')} {kind} · {common.md(job.label)}")
    elif job.status == "done":
        run = run_of(job)
        if run is not None:
            made = f"{run.rendered + run.failed} of {run.planned} stored" + (
                f" ({run.failed} failed)" if run.failed else ""
            )
            if run.skipped:
                made += f", {run.skipped} already there"
            if not run.planned and run.skipped:
                made = f"nothing new: {run.skipped} draft(s) already there"
        else:
            made = "1 draft" if job.kind == "revise" else "done"
        st.markdown(
            f"{common.badge('done', 'green', ':material/check:')} {kind} · {common.md(job.label)} "
            f":gray[{made} · by {common.md(job.by)} · {common.relative_time(job.finished_at)}]"
        )
    else:
        st.markdown(
            f"{common.badge('failed', 'red', ':material/error:')} {kind} · {common.md(job.label)}  \n"
            f":red[{common.md(job.error)}]"
        )


def queue_panel() -> None:
    """The queue, refreshed every two seconds while something is queued or running."""
    jobs = common.queue().jobs(8)
    if any(j.active for j in jobs):
        _live_queue()
    elif jobs:
        for job in jobs[:5]:
            job_line(job)
    else:
        st.caption("Nothing queued. Runs started here, by the chat agent or by a schedule are listed below.")


@st.fragment(run_every=2)
def _live_queue() -> None:
    jobs = common.queue().jobs(8)
    for job in jobs[:5]:
        job_line(job)
    if not any(j.active for j in jobs):
        st.rerun(scope="app")


def running_now() -> None:
    """Runs in progress right now, from any UI, the chat, the command line or a schedule, with who
    started them and how far they are."""
    runs = common.store().runs(limit=20, status="running")
    if not runs:
        return
    st.subheader("Running now", anchor=False)
    for r in runs:
        done = stored_by(r)
        who = r.requested_by or r.trigger
        text = f"{r.campaign} · started by {who} ({r.trigger}) · {done} of {r.planned} stored"
        st.progress(min(done / r.planned, 1.0) if r.planned else 0.0, text=text)


def recent_runs() -> None:
    try:
        runs = common.store().runs(limit=25)
    except AttributeError:
        runs = []
    if not runs:
        st.caption("No runs recorded yet.")
        return
    rows = [
        {
            "Started": r.started_at,
            "Campaign": r.campaign,
            "Trigger": r.trigger,
            "Started by": r.requested_by,
            "Status": f"{RUN_MARKS.get(r.status, '')} {r.status}".strip(),
            "Planned": r.planned,
            "Rendered": r.rendered,
            "Failed": r.failed,
            "Already there": r.skipped,
            "Took": f"{(r.finished_at - r.started_at).total_seconds():.0f} s" if r.finished_at else "",
            "Review": f"/?campaign={quote(r.campaign)}",
            "Error": r.error,
        }
        for r in runs
    ]
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            "Started": st.column_config.DatetimeColumn(format="D MMM, HH:mm"),
            "Review": st.column_config.LinkColumn(display_text="Open drafts"),
            "Error": st.column_config.TextColumn(width="medium"),
        },
    )


def run_tab(briefs: list[tuple[str, Path, Brief | None, str]], can_run: bool) -> None:
    valid = [(n, p, b) for n, p, b, _ in briefs if b is not None]
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.subheader("Run a brief now", anchor=False)
        if not valid:
            st.info("No valid brief yet: add one on the Briefs tab.", icon=":material/description:")
        else:
            names = [n for n, _, _ in valid]
            by_name = {n: (p, b) for n, p, b in valid}
            name = st.selectbox("Brief", names, key="run_brief")
            path, brief = by_name[name]
            brief_summary(brief)
            channels = st.multiselect(
                "Channels",
                brief.channels,
                default=brief.channels,
                key=f"run_channels-{name}",
                format_func=common.channel_name,
            )
            a, b = st.columns(2)
            a.number_input("Drafts per channel", 1, 16, value=brief.drafts_per_channel, key=f"run_count-{name}")
            b.number_input(
                "Re-plans of gate rejections", 0, 3, value=1, key="run_replans", help="As `onbrand run --replans`."
            )
            busy = any(j.key == f"campaign:{brief.campaign}" for j in common.queue().active())
            st.button(
                "Run now",
                type="primary",
                icon=":material/rocket_launch:",
                key="run_now",
                disabled=not can_run or not channels or busy,
                help="A run of this campaign is in the queue."
                if busy
                else (None if can_run else "Running campaigns needs the reviewer role."),
                on_click=start_run,
                args=(name, path),
            )
    with right:
        st.subheader("Queue", anchor=False)
        queue_panel()
    running_now()
    st.subheader("Recent runs", anchor=False)
    recent_runs()


def briefs_tab(briefs: list[tuple[str, Path, Brief | None, str]], can_edit: bool) -> None:
    from ui import uploads

    for name, path, brief, error in briefs:
        with st.container(border=True):
            top = st.container(horizontal=True, vertical_alignment="center")
            top.markdown(f"**{common.md(name)}** :gray[{common.md(where(path))}]")
            if brief is not None:
                top.space("stretch")
                top.markdown(common.badge("valid", "green", ":material/check:"))
                brief_summary(brief)
            else:
                top.space("stretch")
                top.markdown(common.badge("invalid", "red", ":material/error:"))
                st.error(error, icon=":material/error:")
    if not can_edit:
        st.caption("Adding briefs needs the admin role.")
        return
    st.subheader("Add a brief", anchor=False)
    upload_tab, folder_tab = st.tabs(["Upload", "From a folder"])
    with upload_tab:
        file = st.file_uploader(
            "A brief (YAML)",
            type=list(uploads.BRIEF_TYPES),
            key="brief_upload",
            max_upload_size=1,
            help=f"At most {uploads.MAX_BRIEF_BYTES // 1024} KB. Checked like `onbrand brief check`.",
        )
        if file is not None:
            data = file.getvalue()
            try:
                brief = uploads.read_brief(file.name, data)
            except UserError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                target = uploads.brief_target(common.settings().home, brief)
                st.success(f"{file.name} is a valid brief.", icon=":material/check_circle:")
                brief_summary(brief)
                replace = target.exists() and st.checkbox(f"Replace the workspace's brief '{target.stem}'")
                if st.button("Save to the workspace", type="primary", key="save_brief"):
                    with common.user_errors():
                        saved = uploads.save_brief(
                            common.settings().home, brief, data, _actor_or_error(), replace=bool(replace)
                        )
                        common.flash("success", f"Saved as {saved.name}; it can now be run and scheduled.")
                        st.rerun()
    with folder_tab:
        folder = st.text_input("Folder on this machine", key="brief_folder", placeholder="~/briefs").strip()
        if folder:
            pick_from_folder(Path(folder).expanduser())


def pick_from_folder(folder: Path) -> None:
    from pipeline.campaign.briefs import load_brief
    from ui import uploads

    if not folder.is_dir():
        st.error(f"{folder}: no such folder", icon=":material/error:")
        return
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".yaml", ".yml") and p.is_file())[:200]
    if not files:
        st.info(f"{folder} holds no .yaml briefs.", icon=":material/folder_open:")
    for path in files:
        with st.container(border=True):
            try:
                brief = load_brief(path)
            except UserError as exc:
                st.markdown(f"**{common.md(path.name)}**")
                st.error(str(exc), icon=":material/error:")
                continue
            brief_summary(brief)
            if st.button("Add to the workspace", key=f"add-{path.name}"):
                with common.user_errors():
                    data = path.read_bytes()
                    uploads.check_upload(path.name, data, uploads.BRIEF_TYPES, uploads.MAX_BRIEF_BYTES)
                    saved = uploads.save_brief(common.settings().home, brief, data, _actor_or_error())
                    common.flash("success", f"Added {path.name} as {saved.name}.")
                    st.rerun()


def schedules_tab() -> None:
    from flows.serve import scheduled_briefs
    from pipeline.campaign.lookup import known_briefs

    found, warnings = scheduled_briefs(known_briefs(common.settings()))
    found = [s for s in found if s.cron]
    st.caption(
        "`onbrand serve` registers a Prefect deployment for each of these (times in UTC) and runs them on "
        "schedule; every other valid brief is served on demand."
    )
    if not found:
        st.info(
            'No brief has a schedule yet; add one to a brief, e.g. `schedule: "0 9 * * 1"`.', icon=":material/schedule:"
        )
    rows = []
    for s in found:
        assert s.cron is not None
        try:
            from cronsim import CronSim

            sim = CronSim(s.cron, datetime.now(UTC))
            when, nxt = sim.explain(), next(sim)
        except Exception:  # cronsim reads fewer forms than Prefect; the schedule still serves
            when, nxt = "", None
        rows.append({"Brief": s.name, "Cron": s.cron, "When (UTC)": when, "Next run": nxt, "File": s.brief})
    if rows:
        st.dataframe(
            rows,
            hide_index=True,
            width="stretch",
            column_config={"Next run": st.column_config.DatetimeColumn(format="ddd D MMM, HH:mm")},
        )
    for warning in warnings:
        st.warning(warning, icon=":material/warning:")


def _actor_or_error() -> Actor:
    found = common.actor()
    if found is None:
        raise UserError("type your name (or sign in) first")
    return found


def main() -> None:
    common.page_header("Campaigns", "Briefs, runs and schedules: run a brief now and watch its drafts arrive.")
    user = common.current_user()
    can_run = bool(user and user.actor.can("run"))
    can_upload = bool(user and user.actor.can("upload"))
    briefs = known()
    run, brief_list, schedules = st.tabs(["Run", f"Briefs ({len(briefs)})", "Schedules"])
    with run:
        run_tab(briefs, can_run)
    with brief_list:
        briefs_tab(briefs, can_upload)
    with schedules:
        schedules_tab()


main()
