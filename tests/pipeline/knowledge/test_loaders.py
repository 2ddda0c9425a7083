from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import DocumentError
from pipeline.knowledge.loaders.registry import load_document, supported_suffixes
from tests.conftest import SAMPLE_GUIDELINES
from tests.pipeline.docs_factory import encrypt_pdf, make_docx, make_image_only_pdf, make_pdf

pytestmark = pytest.mark.unit


def kinds(blocks: list) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in blocks]


def test_markdown_headings_lists_and_tables_stay_structured(tmp_path: Path) -> None:
    path = tmp_path / "g.md"
    path.write_text(
        "---\ntitle: front matter is skipped\n---\n# Visual identity\n\nIntro with **bold** and a [link](http://x).\n\n"
        "## Colour\n\n| Name | HEX |\n|---|---|\n| Tide Blue | #1F6F8B |\n\n- one\n- two\n  continued\n"
    )
    blocks = load_document(path)
    assert ("heading", "Visual identity") in kinds(blocks)
    assert ("paragraph", "Intro with bold and a link.") in kinds(blocks)
    table = next(b for b in blocks if b.kind == "table")
    assert table.text == "Name | HEX\nTide Blue | #1F6F8B"
    assert next(b for b in blocks if b.kind == "list").text == "- one\n- two continued"
    assert "front matter" not in " ".join(b.text for b in blocks)


def test_plain_text_numbered_and_capital_headings(tmp_path: Path) -> None:
    path = tmp_path / "g.txt"
    path.write_text("3. COLOUR\n* Red: #C8102E\n* Slate: #3A3F44\n\nLOGO\nUse it well.\n\n1. First step\n2. Second\n")
    blocks = load_document(path)
    assert blocks[0] == blocks[0].__class__("heading", "COLOUR", level=1)
    assert blocks[1].kind == "list" and "#3A3F44" in blocks[1].text
    assert ("heading", "LOGO") in kinds(blocks)
    assert blocks[-1].kind == "list"  # "1. First step / 2. Second" is a list, not a heading


def test_html_skips_navigation_and_keeps_tables_and_definition_lists(tmp_path: Path) -> None:
    path = tmp_path / "g.html"
    path.write_text(
        "<html><head><style>p{}</style></head><body><nav><a>Home</a></nav><h1>Web</h1>"
        "<div class='card'><h3>Moss</h3><p>HEX #5B7F3A</p></div><dl><dt>Sky</dt><dd>#A0C4FF</dd></dl>"
        "<table><tr><th>Channel</th><th>Size</th></tr><tr><td>Story</td><td>1080 x 1920</td></tr></table>"
        "<ul><li>One<ul><li>nested</li></ul></li></ul><footer>© footer</footer><script>x()</script></body></html>"
    )
    blocks = load_document(path)
    text = "\n".join(b.text for b in blocks)
    assert "Home" not in text and "footer" not in text and "x()" not in text
    assert ("heading", "Moss") in kinds(blocks)
    assert ("list", "- Sky: #A0C4FF") in kinds(blocks)
    assert ("table", "Channel | Size\nStory | 1080 x 1920") in kinds(blocks)
    assert ("list", "- One\n  - nested") in kinds(blocks)


def test_docx_styles_become_headings_lists_and_tables(tmp_path: Path) -> None:
    blocks = load_document(make_docx(tmp_path / "book.docx"))
    assert ("heading", "Logo") in kinds(blocks)
    assert ("list", "- Place the logo in the top-right corner only.\n- Keep the logo at least 80 px wide.") in kinds(
        blocks
    )
    assert ("table", "Name | HEX | Role\nHarbour Navy | #1B2A41 | primary") in kinds(blocks)


def test_pdf_headings_come_from_font_size_and_running_footers_are_dropped(tmp_path: Path) -> None:
    sections = [
        (f"Section {i}", [f"Body text number {i}, paragraph {j}, about bleed and 300 dpi. " * 4 for j in range(8)])
        for i in range(6)
    ]
    path = make_pdf(tmp_path / "print.pdf", sections, footer="Acme Guidelines", title="Print specs")
    blocks = load_document(path)
    headings = [b for b in blocks if b.kind == "heading"]
    assert [h.text for h in headings][:3] == ["Print specs", "Section 0", "Section 1"]
    assert headings[0].level < headings[1].level
    assert all("Acme Guidelines" not in b.text for b in blocks)
    assert all(b.page for b in blocks)


def test_sample_pdf_and_html_load() -> None:
    for name in ("07-print-and-production.pdf", "06-digital.html"):
        blocks = load_document(SAMPLE_GUIDELINES / name)
        assert sum(b.kind == "heading" for b in blocks) >= 4
        assert sum(len(b.text) for b in blocks) > 2000


def test_two_hundred_page_pdf(tmp_path: Path) -> None:
    sections = [(f"Chapter {i}", [f"Guidance paragraph {i}. " * 45]) for i in range(200)]
    path = make_pdf(tmp_path / "long.pdf", sections, footer="Long book", page_per_section=True)
    blocks = load_document(path)
    assert sum(b.kind == "heading" for b in blocks) == 200
    assert max(b.page or 0 for b in blocks) >= 200


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.md", b"", "empty document"),
        ("headings.md", b"# Only\n## Headings\n", "empty document"),
        (
            "latin1.txt",
            "Caf\xe9 cr\xe8me".encode("latin-1"),
            "not UTF-8 text (bad byte 0xe9 at offset 3); re-save it as UTF-8",
        ),
        ("broken.pdf", b"%PDF-1.4\n garbage", "not a readable PDF"),
        ("truncated.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "not a readable PDF"),
        ("fake.docx", b"PK not really a zip", "not a readable Word .docx"),
        ("notes.rtf", b"{\\rtf1}", "unsupported file type '.rtf'"),
    ],
)
def test_bad_documents_get_a_clear_per_file_message(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as err:
        load_document(path)
    assert message in str(err.value)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_encrypted_scanned_and_missing_pdfs(tmp_path: Path) -> None:
    plain = make_pdf(tmp_path / "plain.pdf", [("Logo", ["Top-left only."])])
    with pytest.raises(DocumentError, match="password-protected; save an unprotected copy"):
        load_document(encrypt_pdf(plain, tmp_path / "locked.pdf"))
    with pytest.raises(DocumentError, match="no extractable text"):
        load_document(make_image_only_pdf(tmp_path / "scan.pdf", tmp_path))
    with pytest.raises(DocumentError, match="no such file"):
        load_document(tmp_path / "missing.pdf")


def test_utf16_with_bom_is_read() -> None:
    assert {".md", ".txt", ".pdf", ".html", ".docx"} <= set(supported_suffixes())


def test_utf16_text(tmp_path: Path) -> None:
    path = tmp_path / "u16.txt"
    path.write_bytes("LOGO\nUse it well.\n".encode("utf-16"))
    assert ("heading", "LOGO") in kinds(load_document(path))


def test_html_declared_charset_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "latin.html"
    path.write_bytes(
        '<html><head><meta charset="iso-8859-1"></head><body><h1>Café</h1><p>Crème brûlée tones.</p>'
        "</body></html>".encode("latin-1")
    )
    assert ("heading", "Café") in kinds(load_document(path))
    undeclared = tmp_path / "undeclared.html"
    undeclared.write_bytes("<html><body><p>Crème</p></body></html>".encode("latin-1"))
    with pytest.raises(DocumentError, match="not UTF-8 text"):
        load_document(undeclared)


def test_html_layout_tables_are_read_once(tmp_path: Path) -> None:
    inner = "<table><tr><td><h2>Logo</h2><p>Place it top-left.</p></td></tr></table>"
    path = tmp_path / "layout.html"
    path.write_text(
        f"<html><body><table><tr><td>{inner}</td><td><p>Sidebar text here.</p></td></tr></table></body></html>"
    )
    blocks = load_document(path)
    text = "\n".join(b.text for b in blocks)
    assert text.count("Place it top-left.") == 1 and ("heading", "Logo") in kinds(blocks)
    assert all(b.kind != "table" for b in blocks)


def test_pdf_tables_keep_their_columns(tmp_path: Path) -> None:
    from tests.pipeline.docs_factory import make_palette_pdf

    blocks = load_document(make_palette_pdf(tmp_path / "palette.pdf"))
    table = next(b for b in blocks if b.kind == "table")
    assert table.text.splitlines()[0] == "Name | Role | HEX | RGB | CMYK"
    assert "Signal Orange | Accent | #F26419 | 242 100 25 | 0 72 100 0" in table.text
    assert ("heading", "Colour palette") in kinds(blocks)


def test_template_pages_keep_swatches_and_drop_their_plumbing(tmp_path: Path) -> None:
    page = tmp_path / "colour.md"
    page.write_text(
        "---\ntitle: Colour\n---\n\n{% from 'macros.njk' import swatch %}\n\nOur core colours.\n\n"
        '{% swatch { label: "Primary blue", hex: "#1D70B8" } %}\n\n'
        '{% set functional = [\n  { label: "text", hex: "#0B0C0C", group: "text" },\n'
        '  { label: "link", hex: "#1A65A6", group: "links" }\n] %}\n\n'
        "## Minimum sizing\n\n{% grid %}\n\n    {% gridCell %}\n\n    Wordmark minimum width:</br>\n"
        '    <strong class="x">50px</strong>\n\n    {% endgridCell %}\n\n{% endgrid %}\n\n'
        "{{ tag({ text: 'Example' }) }} Plain text stays.\n"
    )
    blocks = load_document(page)
    text = "\n".join(b.text for b in blocks)
    assert blocks[0] == blocks[0].__class__("heading", "Colour", level=1)  # the front matter's title
    assert "Primary blue: #1D70B8" in text and "text: #0B0C0C" in text and "link: #1A65A6" in text
    assert ("paragraph", "Wordmark minimum width: 50px") in kinds(blocks)  # un-indented, not a code block
    assert "{%" not in text and "{{" not in text and "Example" not in text and "Plain text stays." in text


def test_front_matter_palettes_are_kept_and_navigation_is_not(tmp_path: Path) -> None:
    page = tmp_path / "palette.md"
    page.write_text(
        "---\ntitle: Color palette\npermalink: /brand/\npalette:\n  - name: bright\n    hex: '00CFFF'\n"
        "  - name: dark\n    hex: '1C304A'\nsubnav:\n  - text: Words\n    href: '#words'\n---\n\n"
        "{%- for color in palette -%}<p>#{{ color.hex }}</p>{%- endfor -%}\n\n## Guidance\n\nUse contrast.\n"
    )
    blocks = load_document(page)
    assert ("list", "- bright: #00CFFF\n- dark: #1C304A") in kinds(blocks)
    assert ("heading", "Palette") in kinds(blocks)
    assert all("href" not in b.text and b.text != "#" for b in blocks)


def test_single_emphasis_stays_because_it_marks_the_word_a_rule_is_about(tmp_path: Path) -> None:
    page = tmp_path / "words.md"
    page.write_text("# Words\n\n- initiate (use _start_)\n\nUse *Canceling*, not **ever** *Cancelling*.\n")
    assert kinds(load_document(page))[1:] == [
        ("list", "- initiate (use _start_)"),
        ("paragraph", "Use *Canceling*, not ever *Cancelling*."),
    ]


def test_html_shows_colours_written_only_in_styles_and_attributes(tmp_path: Path) -> None:
    page = tmp_path / "colour.html"
    page.write_text(
        '{% extends "layout.njk" %}{% set pageTitle = "Colour" %}{% block content %}'
        "<h2>Main colours</h2><table><tbody>"
        '<tr><td colspan="2"><h3>Text</h3></td></tr>'
        '<tr><th><span style="background-color:#212b32"></span><code>$brand-text</code></th><td>#212b32</td></tr>'
        '<tr><th><span style="background-color:#005eb8"></span><code>brand-colour("blue")</code></th><td></td></tr>'
        "</tbody></table>"
        '<div class="swatch" style="background: #ae2573"><p>Pink</p></div>'
        '<color-swatch name="Violet 60" hex="#8a3ffc"></color-swatch>{% endblock %}'
    )
    blocks = load_document(page)
    assert blocks[0] == blocks[0].__class__("heading", "Colour", level=1)  # from {% set pageTitle %}
    assert ("heading", "Text") in kinds(blocks)  # a heading row inside a data table
    table = next(b for b in blocks if b.kind == "table")
    assert table.text == '$brand-text | #212b32\n#005eb8 brand-colour("blue") |'
    text = "\n".join(b.text for b in blocks)
    assert "Pink #ae2573" in text and "Violet 60: #8a3ffc" in text


def test_mdx_imports_and_jinja_translations(tmp_path: Path) -> None:
    mdx = tmp_path / "type.md"
    mdx.write_text("import { Title } from '@pf/react';\nexport const meta = {};\n\n# Type\n\nUse Red Hat Text.\n")
    assert kinds(load_document(mdx)) == [("heading", "Type"), ("paragraph", "Use Red Hat Text.")]
    jinja = tmp_path / "copy.html"
    jinja.write_text("<h1>Copy</h1><p>{{ _('Write like a person.') }} {{ url('home') }}</p>")
    assert ("paragraph", "Write like a person.") in kinds(load_document(jinja))


def test_real_pages_with_scripts_svg_and_huge_tables_load_quickly(tmp_path: Path) -> None:
    import time

    rows = "".join(f"<tr><td>Term {i}</td><td>Do not use <em>word{i}</em>.</td></tr>" for i in range(5000))
    svg = "<svg>" + "<path d='M0 0 L10 10'/>" * 5000 + "</svg>"
    page = tmp_path / "huge.html"
    page.write_text(
        f"<html><body><nav><a>Home</a></nav><script>var x = '#ff0000';</script>{svg}"
        f"<h1>Words</h1><table>{rows}</table>{{% if x %}}{{{{ y }}}}{{% endif %}}</body></html>"
    )
    start = time.perf_counter()
    blocks = load_document(page)
    assert time.perf_counter() - start < 20
    text = "\n".join(b.text for b in blocks)
    assert "Term 4999 | Do not use word4999." in text and "#ff0000" not in text and "M0 0" not in text
