"""HTML pages: headings, paragraphs, lists, tables; scripts, styles, navigation and forms dropped."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.knowledge.loaders.registry import Block
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
            return html_to_blocks(raw.decode(codecs.lookup(declared.group(1).decode("ascii")).name))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: fall through to UTF-8 and its clear error
    return html_to_blocks(read_text_file(path))


def html_to_blocks(html: str) -> list[Block]:
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_HTML_SKIP):
        tag.decompose()
    blocks: list[Block] = []

    def text_of(node: Tag) -> str:
        return WS.sub(" ", node.get_text(" ", strip=True)).strip()

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
