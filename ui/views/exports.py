"""Exports: a campaign's approved drafts as final assets, previewed at each channel's size, then
downloaded as one zip (files, manifest, history)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from ui import common

if TYPE_CHECKING:
    from pipeline.models import StoredDraft


def previews(records: list[StoredDraft]) -> None:
    from pipeline.campaign.channels import load_channels

    channels = load_channels()
    by_channel: dict[str, list[StoredDraft]] = {}
    for r in records:
        by_channel.setdefault(r.channel, []).append(r)
    names = [c for c in by_channel if c in channels]
    cols = st.columns(3, gap="medium")
    for i, name in enumerate(names):
        spec = channels[name]
        first = by_channel[name][0]
        with cols[i % len(cols)], st.container(border=True):
            st.markdown(f"**{common.md(spec.label or name)}**")
            st.caption(f"{spec.width} × {spec.height} px · {len(by_channel[name])} approved")
            try:
                found = common.final_asset(first)
            except Exception as exc:
                message = common.one_line(exc)
                if message is None:
                    raise
                st.error(message, icon=":material/error:")
                continue
            if found is not None:
                picture, how = found
                st.image(picture, width="stretch", alt=f"{first.id} at {spec.width}x{spec.height}")
                headline = how.text.get("headline")
                if headline is not None:
                    st.caption(common.md(f"headline in {headline.name or headline.hex}: {headline.reason}"))


def build(campaign: str) -> None:
    from pipeline.export.campaign import export_campaign

    actor = common.actor()
    if actor is None:
        common.flash("error", "Type your name (or sign in) to export.")
        return
    settings = common.settings()
    out = settings.home / "exports" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    try:
        result = export_campaign(
            campaign, out, settings, actor=actor, without_logo=bool(st.session_state.get("without_logo"))
        )
    except Exception as exc:
        message = common.one_line(exc)
        if message is None:
            raise
        common.flash("error", message)
        return
    st.session_state["_export_result"] = {
        "campaign": campaign,
        "zip": str(result.zip),
        "manifest": str(result.manifest),
        "files": [f.model_dump(mode="json") for f in result.files],
    }
    common.flash("success", f"Exported {len(result.files)} file(s) of {campaign}.")


def _warnings(campaign: str) -> list[str]:
    """What to know before exporting (a brand kit with no logo), shown before anything is written."""
    from pipeline.export.campaign import export_warnings

    try:
        return export_warnings(campaign, common.settings())
    except Exception as exc:
        message = common.one_line(exc)
        if message is None:
            raise
        return [message]


def last_export(campaign: str) -> None:
    done: dict[str, Any] | None = st.session_state.get("_export_result")
    if not done or done["campaign"] != campaign or not Path(done["zip"]).is_file():
        return
    archive = Path(done["zip"])
    with st.container(border=True):
        st.markdown(
            f"**{common.md(archive.name)}** :gray[{archive.stat().st_size / 1e6:.1f} MB · {len(done['files'])} file(s)]"
        )
        st.download_button(
            "Download zip",
            data=archive.read_bytes(),
            file_name=archive.name,
            mime="application/zip",
            type="primary",
            icon=":material/download:",
            key="download",
        )
        rows = [
            {
                "File": Path(f["path"]).name,
                "Channel": f["channel"],
                "Size": f"{f['width']} × {f['height']}",
                "Approved by": f["approver"],
                "Text colour": "; ".join(
                    f"{role}: {c.get('name') or c['hex']}" for role, c in (f.get("text_colour") or {}).items()
                ),
                "Call to action": f.get("cta_form") or "",
                "Logo": f.get("logo") or "none",
                "Notes": "; ".join(f.get("notes", [])),
            }
            for f in done["files"]
        ]
        st.dataframe(rows, hide_index=True, width="stretch")


def main() -> None:
    common.page_header(
        "Exports", "Approved drafts as final assets: previewed at each channel's size, downloaded as one zip."
    )
    store = common.store()
    campaigns = sorted(store.campaigns())
    if not campaigns:
        st.info("No campaigns yet.", icon=":material/ios_share:")
        return
    with st.sidebar:
        campaign = st.selectbox("Campaign", campaigns, key="ex_campaign")
    records = [r for r in store.list_drafts(campaign=campaign) if r.status in ("approved", "exported")]
    user = common.current_user()
    can_export = bool(user and user.actor.can("export"))
    if not records:
        st.info(f"{campaign} has no approved drafts yet. Approve some on the Review page.", icon=":material/info:")
        st.page_link("views/review.py", label="Go to Review", icon=":material/photo_library:")
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(
            f"**{len(records)} approved draft(s)** in {len({r.channel for r in records})} channel(s)"
            + (
                f" · {sum(r.status == 'exported' for r in records)} exported before"
                if any(r.status == "exported" for r in records)
                else ""
            )
        )
        st.space("stretch")
        warnings = _warnings(campaign)
        if warnings and can_export:
            st.checkbox("Export without the logo", key="without_logo")
        st.button(
            "Export as zip",
            type="primary",
            icon=":material/ios_share:",
            key="export",
            disabled=not can_export or (bool(warnings) and not st.session_state.get("without_logo")),
            help=None if can_export else "Exporting needs the reviewer role.",
            on_click=build,
            args=(campaign,),
        )
    for warning in warnings:
        st.warning(warning, icon=":material/hide_image:")
    last_export(campaign)
    st.markdown("#### Each channel at its final size")
    with st.spinner("Composing previews…"):
        previews(records)
    st.markdown("#### Approved drafts")
    with st.container(horizontal=True, gap="small"):
        for r in records:
            picture = common.thumb(r.image)
            if picture is not None:
                st.image(picture, width=140, caption=f"{common.channel_name(r.channel)} · {r.id.rsplit('-', 1)[-1]}")


main()
