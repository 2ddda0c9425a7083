"""Word documents (.docx): headings by style, lists, tables; zip bombs refused."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import DocumentError
from pipeline.knowledge.loaders.registry import Block
from pipeline.knowledge.loaders.text import WS

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
            text = WS.sub(" ", para.text).strip()
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
                    value = WS.sub(" ", cell.text).strip()
                    if not cells or value != cells[-1]:  # merged cells repeat their text
                        cells.append(value)
                if any(cells):
                    rows.append(" | ".join(cells))
            blocks.append(Block("table", "\n".join(rows)))
    flush_list()
    return blocks
