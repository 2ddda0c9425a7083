"""PDFs: headings from font size and weight, tables from layout, running headers and footers dropped."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import DocumentError
from pipeline.knowledge.loaders.registry import Block
from pipeline.knowledge.loaders.text import BULLET, WS, clean_inline, join_lines, text_to_blocks


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
            out.append(_Line(WS.sub(" ", text).strip(), size, chars > 0 and bold_chars >= chars * 0.6, number))
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
            elif line.bold and line.size >= body and len(line.text.split()) <= 10 and not BULLET.match(line.text):
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
            BULLET.match(line.text)
            or (prev.text.endswith((".", ":", "!", "?")) and len(prev.text) < longest * 0.8)
            or (prev.page != line.page and prev.text.endswith((".", ":")))
        )
        # consecutive bullets stay in one group: they are one list
        if breaks and not (BULLET.match(line.text) and groups[-1] and BULLET.match(groups[-1][0])):
            groups.append([])
        groups[-1].append(line.text)
    blocks: list[Block] = []
    for group in groups:
        if not group:
            continue
        if BULLET.match(group[0]):
            items: list[str] = []
            for text in group:
                if BULLET.match(text) or not items:
                    items.append(clean_inline(text))
                else:
                    items[-1] += " " + text
            if blocks and blocks[-1].kind == "list":
                blocks[-1] = Block("list", blocks[-1].text + "\n" + "\n".join(items), page=blocks[-1].page)
            else:
                blocks.append(Block("list", "\n".join(items), page=lines[0].page))
        else:
            blocks.append(Block("paragraph", join_lines(group), page=lines[0].page))
    return blocks
