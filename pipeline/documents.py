"""Read guideline documents into a flat list of structural blocks.

Each format has a loader (Markdown, plain text, PDF, HTML, DOCX) registered the same way a
user's own loader would be, with :func:`register_loader`. A loader turns a file into
:class:`Block` objects (heading, paragraph, list, table) that the chunker groups by section.

    >>> from pipeline.documents import load_document
    >>> blocks = load_document(Path("data/brands/tidewell/guidelines/02-visual-identity.md"))  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pipeline.errors import DocumentError

BlockKind = Literal["heading", "paragraph", "list", "table", "code"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str
    level: int = 0  # heading level, 1 = top
    page: int | None = None


Loader = Callable[[Path], list[Block]]
_LOADERS: dict[str, Loader] = {}


def register_loader(suffixes: Iterable[str], loader: Loader) -> None:
    """Register ``loader`` for file suffixes such as ``".md"``; later registrations win."""
    for suffix in suffixes:
        _LOADERS[suffix.lower()] = loader


def supported_suffixes() -> list[str]:
    return sorted(_LOADERS)


def load_document(path: Path) -> list[Block]:
    """Blocks of one document, or a :class:`DocumentError` saying what is wrong and how to fix it."""
    if not path.exists():
        raise DocumentError(str(path), "no such file")
    if not path.is_file():
        raise DocumentError(str(path), "is not a file")
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentError(
            str(path),
            f"unsupported file type '{path.suffix or '(none)'}'; supported: {', '.join(supported_suffixes())}",
        )
    try:
        blocks = loader(path)
    except DocumentError:
        raise
    except (OSError, ValueError, KeyError, IndexError) as exc:  # corrupt files surface as these
        raise DocumentError(str(path), f"could not be read ({exc.__class__.__name__}: {exc}); re-export it") from exc
    except RecursionError as exc:  # <div> in <div> a thousand deep: hostile, or a broken export
        raise DocumentError(str(path), "nests its tags, lists or quotes too deeply to read; re-export it") from exc
    blocks = [b for b in blocks if b.text.strip()]
    if not any(b.kind != "heading" for b in blocks):
        raise DocumentError(str(path), "has no text to ingest (empty document)")
    return blocks


# --- text helpers ----------------------------------------------------------------------------

_WS = re.compile(r"[ \t\u00a0]+")


def clean_inline(text: str) -> str:
    """Strip Markdown inline markup and squeeze spaces: what a reader sees, not the syntax."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images -> alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links -> label
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)([^*]+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_(?!\s)([^_]+?)(?<!\s)_(?![\w_])", r"\1", text)
    text = text.replace("`", "")
    return _WS.sub(" ", text).strip()


def read_text_file(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            str(path), f"is not UTF-8 text (bad byte 0x{raw[exc.start]:02x} at offset {exc.start}); re-save it as UTF-8"
        ) from exc


# --- plain text ------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*+•▪◦–]|\d{1,2}[.)]|[a-z][.)])\s+\S")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+([A-Za-z].{0,70})$")


def _heading_level(line: str) -> int:
    """0 if ``line`` (a line standing alone) does not look like a heading in plain text."""
    text = line.strip()
    if not text or len(text) > 80 or text.endswith((".", ",", ";")):
        return 0
    numbered = _NUMBERED_HEADING.match(text)
    if numbered:
        return numbered.group(1).count(".") + 1
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        return 1
    if text.endswith(":") and len(text) < 50 and len(text.split()) <= 6:
        return 3
    return 0


def text_to_blocks(text: str, page: int | None = None) -> list[Block]:
    """Heuristic structure for text without markup: headings, bullet lists, paragraphs, tables."""
    groups: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        # Setext-style underlines (==== or ----) turn the previous line into a heading.
        if re.fullmatch(r"\s*(={3,}|-{3,})\s*", line) and groups[-1]:
            title = groups[-1].pop()
            if groups[-1]:
                groups.append([])
            groups[-1].append(("#" if line.strip()[0] == "=" else "##") + "\x00" + title)
            groups.append([])
        elif not line.strip():
            if groups[-1]:
                groups.append([])
        else:
            groups[-1].append(line.rstrip())
    blocks: list[Block] = []
    for group in groups:
        _group_to_blocks(group, page, blocks)
    return blocks


def _is_numbered(line: str) -> bool:
    return bool(re.match(r"^\s*\d{1,2}[.)]\s", line))


def _group_to_blocks(group: list[str], page: int | None, out: list[Block]) -> None:
    """One blank-line-separated group of lines -> heading / table / list / paragraph blocks."""
    pending: list[str] = []
    kind: BlockKind = "paragraph"

    def flush() -> None:
        nonlocal pending, kind
        if pending:
            text = _join_lines(pending) if kind == "paragraph" else "\n".join(pending)
            out.append(Block(kind, text, page=page))
        pending, kind = [], "paragraph"

    for idx, line in enumerate(group):
        if "\x00" in line:
            flush()
            marks, title = line.split("\x00", 1)
            out.append(Block("heading", clean_inline(title), level=len(marks), page=page))
            continue
        level = _heading_level(line)
        letters = [c for c in line if c.isalpha()]
        all_caps = len(letters) >= 3 and all(c.isupper() for c in letters)
        nxt = group[idx + 1] if idx + 1 < len(group) else ""
        # "3. COLOUR" is a heading; "1. Use the logo" followed by "2. ..." is a list.
        list_like = _is_numbered(line) and _is_numbered(nxt) and not all_caps
        if level and (idx == 0 or all_caps) and not list_like:
            flush()
            match = _NUMBERED_HEADING.match(line.strip())
            title = match.group(2) if match else line.strip()
            out.append(Block("heading", clean_inline(title.rstrip(":")), level=level, page=page))
            continue
        if line.count("|") >= 2 or line.count("\t") >= 2:
            if kind != "table":
                flush()
                kind = "table"
            if not re.fullmatch(r"[\s|:\-+]+", line):
                pending.append(_table_row(line))
            continue
        if _BULLET.match(line):
            if kind != "list":
                flush()
                kind = "list"
            pending.append(clean_inline(line))
            continue
        if kind == "list" and line.startswith((" ", "\t")) and pending:
            pending[-1] += " " + clean_inline(line)
            continue
        if kind != "paragraph":
            flush()
        pending.append(line.strip())
    flush()


def _table_row(line: str) -> str:
    cells = re.split(r"\s*\|\s*|\t+", line.strip().strip("|"))
    return " | ".join(clean_inline(c) for c in cells)


def _join_lines(lines: list[str]) -> str:
    text = ""
    for line in lines:
        line = line.strip()
        joined_word = text.endswith("-") and line[:1].islower()  # "hyphen-\nated" -> "hyphenated"
        text = text[:-1] + line if joined_word else (f"{text} {line}" if text else line)
    return clean_inline(text)


def load_text(path: Path) -> list[Block]:
    return text_to_blocks(read_text_file(path))


# --- Markdown --------------------------------------------------------------------------------


def load_markdown(path: Path) -> list[Block]:
    from markdown_it import MarkdownIt

    source = read_text_file(path)
    source = re.sub(r"\A---\n.*?\n---\n", "", source, flags=re.S)  # YAML front matter
    lines = source.split("\n")
    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    blocks: list[Block] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.level != 0 or tok.nesting == -1:
            i += 1
            continue
        span = "\n".join(lines[tok.map[0] : tok.map[1]]) if tok.map else ""
        if tok.type == "heading_open":
            blocks.append(Block("heading", clean_inline(tokens[i + 1].content), level=int(tok.tag[1])))
        elif tok.type == "paragraph_open":
            blocks.append(Block("paragraph", clean_inline(" ".join(tokens[i + 1].content.split("\n")))))
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            items: list[str] = []
            for raw in span.split("\n"):
                if not raw.strip():
                    continue
                if _BULLET.match(raw) or not items:
                    indent = (len(raw) - len(raw.lstrip())) // 2
                    items.append("  " * min(indent, 3) + clean_inline(raw))
                else:  # a wrapped line continues the item above
                    items[-1] += " " + clean_inline(raw)
            blocks.append(Block("list", "\n".join(items)))
        elif tok.type == "table_open":
            rows = [_table_row(x) for x in span.split("\n") if x.strip() and not re.fullmatch(r"[\s|:\-]+", x)]
            blocks.append(Block("table", "\n".join(rows)))
        elif tok.type == "blockquote_open":
            text = " ".join(clean_inline(x.lstrip("> ")) for x in span.split("\n") if x.strip())
            blocks.append(Block("paragraph", text))
        elif tok.type in ("fence", "code_block"):
            blocks.append(Block("code", tok.content.strip()))
        elif tok.type == "html_block":
            blocks.extend(_html_to_blocks(tok.content))
        # skip to the matching close token
        if tok.nesting == 1:
            depth = 1
            i += 1
            while i < len(tokens) and depth:
                depth += tokens[i].nesting if tokens[i].level == 0 else 0
                i += 1
        else:
            i += 1
    return blocks


# --- HTML ------------------------------------------------------------------------------------

_HTML_SKIP = {"script", "style", "nav", "footer", "noscript", "form", "svg", "button", "template", "iframe"}
_HTML_BLOCK_TAGS = {
    "p",
    "ul",
    "ol",
    "dl",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "div",
    "section",
    "article",
    "main",
    "header",
    "aside",
    "figure",
    "body",
    "li",
    "figcaption",
}


def load_html(path: Path) -> list[Block]:
    raw = path.read_bytes()
    # An HTML page may declare its own encoding (<meta charset="iso-8859-1">); honour it when not UTF-8.
    declared = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]+)", raw[:4096], re.I)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        import codecs

        try:
            return _html_to_blocks(raw.decode(codecs.lookup(declared.group(1).decode("ascii")).name))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: fall through to UTF-8 and its clear error
    return _html_to_blocks(read_text_file(path))


def _html_to_blocks(html: str) -> list[Block]:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_HTML_SKIP):
        tag.decompose()
    blocks: list[Block] = []

    def text_of(node: Tag) -> str:
        return _WS.sub(" ", node.get_text(" ", strip=True)).strip()

    def list_lines(node: Tag, depth: int = 0) -> list[str]:
        out: list[str] = []
        for li in node.find_all("li", recursive=False):
            nested = li.find_all(["ul", "ol"], recursive=False)
            for n in nested:
                n.extract()
            out.append("  " * depth + "- " + text_of(li))
            for n in nested:
                out.extend(list_lines(n, depth + 1))
        return out

    def walk(node: Tag) -> None:
        loose: list[str] = []

        def flush() -> None:
            text = _WS.sub(" ", " ".join(loose)).strip()
            if text:
                blocks.append(Block("paragraph", text))
            loose.clear()

        for child in node.children:
            if isinstance(child, NavigableString):
                if child.__class__.__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction"):
                    continue
                loose.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name not in _HTML_BLOCK_TAGS:
                if child.find(list(_HTML_BLOCK_TAGS - {"body"})):
                    flush()
                    walk(child)
                else:
                    loose.append(child.get_text(" "))
                continue
            flush()
            if re.fullmatch(r"h[1-6]", name):
                blocks.append(Block("heading", text_of(child), level=int(name[1])))
            elif name in ("ul", "ol"):
                blocks.append(Block("list", "\n".join(list_lines(child))))
            elif name == "dl":
                lines, term = [], ""
                for item in child.find_all(["dt", "dd"]):
                    if item.name == "dt":
                        term = text_of(item)
                    else:
                        lines.append(f"- {term}: {text_of(item)}" if term else f"- {text_of(item)}")
                blocks.append(Block("list", "\n".join(lines)))
            elif name == "table":
                if child.find(["table", "h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "div"]):
                    # A layout table (old-style page structure), not data: read its cells as containers.
                    for cell in child.find_all(["td", "th"]):
                        if cell.find_parent("table") is child:
                            walk(cell)
                    continue
                rows = []
                for tr in child.find_all("tr"):
                    cells = [text_of(c) for c in tr.find_all(["th", "td"], recursive=False)]
                    if any(cells):
                        rows.append(" | ".join(cells))
                blocks.append(Block("table", "\n".join(rows)))
            elif name == "pre":
                blocks.append(Block("code", child.get_text().strip()))
            elif name in ("p", "blockquote", "figcaption", "li"):
                if child.find(list(_HTML_BLOCK_TAGS - {"p", "li", "figcaption", "blockquote"})):
                    walk(child)
                else:
                    blocks.append(Block("paragraph", text_of(child)))
            else:  # containers: div, section, article, ...
                walk(child)
        flush()

    title = soup.find("title")
    root = soup.body or soup
    if title is not None and not root.find(re.compile(r"^h[1-6]$")):
        blocks.append(Block("heading", text_of(title), level=1))
    walk(root)
    return blocks


# --- DOCX ------------------------------------------------------------------------------------

# Everything a .docx holds, unzipped. A 1,000-page document is ~50 MB of XML; a zip bomb is gigabytes.
MAX_DOCX_UNZIPPED_MB = 256


def load_docx(path: Path) -> list[Block]:
    import zipfile
    import zlib

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:  # sizes as the zip declares them (reading stops there): a zip bomb is refused before it is unzipped
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        unzipped = 0  # not a zip at all: python-docx says so below
    if unzipped > MAX_DOCX_UNZIPPED_MB * 1e6:
        raise DocumentError(
            str(path),
            f"unzips to {unzipped / 1e6:.0f} MB, over the {MAX_DOCX_UNZIPPED_MB} MB a Word file may hold "
            "(a zip bomb?); re-save it from Word, without embedded media if it is that large",
        )
    try:
        document = docx.Document(str(path))
    # A damaged file fails in the zip (BadZipFile, zlib.error, EOFError, an unknown compression:
    # NotImplementedError) or in its XML (lxml's XMLSyntaxError is a SyntaxError).
    except (
        zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, SyntaxError, KeyError, ValueError,
        PackageNotFoundError,
    ) as exc:  # fmt: skip
        raise DocumentError(str(path), "is not a readable Word .docx file; re-save it from Word as .docx") from exc
    blocks: list[Block] = []
    items: list[str] = []

    def flush_list() -> None:
        if items:
            blocks.append(Block("list", "\n".join(items)))
            items.clear()

    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(element, document)
            text = _WS.sub(" ", para.text).strip()
            if not text:
                continue
            style = (para.style.name if para.style is not None else "") or ""
            heading = re.match(r"Heading (\d)", style)
            if heading or style == "Title":
                flush_list()
                blocks.append(Block("heading", text, level=int(heading.group(1)) if heading else 1))
            elif "List" in style or element.find(".//{*}numPr") is not None:
                items.append(f"- {text}")
            else:
                flush_list()
                blocks.append(Block("paragraph", text))
        elif tag == "tbl":
            flush_list()
            rows = []
            for row in Table(element, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = _WS.sub(" ", cell.text).strip()
                    if not cells or value != cells[-1]:  # merged cells repeat their text
                        cells.append(value)
                if any(cells):
                    rows.append(" | ".join(cells))
            blocks.append(Block("table", "\n".join(rows)))
    flush_list()
    return blocks


# --- PDF -------------------------------------------------------------------------------------


@dataclass
class _Line:
    text: str
    size: float
    bold: bool
    page: int
    cells: tuple[str, ...] = ()  # set when the line is a row of a table (columns found in layout mode)


def load_pdf(path: Path) -> list[Block]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                unlocked = bool(reader.decrypt(""))  # many PDFs are "encrypted" with an empty password
            except Exception:
                unlocked = False
            if not unlocked:
                raise DocumentError(str(path), "is password-protected; save an unprotected copy and ingest that")
        pages = list(reader.pages)
    except DocumentError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:  # PyPdfError: read or loop
        raise DocumentError(str(path), "is not a readable PDF (corrupt or truncated); re-export it") from exc

    lines: list[_Line] = []
    for number, page in enumerate(pages, start=1):
        try:
            lines.extend(_pdf_page_lines(page, number))
        except Exception as exc:  # pypdf raises many types on damaged content streams
            raise DocumentError(
                str(path), f"page {number} could not be read ({exc.__class__.__name__}); re-export it"
            ) from exc
    if not any(line.text.strip() for line in lines):
        raise DocumentError(str(path), "has no extractable text (scanned images?); export it with text or OCR it first")
    lines = _drop_running_lines(lines, len(pages))
    return _pdf_lines_to_blocks(lines)


def _pdf_page_lines(page: Any, number: int) -> list[_Line]:
    parts: list[tuple[str, float, bool]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        scale = abs(tm[3]) if tm and tm[3] else 1.0
        scale *= abs(cm[3]) if cm and cm[3] else 1.0
        name = str((font or {}).get("/BaseFont", "")) if hasattr(font, "get") else ""
        parts.append((text, round(float(size or 0) * scale, 1), "bold" in name.lower() or "black" in name.lower()))

    page.extract_text(visitor_text=visit)
    out: list[_Line] = []
    text, sizes, bold_chars, chars = "", Counter[float](), 0, 0

    def end_line() -> None:
        nonlocal text, sizes, bold_chars, chars
        if text.strip():
            size = sizes.most_common(1)[0][0] if sizes else 0.0
            out.append(_Line(_WS.sub(" ", text).strip(), size, chars > 0 and bold_chars >= chars * 0.6, number))
        text, sizes, bold_chars, chars = "", Counter(), 0, 0

    for fragment, size, bold in parts:
        pieces = fragment.split("\n")
        for j, piece in enumerate(pieces):
            if j:
                end_line()
            if piece.strip():
                n = len(piece.strip())
                sizes[size] += n
                chars += n
                bold_chars += n if bold else 0
            text += piece
    end_line()
    return _mark_table_rows(out, page)


def _layout_rows(page: Any) -> dict[str, tuple[str, ...]]:
    """Lines of the page's layout-mode text that split into aligned columns, keyed by their words."""
    try:
        layout = page.extract_text(extraction_mode="layout")
    except Exception:  # layout mode is a best-effort extra; the plain text is already read
        return {}
    candidates: list[tuple[str, tuple[str, ...]]] = []
    for raw in layout.split("\n"):
        cells = tuple(c for c in re.split(r"\s{3,}", raw.strip()) if c)
        if len(cells) >= 2:
            candidates.append((" ".join(" ".join(cells).split()), cells))
    rows: dict[str, tuple[str, ...]] = {}
    for i, (key, cells) in enumerate(candidates):
        short = all(len(c) <= 40 for c in cells)
        # Two columns of short cells count only in a run of three: otherwise it is likely two-column prose.
        neighbours = sum(
            1 for j in (i - 2, i - 1, i + 1, i + 2) if 0 <= j < len(candidates) and len(candidates[j][1]) == len(cells)
        )
        if (len(cells) >= 3 and short) or (len(cells) == 2 and short and neighbours >= 2):
            rows[key] = cells
    return rows


def _mark_table_rows(lines: list[_Line], page: Any) -> list[_Line]:
    rows = _layout_rows(page)
    if not rows:
        return lines
    for line in lines:
        cells = rows.get(" ".join(line.text.split()))
        if cells:
            line.cells = cells
    # A lone "row" is not a table: keep only runs of two or more.
    for i, line in enumerate(lines):
        if line.cells and not ((i > 0 and lines[i - 1].cells) or (i + 1 < len(lines) and lines[i + 1].cells)):
            line.cells = ()
    return lines


def _drop_running_lines(lines: list[_Line], n_pages: int) -> list[_Line]:
    """Remove page headers/footers and bare page numbers: edge lines that repeat on most pages."""

    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower())

    sizes = Counter[float]()
    for line in lines:
        sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    running: set[str] = set()
    if n_pages >= 3:
        by_page: dict[int, list[_Line]] = {}
        for line in lines:
            by_page.setdefault(line.page, []).append(line)
        pages_with: dict[str, set[int]] = {}
        for page, page_lines in by_page.items():
            for line in page_lines[:2] + page_lines[-3:]:  # headers and footers sit at the page edges
                if len(line.text) <= 80 and not (body and line.size >= body * 1.15):  # not headings
                    pages_with.setdefault(key(line), set()).add(page)
        running = {k for k, pages in pages_with.items() if len(pages) >= max(3, n_pages * 0.5)}
    page_number = re.compile(r"^(page\s*)?\d+(\s*(/|of)\s*\d+)?$", re.I)
    return [ln for ln in lines if key(ln) not in running and not page_number.match(ln.text)]


def _pdf_lines_to_blocks(lines: list[_Line]) -> list[Block]:
    sizes = Counter[float]()
    for line in lines:
        sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    heading_sizes = sorted({ln.size for ln in lines if body and ln.size >= body * 1.15}, reverse=True)
    has_font_info = body > 0

    blocks: list[Block] = []
    pending: list[_Line] = []

    def flush() -> None:
        if pending:
            text = "\n".join(ln.text for ln in pending)
            blocks.extend(text_to_blocks(text, page=pending[0].page) if not has_font_info else _body_blocks(pending))
            pending.clear()

    table: list[_Line] = []

    def flush_table() -> None:
        if table:
            blocks.append(Block("table", "\n".join(" | ".join(ln.cells) for ln in table), page=table[0].page))
            table.clear()

    for line in lines:
        if line.cells:
            flush()
            table.append(line)
            continue
        flush_table()
        is_heading = False
        if has_font_info and len(line.text) <= 120 and not line.text.endswith((".", ",")):
            if line.size in heading_sizes:
                is_heading = True
                level = min(heading_sizes.index(line.size) + 1, 6)
            elif line.bold and line.size >= body and len(line.text.split()) <= 10 and not _BULLET.match(line.text):
                is_heading = True
                level = len(heading_sizes) + 1
        if is_heading:
            flush()
            if blocks and blocks[-1].kind == "heading" and blocks[-1].level == level and blocks[-1].page == line.page:
                # a heading wrapped over two lines
                blocks[-1] = Block("heading", blocks[-1].text + " " + line.text, level=level, page=line.page)
            else:
                blocks.append(Block("heading", line.text, level=level, page=line.page))
        else:
            pending.append(line)
    flush()
    flush_table()
    return blocks


def _body_blocks(lines: list[_Line]) -> list[Block]:
    """Group body lines into paragraphs and lists; a short line ending a sentence closes a paragraph."""
    longest = max(len(ln.text) for ln in lines)
    groups: list[list[str]] = [[]]
    for prev, line in zip([None, *lines[:-1]], lines, strict=True):
        breaks = prev is not None and (
            _BULLET.match(line.text)
            or (prev.text.endswith((".", ":", "!", "?")) and len(prev.text) < longest * 0.8)
            or (prev.page != line.page and prev.text.endswith((".", ":")))
        )
        # consecutive bullets stay in one group: they are one list
        if breaks and not (_BULLET.match(line.text) and groups[-1] and _BULLET.match(groups[-1][0])):
            groups.append([])
        groups[-1].append(line.text)
    blocks: list[Block] = []
    for group in groups:
        if not group:
            continue
        if _BULLET.match(group[0]):
            items: list[str] = []
            for text in group:
                if _BULLET.match(text) or not items:
                    items.append(clean_inline(text))
                else:
                    items[-1] += " " + text
            if blocks and blocks[-1].kind == "list":
                blocks[-1] = Block("list", blocks[-1].text + "\n" + "\n".join(items), page=blocks[-1].page)
            else:
                blocks.append(Block("list", "\n".join(items), page=lines[0].page))
        else:
            blocks.append(Block("paragraph", _join_lines(group), page=lines[0].page))
    return blocks


register_loader([".md", ".markdown", ".mdown"], load_markdown)
register_loader([".txt", ".text"], load_text)
register_loader([".html", ".htm"], load_html)
register_loader([".docx"], load_docx)
register_loader([".pdf"], load_pdf)
