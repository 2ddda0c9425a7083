"""Hypothesis fuzzing of what users hand onbrand: briefs, layout files and rules, guideline documents.

Whatever comes in, the outcome is a value or a one-line :class:`UserError` that names the file:
never a traceback. The CI profile (tests/reliability/conftest.py) runs a fixed set of examples.
"""

from __future__ import annotations

import functools
import io
import tempfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pipeline.campaign.briefs import load_brief
from pipeline.campaign.channels import load_channels
from pipeline.campaign.conditions import draw_box_map
from pipeline.campaign.layouts import repair_layout, validate_layout
from pipeline.errors import DocumentError, UserError
from pipeline.knowledge.loaders.registry import load_document
from pipeline.models import Box, Layout, LayoutRules
from tests.pipeline.docs_factory import make_docx, make_pdf

pytestmark = pytest.mark.unit

CHANNELS = load_channels()
BRIEF_FIELDS = [
    "campaign", "brand", "product", "goal", "audience", "message", "headline", "cta", "mood", "channels",
    "drafts_per_channel", "must_include", "avoid", "schedule",
]  # fmt: skip

# JSON/YAML-like values, nested a little: what a hand-written file can hold.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(sorted(CHANNELS)),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _clear(exc: UserError, path: Path) -> None:
    message = str(exc)
    assert "\n" not in message and "Traceback" not in message
    assert str(path) in message or path.name in message, message
    assert len(message) < 2000, message[:300]


def _brief(path: Path, tally: Counter[str]) -> None:
    tally["inputs fuzzed"] += 1
    try:
        load_brief(path, CHANNELS)
    except UserError as exc:
        _clear(exc, path)


# --- briefs -------------------------------------------------------------------------------------


@given(fields=st.dictionaries(st.sampled_from(BRIEF_FIELDS), values, max_size=len(BRIEF_FIELDS)))
def test_brief_fields_of_any_type_load_or_fail_naming_the_field(
    fields: dict[str, Any], workdir: Path, tally: Counter[str]
) -> None:
    path = workdir / "brief.yaml"
    base = {"campaign": "c", "brand": "Tidewell", "product": "can", "channels": ["instagram_post"]}
    path.write_text(yaml.safe_dump({**base, **fields}, allow_unicode=True), encoding="utf-8")
    tally["inputs fuzzed"] += 1
    try:
        brief = load_brief(path, CHANNELS)
    except UserError as exc:
        _clear(exc, path)
        assert any(f"'{name}" in str(exc) for name in fields), str(exc)  # it names a field it was given
    else:
        assert brief.channels and all(c in CHANNELS for c in brief.channels)


@given(text=st.text(max_size=400))
def test_any_text_as_a_brief_loads_or_is_a_clear_error(text: str, workdir: Path, tally: Counter[str]) -> None:
    path = workdir / "text-brief.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _brief(path, tally)


@given(
    lines=st.lists(
        st.sampled_from(
            [
                "campaign: spring",
                "brand: Tidewell",
                "product: a can",
                "channels: [instagram_post]",
                "channels:",
                "  - web_banner",
                "  - &a instagram_post",
                "  - *a",
                "mood: *a",
                "schedule: 0 9 * * 1",
                "drafts_per_channel: 99",
                "x: !!python/object:os.system ls",
                "goal: 2024-13-45",
                "audience: 2024-02-30",
                "cta: !!binary ZZZ",
                "avoid: [a, {b: c}]",
                "headline: |",
                "  two",
                "    lines",
                "campaign: [",
                "}",
                "must_include: 12:30:61",
                "campaign: !!timestamp nonsense",
                "? [a, b]",
                ": c",
                "\t- tab",
                "%YAML 9.9",
                "--- !!set {a, b}",
                "brand: !!float nope",
                "mood: !!int 0x",
            ]
        ),
        max_size=12,
    )
)
def test_yaml_shaped_briefs_load_or_are_a_clear_error(lines: list[str], workdir: Path, tally: Counter[str]) -> None:
    path = workdir / "shaped-brief.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _brief(path, tally)


@given(data=st.binary(max_size=300))
def test_any_bytes_as_a_brief_are_a_clear_error(data: bytes, workdir: Path, tally: Counter[str]) -> None:
    path = workdir / "bytes-brief.yaml"
    path.write_bytes(data)
    _brief(path, tally)


# --- layouts ------------------------------------------------------------------------------------

fractions = st.floats(min_value=0.0, max_value=1.0)


@st.composite
def boxes(draw: st.DrawFn) -> Box:
    x0, x1 = sorted(draw(st.lists(fractions, min_size=2, max_size=2, unique=True)))
    y0, y1 = sorted(draw(st.lists(fractions, min_size=2, max_size=2, unique=True)))
    role = draw(st.sampled_from(["product", "headline", "logo", "cta", "free"]))
    return Box(role=role, x0=x0, y0=y0, x1=x1, y1=y1)


rules = st.builds(
    LayoutRules,
    headline_band=st.none() | st.sampled_from(["top", "bottom", "left", "right"]),
    headline_band_max=st.none() | fractions,
    product_share_min=st.none() | fractions,
    product_share_max=st.none() | fractions,
    negative_space_min=st.none() | fractions,
    safe_margin=st.none() | st.floats(min_value=0.0, max_value=0.5),
    logo_corners=st.lists(st.sampled_from(["top-left", "top-right", "bottom-left", "bottom-right"]), max_size=4),
    logo_min_width_px=st.none() | st.integers(min_value=1, max_value=5000),
    logo_clear_space_fraction=st.none() | fractions,
)


@given(
    layout=st.builds(Layout, aspect=st.floats(min_value=0.1, max_value=10.0), boxes=st.lists(boxes(), max_size=6)),
    brand_rules=rules,
    final_width=st.none() | st.integers(min_value=8, max_value=4096),
)
def test_validate_and_repair_any_layout_against_any_rules(
    layout: Layout, brand_rules: LayoutRules, final_width: int | None, tally: Counter[str]
) -> None:
    tally["inputs fuzzed"] += 1
    problems = validate_layout(layout, brand_rules, final_width)
    assert all(isinstance(p, str) and p and "\n" not in p for p in problems)
    try:
        repaired = repair_layout(layout, brand_rules, final_width)
    except UserError as exc:
        assert "\n" not in str(exc)
        return
    assert [b.role for b in repaired.boxes] == [b.role for b in layout.boxes]
    Layout.model_validate(repaired.model_dump())  # every repaired box is still a box on the canvas
    validate_layout(repaired, brand_rules, final_width)
    assert draw_box_map(repaired, 64, 64).size == (64, 64)


@given(
    data=st.dictionaries(
        st.sampled_from(["boxes", "aspect", "template", "extra"]),
        st.one_of(values, st.lists(st.dictionaries(st.sampled_from(["role", "x0", "y0", "x1", "y1"]), values))),
    )
)
def test_any_layout_file_is_read_or_refused_clearly(data: dict[str, Any], workdir: Path, tally: Counter[str]) -> None:
    from pipeline.cli.render import read_layout

    path = workdir / "layout.json"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    tally["inputs fuzzed"] += 1
    try:
        layout = read_layout(path, 1.0)
    except UserError as exc:
        _clear(exc, path)
        return
    validate_layout(layout, LayoutRules(safe_margin=0.05, negative_space_min=0.3))
    repair_layout(layout, LayoutRules(safe_margin=0.05))


# --- documents ----------------------------------------------------------------------------------


def _document(path: Path, tally: Counter[str]) -> None:
    tally["inputs fuzzed"] += 1
    try:
        blocks = load_document(path)
    except DocumentError as exc:
        _clear(exc, path)
        assert exc.path == str(path)
    else:
        assert blocks and all(b.text.strip() for b in blocks)


@given(text=st.text(max_size=600), suffix=st.sampled_from([".md", ".txt", ".html"]))
def test_text_documents_of_any_content(text: str, suffix: str, workdir: Path, tally: Counter[str]) -> None:
    path = workdir / f"guide{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _document(path, tally)


@given(
    parts=st.lists(
        st.sampled_from(
            ["<html>", "</html>", "<body>", "<h1>Logo</h1>", "<h2>", "</h2>", "<table>", "<tr><td>Teal</td>",
             "<td>#0F7C8C</td></tr>", "</table>", "<ul><li>one", "<li>two</ul>", "<p>Keep clear space.", "</p>",
             "<script>alert(1)</script>", "<style>p{color:red}</style>", "<!--", "-->", "<![CDATA[x]]>", "&amp;",
             "&#0;", "&#xD800;", "<meta charset='utf-7'>", "<br/>", "<div>", "</div>", "\x00", "<?xml ?>"]
        ),
        max_size=30,
    )
)  # fmt: skip
def test_html_of_any_shape(parts: list[str], workdir: Path, tally: Counter[str]) -> None:
    path = workdir / "guide-shaped.html"
    path.write_text("".join(parts), encoding="utf-8")
    _document(path, tally)


@functools.cache
def good(kind: str) -> bytes:
    """A small, valid PDF or DOCX guideline to damage (not a fixture: hypothesis would print it)."""
    with tempfile.TemporaryDirectory() as folder:
        if kind == "pdf":
            sections = [("Colour", ["Tide #1F6F8B is primary."]), ("Logo", ["Top-left."])]
            return make_pdf(Path(folder) / "good.pdf", sections).read_bytes()
        return make_docx(Path(folder) / "good.docx").read_bytes()


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]], cut: int | None) -> bytes:
    buf = bytearray(data)
    for where, drop, insert in edits:
        at = where % (len(buf) + 1)
        buf[at : at + drop] = insert
    return bytes(buf[:cut] if cut is not None else buf)


edits = st.lists(
    st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=8), st.binary(max_size=8)), max_size=6
)
cuts = st.none() | st.integers(min_value=0, max_value=4000)


@given(edits=edits, cut=cuts)
def test_damaged_pdfs(edits: list[tuple[int, int, bytes]], cut: int | None, workdir: Path, tally: Counter[str]) -> None:
    path = workdir / "damaged.pdf"
    path.write_bytes(_mutate(good("pdf"), edits, cut))
    _document(path, tally)


@given(edits=edits, cut=cuts)
def test_damaged_docx_files(
    edits: list[tuple[int, int, bytes]], cut: int | None, workdir: Path, tally: Counter[str]
) -> None:
    path = workdir / "damaged.docx"
    path.write_bytes(_mutate(good("docx"), edits, cut))
    _document(path, tally)


@given(document_xml=st.binary(max_size=400) | st.text(max_size=400).map(str.encode), drop=st.booleans())
def test_docx_with_any_main_part(document_xml: bytes, drop: bool, workdir: Path, tally: Counter[str]) -> None:
    """A well-formed zip whose word/document.xml is anything (or missing)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good("docx"))) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename == "word/document.xml":
                if not drop:
                    target.writestr(item, document_xml)
            else:
                target.writestr(item, source.read(item))
    path = workdir / "rebuilt.docx"
    path.write_bytes(out.getvalue())
    _document(path, tally)
