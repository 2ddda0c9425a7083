"""Exports: a campaign's approved drafts as final assets, previewed at each channel's size, then
downloaded as one zip (files, manifest, history)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from ui import common

if TYPE_CHECKING:
    from pipeline.models import StoredDraft


@st.cache_data(show_spinner=False, max_entries=64)
def preview_png(
    home: str, draft_id: str, image: str, stamp: int, profile_stamp: float, width: int, height: int
) -> bytes:
    """The draft composed at the channel's final size (headline, CTA, logo), shrunk for the page.
    The arguments key the cache: workspace, draft, render file and override file."""
    from PIL import Image

    from pipeline.brand.store import ProfileStore
    from pipeline.export.compose import compose

    settings = common.settings()
    plan = common.store().detail(draft_id).plan
    profile = ProfileStore(settings).profile(plan.brand)
    kit = Path(profile.brand_kit) if profile.brand_kit else None
    with Image.open(image) as render:
        final, _, _ = compose(render, plan, width, height, plan.headline, plan.cta, profile, kit)
    final.thumbnail((560, 560))
    out = io.BytesIO()
    final.save(out, format="PNG")
    return out.getvalue()


def _stamp(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def previews(records: list[StoredDraft]) -> None:
    from pipeline.brand.store import ProfileStore
    from pipeline.campaign.channels import load_channels

    channels = load_channels()
    settings = common.settings()
    by_channel: dict[str, list[StoredDraft]] = {}
    for r in records:
        by_channel.setdefault(r.channel, []).append(r)
    names = [c for c in by_channel if c in channels]
    cols = st.columns(3, gap="medium")
    for i, name in enumerate(names):
        spec = channels[name]
        first = by_channel[name][0]
        brand = common.store().detail(first.id).plan.brand
        override = _stamp(ProfileStore(settings).override_path(brand)) if brand else 0.0
        with cols[i % len(cols)], st.container(border=True):
            st.markdown(f"**{common.md(spec.label or name)}**")
            st.caption(f"{spec.width} × {spec.height} px · {len(by_channel[name])} approved")
            try:
                picture = preview_png(
                    str(settings.home),
                    first.id,
                    first.image,
                    int(_stamp(Path(first.image))),
                    override,
                    spec.width,
                    spec.height,
                )
            except Exception as exc:
                message = common.one_line(exc)
                if message is None:
                    raise
                st.error(message, icon=":material/error:")
            else:
                st.image(picture, width="stretch", alt=f"{first.id} at {spec.width}x{spec.height}")


def build(campaign: str) -> None:
    from pipeline.export.campaign import export_campaign

    user = common.current_user()
    if user is None or not user.can_decide:
        common.flash("error", "Exporting needs the reviewer role.")
        return
    settings = common.settings()
    out = settings.home / "exports" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    try:
        result = export_campaign(campaign, out, settings)
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
        "files": [f.model_dump() for f in result.files],
    }
    common.flash("success", f"Exported {len(result.files)} file(s) of {campaign}.")


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
    can_export = bool(user and user.can_decide)
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
        st.button(
            "Export as zip",
            type="primary",
            icon=":material/ios_share:",
            key="export",
            disabled=not can_export,
            help=None if can_export else "Exporting needs the reviewer role.",
            on_click=build,
            args=(campaign,),
        )
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
