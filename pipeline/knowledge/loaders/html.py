"""HTML pages: headings, paragraphs, lists, tables; scripts, styles, navigation and forms dropped.

Template pages (Jinja, Nunjucks) lose their tags first. Colours that a page only shows, as an inline
style (``style="background-color:#212b32"``) or as a component's attributes (``<Swatch name="Blue 60"
hex="#0f62fe">``), are written into the text beside their label, where a reader would see them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipeline.knowledge.loaders.registry import Block
from pipeline.knowledge.loaders.templates import do_dont_html, page_title, strip_templates, swatch_line
from pipeline.knowledge.loaders.text import WS, read_text_file

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
            return html_to_blocks(raw.decode(codecs.lookup(declared.group(1).decode("ascii")).name), page=True)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: fall through to UTF-8 and its clear error
    return html_to_blocks(read_text_file(path), page=True)


_STYLE_COLOUR = re.compile(r"(?:background(?:-color)?|color|fill)\s*:\s*(#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b)", re.I)


def _show_colours(soup: Any) -> None:
    """Write colours that are only in attributes into the text, once, beside their label."""
    from bs4 import NavigableString

    for tag in soup.find_all(True):
        attrs = {str(k).lower(): v for k, v in (tag.attrs or {}).items() if isinstance(v, str)}
        if not attrs:
            continue
        line = swatch_line(attrs)
        if line is not None and not tag.get_text(strip=True):
            paragraph = soup.new_tag("p")
            paragraph.string = line[2:]
            tag.replace_with(paragraph)
            continue
        style = _STYLE_COLOUR.search(attrs.get("style", ""))
        if style is None:
            continue
        container = tag.find_parent(["tr", "li", "dd", "p"]) or tag.parent or tag
        if style.group(1).lower() not in container.get_text(" ").lower():
            # beside the swatch's own label: inside its first block of text, else inside the element
            label = next(
                (
                    t
                    for t in tag.find_all(["p", "h1", "h2", "h3", "h4", "h5", "h6", "span", "li"])
                    if t.get_text(strip=True)
                ),
                tag,
            )
            label.append(NavigableString(f" {style.group(1)} "))


def html_to_blocks(html: str, page: bool = False) -> list[Block]:
    """Blocks of an HTML page (``page``: a whole document, whose ``<title>`` may be its heading) or
    of an HTML fragment inside Markdown."""
    from bs4 import BeautifulSoup, NavigableString, Tag

    set_title = page_title(html) if page else None
    soup = BeautifulSoup(do_dont_html(strip_templates(html)), "html.parser")
    for tag in soup.find_all(_HTML_SKIP):
        tag.decompose()
    _show_colours(soup)
    # Words inside inline tags (<a>, <em>, <code>) join their neighbours as written ("use "<a>outlook</a>"."
    # reads 'use "outlook".'); block tags and line breaks separate words.
    for tag in soup.find_all(["br", "hr"]):
        tag.replace_with(" ")
    for tag in soup.find_all([*_HTML_BLOCK_TAGS, "td", "th", "dt", "dd", "tr"]):
        tag.append(" ")
    blocks: list[Block] = []

    def text_of(node: Tag) -> str:
        return WS.sub(" ", node.get_text("").replace("\n", " ")).strip()

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
            text = WS.sub(" ", " ".join(loose)).strip()
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
                    loose.append(child.get_text(""))
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
                table_blocks(child)
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

    def table_blocks(table: Tag) -> None:
        rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        row_cells = [tr.find_all(["th", "td"], recursive=False) for tr in rows]
        layout = table.find("table") is not None or any(
            len([c for c in cells if text_of(c)]) > 1 and any(c.find(_HEADING) for c in cells) for cells in row_cells
        )
        if layout:  # old-style page structure, not data: read its cells as containers
            for cell in table.find_all(["td", "th"]):
                if cell.find_parent("table") is table:
                    walk(cell)
            return
        pending: list[str] = []
        for cells in row_cells:
            texts = [text_of(c) for c in cells]
            heading = cells[0].find(_HEADING) if len(cells) == 1 else None
            if heading is not None:  # a heading row inside a data table ("Text", "Links"...) starts a group
                if pending:
                    blocks.append(Block("table", "\n".join(pending)))
                    pending = []
                if text_of(cells[0]) == text_of(heading):
                    blocks.append(Block("heading", text_of(heading), level=int(heading.name[1])))
                else:  # a one-cell row holding a whole section: read it as a container
                    walk(cells[0])
            elif any(texts):
                pending.append(" | ".join(texts).rstrip())
        if pending:
            blocks.append(Block("table", "\n".join(pending)))

    root = soup.body or soup
    title_tag = soup.find("title") if page else None
    title = set_title or (text_of(title_tag) if title_tag is not None else "")
    if title and not root.find("h1" if set_title else _HEADING):
        blocks.append(Block("heading", title, level=1))
    walk(root)
    return blocks


_HEADING = re.compile(r"^h[1-6]$")
