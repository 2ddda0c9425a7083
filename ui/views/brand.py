"""Brand: the extracted profile with real colour swatches and the passage each rule came from,
guideline documents (upload -> ingest), a search box over them, and the override file."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from pipeline.errors import UserError
from ui import common

if TYPE_CHECKING:
    from pipeline.models import BrandColor, BrandProfile, BrandRule, SourceRef

NEW_BRAND = "+ New brand"
OVERRIDE_TEMPLATE = """# Fields listed here replace what was extracted from the guidelines; layout_rules and gate
# are merged key by key. Remove the '#' of a line to use it.
# palette:
#   - {name: Sea Foam, hex: "#CFE8DF", role: background}
# banned_terms: [cheap, diet]
# layout_rules: {logo_min_width_px: 120, logo_corners: [top-left, bottom-right]}
# gate: {reject_on: [duplicate, palette], auto_approve: false}
"""


def where(ref: SourceRef | None) -> str:
    if ref is None:
        return ""
    name = Path(ref.source).name if ref.section == "override" else ref.source
    return " › ".join(x for x in (name, ref.section) if x)


# --- profile -------------------------------------------------------------------------------------------


def swatches(colours: list[BrandColor], forbidden: bool = False) -> None:
    cards = []
    for c in colours:
        details = " · ".join(
            x
            for x in (
                f"RGB {', '.join(map(str, c.rgb))}" if c.rgb else "",
                f"CMYK {'/'.join(f'{v:g}' for v in c.cmyk)}" if c.cmyk else "",
                c.pantone or "",
            )
            if x
        )
        quote = html.escape(c.source.quote if c.source and c.source.quote else "", quote=True)
        cards.append(
            f"<div class='ob-swatch{' ob-forbidden' if forbidden else ''}' title='{quote}'>"
            f"<div class='ob-chip' style='background-color:{c.hex}'><span>{html.escape(c.role)}</span></div>"
            f"<div class='ob-body'><div class='ob-name'>{html.escape(c.name)}</div>"
            f"<div class='ob-hex'>{c.hex}</div>"
            + (f"<div class='ob-src'>{html.escape(details)}</div>" if details else "")
            + f"<div class='ob-src'>{html.escape(where(c.source))}</div></div></div>"
        )
    st.html(f"<div class='ob-swatches'>{''.join(cards)}</div>")


def rules(title: str, items: list[BrandRule]) -> None:
    if not items:
        return
    st.markdown(f"**{title}**")
    for r in items:
        mark = {"do": common.badge("do", "green"), "dont": common.badge("don't", "red")}.get(r.polarity, "")
        quote = ""
        if r.source and r.source.quote and r.source.quote.strip() != r.text.strip():
            quote = f" · “{common.md(r.source.quote[:240])}”"
        st.markdown(f"{mark} {common.md(r.text)}  \n:gray[{common.md(where(r.source))}{quote}]")


def layout_rules(profile: BrandProfile) -> None:
    lr = profile.layout_rules

    def pct(value: float | None) -> str:
        return f"{value:.0%}" if value is not None else "—"

    facts = [
        ("Headline band", f"{lr.headline_band or '—'} · ≤ {pct(lr.headline_band_max)}", "headline_band"),
        ("Product share", f"{pct(lr.product_share_min)} – {pct(lr.product_share_max)}", "product_share_min"),
        ("Negative space", f"≥ {pct(lr.negative_space_min)}", "negative_space_min"),
        ("Safe margin", pct(lr.safe_margin), "safe_margin"),
        ("Logo corners", ", ".join(lr.logo_corners) or "—", "logo_corners"),
        (
            "Logo minimum",
            " / ".join(
                x
                for x in (
                    f"{lr.logo_min_width_px} px" if lr.logo_min_width_px else "",
                    f"{lr.logo_min_width_mm:g} mm" if lr.logo_min_width_mm else "",
                )
                if x
            )
            or "—",
            "logo_min_width_px",
        ),
    ]
    grid = st.columns(3)
    for i, (label, value, key) in enumerate(facts):
        with grid[i % 3]:
            st.metric(label, value, border=True, help=where(lr.sources.get(key)) or None)
    if lr.logo_clear_space:
        st.caption(f"Logo clear space: {common.md(lr.logo_clear_space)}")


def profile_tab(profile: BrandProfile) -> None:
    if profile.overridden:
        st.markdown(
            common.badge("override file", "violet", ":material/edit:")
            + f" :gray[replaces {common.md(', '.join(profile.overridden))}]"
        )
    st.markdown("#### Palette")
    if profile.palette:
        swatches(profile.palette)
    else:
        st.caption("No colours found in the guidelines; add them in the override file.")
    if profile.forbidden_colors:
        st.markdown("**Never use**")
        swatches(profile.forbidden_colors, forbidden=True)
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("#### Type")
        for f in profile.fonts:
            family = html.escape(f.family)
            st.html(
                f"<div style='font-family:\"{family}\", sans-serif; font-size: 26px; line-height: 1.2'>{family}</div>"
                f"<div style='color:#7A8096; font-size:12.5px'>{html.escape(f.usage or 'any use')} · "
                f"{html.escape(where(f.source))}</div>"
            )
        if not profile.fonts:
            st.caption("No fonts found.")
    with right:
        st.markdown("#### Words")
        banned = [t for t in profile.banned_terms if t.kind != "competitor"]
        if banned:
            st.markdown("**Never say** " + " ".join(common.badge(t.term, "red") for t in banned))
        if profile.competitors:
            st.markdown("**Competitors** " + " ".join(common.badge(c, "orange") for c in profile.competitors))
        if not profile.banned_terms:
            st.caption("No banned words found.")
    st.markdown("#### Layout")
    layout_rules(profile)
    st.markdown("#### Rules, with the passage each came from")
    rules("Tone of voice", profile.tone)
    rules("Logo", profile.logo_rules)
    rules("Imagery", profile.imagery_rules)
    if profile.sub_brands:
        st.caption("Sub-brands kept out of this profile: " + ", ".join(s.name for s in profile.sub_brands))


# --- guidelines, search, override --------------------------------------------------------------------------


def documents(brand: str) -> None:
    kb, _ = common.knowledge()
    if not kb.has_brand(brand):
        st.caption("No guidelines ingested for this brand yet.")
        return
    docs: dict[str, list[int]] = {}
    for chunk in kb.chunks(brand):
        docs.setdefault(chunk.source, []).append(chunk.page or 0)
    rows = [
        {"Document": source, "Passages": len(pages), "Pages": max(pages) or None}
        for source, pages in sorted(docs.items())
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def ingest(brand: str, files: list[tuple[str, bytes]]) -> None:
    """Save the uploads under the workspace, ingest them, and extract the profile again."""
    from pipeline.brand.ingest import ingest_brand
    from ui import uploads

    settings = common.settings()
    kb, _ = common.knowledge()
    actor = common.actor()
    if actor is None:
        raise UserError("type your name (or sign in) to add guidelines")
    actor.require("upload")  # before anything is written
    with st.status(f"Ingesting {len(files)} document(s) for {brand}…", expanded=True) as status:
        paths = uploads.save_guidelines(settings.home, brand, files, settings.max_document_mb, actor)
        bar = st.progress(0.0)

        def update(what: str, done: int, total: int, info: object = None) -> None:
            bar.progress(min(done / total, 1.0) if total else 0.0, text=what)

        report = ingest_brand(paths, brand, settings, actor=actor, progress=update, knowledge=kb).report
        status.update(
            label=f"{report.brand}: {report.added} passage(s) added, {report.unchanged} unchanged, "
            f"{report.removed} removed",
            state="error" if report.errors and not report.documents else "complete",
        )
    for problem in report.errors:
        st.error(f"{Path(problem.file).name}: {problem.error}", icon=":material/error:")
    if report.documents:
        st.session_state["_brand_next"] = report.brand  # picked on the next run (the picker is drawn already)
        common.flash("success", f"Ingested {report.documents} document(s); {report.brand}'s profile is updated.")
        st.rerun()


def guidelines_tab(brand: str | None, can_edit: bool) -> None:
    from ui import uploads

    if brand:
        documents(brand)
    if not can_edit:
        st.caption("Uploading guidelines needs the admin role.")
        return
    name = brand
    if brand is None:
        name = st.text_input("Brand name", key="new_brand", placeholder="e.g. Acme & Co.").strip() or None
    files = st.file_uploader(
        "Add guideline documents",
        type=list(uploads.GUIDELINE_TYPES),
        accept_multiple_files=True,
        key="guideline_upload",
        max_upload_size=uploads.MAX_GUIDELINE_MB,
        help="Markdown, text, PDF, HTML or Word. Re-uploading a document replaces only what changed.",
    )
    if st.button("Ingest", type="primary", icon=":material/upload_file:", disabled=not (files and name), key="ingest"):
        assert name is not None and files
        with common.user_errors():
            ingest(name, [(f.name, f.getvalue()) for f in files])


def search_tab(brand: str) -> None:
    query = st.text_input(
        "Ask the guidelines", key="brand_query", placeholder="e.g. how much clear space around the logo?"
    ).strip()
    if not query:
        st.caption("Hybrid search: meaning, exact codes (#0F7C8C, 300 dpi) and keywords together.")
        return
    _, retriever = common.knowledge()
    with st.spinner("Searching…"), common.user_errors():
        hits = retriever.search(query, brand=brand, k=5)
        if not hits:
            st.info("No passage found.")
        for rank, hit in enumerate(hits, start=1):
            with st.container(border=True):
                page = f" · p. {hit.page}" if hit.page else ""
                st.markdown(
                    f"**{rank}. {common.md(hit.section or '(no section)')}** "
                    f":gray[{common.md(hit.source)}{page} · score {hit.score:.2f}]"
                )
                st.markdown(common.md(hit.text))


def needs_a_look_panel(profile: BrandProfile) -> None:
    """What extraction could not settle (unnamed colours, no font, prohibitions without a subject), shown
    beside the override editor where a person settles it."""
    from pipeline.brand.trust import needs_a_look

    lines = needs_a_look(profile)
    if not lines:
        st.caption("Nothing in the extracted profile needs a look.")
        return
    with st.container(border=True):
        st.markdown("**Needs a look** :gray[· fix these in the override file below]")
        st.markdown("\n".join(f"- {common.md(line)}" for line in lines))


def override_tab(brand: str, can_edit: bool) -> None:
    from pipeline.brand.store import ProfileStore

    store = ProfileStore(common.settings())
    path = store.override_path(brand)
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    st.caption(f"`{path}` · " + ("in use" if current else "none yet"))
    key = f"override-{brand}"
    text = st.text_area(
        "Override file (YAML)",
        value=current or OVERRIDE_TEMPLATE,
        height=260,
        key=key,
        disabled=not can_edit,
    )
    if not can_edit:
        st.caption("Editing the override file needs the admin role.")
        return
    if st.button("Validate and save", type="primary", icon=":material/save:", key="save_override"):
        save_override(brand, text)


def save_override(brand: str, text: str) -> None:
    """Validate first (a bad file never replaces a good one), then install it."""
    import tempfile

    from pipeline.brand.store import ProfileStore

    store = ProfileStore(common.settings())
    with tempfile.TemporaryDirectory(prefix="onbrand-override-") as folder:
        draft = Path(folder) / "override.yaml"
        draft.write_text(text, encoding="utf-8")
        try:
            actor = common.actor()
            if actor is None:
                raise UserError("type your name (or sign in) to edit the override file")
            target = store.set_override(brand, draft, actor)
            store.profile(brand)  # the merged profile must build too
        except UserError as exc:
            st.error(str(exc).replace(str(draft), "override file"), icon=":material/error:")
            return
    common.flash("success", f"Saved {target.name}; {brand}'s profile now uses it.")
    st.rerun()


def main() -> None:
    from pipeline.brand.store import ProfileStore

    common.page_header(
        "Brand", "What the brand looks like to onbrand: colours, type, words and rules, with their sources."
    )
    user = common.current_user()
    can_edit = bool(user and user.is_admin)
    store = ProfileStore(common.settings())
    brands = store.known_brands()
    options = [*brands, NEW_BRAND] if can_edit else brands
    if not options:
        st.info("No brands yet.", icon=":material/palette:")
        return
    if st.session_state.get("_brand_next") in options:
        st.session_state["brand_pick"] = st.session_state.pop("_brand_next")
    if st.session_state.get("brand_pick") not in options:
        st.session_state["brand_pick"] = options[0]
    with st.sidebar:
        brand = st.selectbox("Brand", options, key="brand_pick")
    if brand == NEW_BRAND:
        st.subheader("A new brand", anchor=False)
        guidelines_tab(None, can_edit)
        return
    try:
        profile = store.profile(brand)
    except UserError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.subheader(profile.name, anchor=False)
    profile_t, docs_t, search_t, override_t = st.tabs(["Profile", "Guidelines", "Search", "Override file"])
    with profile_t:
        profile_tab(profile)
    with docs_t:
        guidelines_tab(brand, can_edit)
    with search_t:
        search_tab(brand)
    with override_t:
        needs_a_look_panel(profile)
        override_tab(brand, can_edit)


main()
