"""Markdown (CommonMark plus tables) as published: front matter, template tags, MDX, inline HTML.

Inline HTML blocks are read by the HTML loader; template tags and MDX statements are dropped, but a
swatch macro's label and hex, and the data lists of the YAML front matter (a palette that the page
renders with a template loop), are kept as definition lines.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.knowledge.loaders.html import html_to_blocks
from pipeline.knowledge.loaders.registry import Block
from pipeline.knowledge.loaders.templates import (
    do_dont_html,
    front_matter_lists,
    page_title,
    split_front_matter,
    strip_mdx,
    strip_templates,
)
from pipeline.knowledge.loaders.text import BULLET, clean_inline, read_text_file, table_row


def load_markdown(path: Path) -> list[Block]:
    data, source = split_front_matter(read_text_file(path))
    blocks = markdown_to_blocks(strip_mdx(do_dont_html(strip_templates(source))))
    title = data.get("title") or page_title(source)
    top_headings = sum(1 for b in blocks if b.kind == "heading" and b.level == 1)
    if isinstance(title, str) and title.strip() and not top_headings:
        # The page's own heading, which its layout prints above the body.
        blocks.insert(0, Block("heading", clean_inline(title), level=1))
        top_headings = 1
    for key, items in front_matter_lists(data):
        blocks.append(Block("heading", key, level=2 if top_headings == 1 else 1))
        blocks.append(Block("list", "\n".join(clean_inline(i) for i in items)))
    return blocks


def markdown_to_blocks(source: str) -> list[Block]:
    """Structural blocks of Markdown text (no front matter)."""
    from markdown_it import MarkdownIt

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
                if BULLET.match(raw) or not items:
                    indent = (len(raw) - len(raw.lstrip())) // 2
                    items.append("  " * min(indent, 3) + clean_inline(raw))
                else:  # a wrapped line continues the item above
                    items[-1] += " " + clean_inline(raw)
            blocks.append(Block("list", "\n".join(items)))
        elif tok.type == "table_open":
            rows = [table_row(x) for x in span.split("\n") if x.strip() and not re.fullmatch(r"[\s|:\-]+", x)]
            blocks.append(Block("table", "\n".join(rows)))
        elif tok.type == "blockquote_open":
            text = " ".join(clean_inline(x.lstrip("> ")) for x in span.split("\n") if x.strip())
            blocks.append(Block("paragraph", text))
        elif tok.type in ("fence", "code_block"):
            blocks.append(Block("code", tok.content.strip()))
        elif tok.type == "html_block":
            blocks.extend(html_to_blocks(tok.content))
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
