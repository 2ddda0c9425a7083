"""Template markup in published pages: Jinja, Nunjucks and Liquid tags, MDX imports and YAML front matter.

Brand sites are built from templates, and the saved source of a page carries their markup. Most of it
is plumbing (``{% extends %}``, ``{{ url }}``, ``import X from``) and is dropped; some of it is the
only place a fact is written: a swatch macro's label and hex (``{% swatch { label: "Primary blue",
hex: "#1D70B8" } %}``), a ``{% set colours = [{ label: ..., hex: ... }] %}`` array, or a palette in the
front matter. Those become plain definition lines ("Primary blue: #1D70B8") that the rest of the
pipeline reads like any other list.

    >>> strip_templates('{% swatch { label: "Primary blue", hex: "#1D70B8" } %}')
    '\\n- Primary blue: #1D70B8\\n'
"""

from __future__ import annotations

import re
from typing import Any

_HEX = r"#?[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b"
# ``label: "Primary blue"``, ``"name": 'white'``, ``hex: "#1D70B8"`` inside an object literal
_PAIR = re.compile(r"""["']?([A-Za-z_][\w-]*)["']?\s*:\s*(?:"([^"\n]*)"|'([^'\n]*)'|([\w#.%-]+))""")
_LABEL_KEYS = ("label", "name", "title", "text", "heading")
_COLOUR_KEYS = ("hex", "colour", "color", "value", "code", "background")
_OBJECT = re.compile(r"\{([^{}]{0,400})\}")
_TAG = re.compile(r"\{%-?(.*?)-?%\}", re.S)
_EXPRESSION = re.compile(r"\{\{-?.*?-?\}\}", re.S)
_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_MDX_IMPORT = re.compile(
    r"^(?:import\s.+?from\s+['\"][^'\"]+['\"];?|import\s+['\"][^'\"]+['\"];?|export\s+(?:const|default|function)\b.*)$",
    re.M,
)


def swatch_line(fields: dict[str, str]) -> str | None:
    """A definition line for an object that names a colour ("Primary blue: #1D70B8"), else None."""
    label = next((fields[k] for k in _LABEL_KEYS if fields.get(k)), "")
    colour = next((fields[k] for k in _COLOUR_KEYS if fields.get(k) and re.fullmatch(_HEX, fields[k].strip())), "")
    if not colour:
        return None
    colour = colour.strip()
    colour = colour if colour.startswith("#") else "#" + colour
    return f"- {label}: {colour}" if label else f"- {colour}"


def _pairs(body: str) -> dict[str, str]:
    return {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _PAIR.finditer(body)}


def _tag_text(inner: str) -> str:
    """What a template tag leaves in the text: its swatch objects as definition lines, else nothing."""
    lines = [line for obj in _OBJECT.finditer(inner) if (line := swatch_line(_pairs(obj.group(1))))]
    return "\n" + "\n".join(lines) + "\n" if lines else ""


def strip_templates(text: str) -> str:
    """Template tags, expressions and comments removed; colour objects kept as definition lines.

    A tag that stood alone on its line leaves a blank line, so that Markdown around it keeps its
    paragraphs; lines indented only because they sat inside template blocks are un-indented (else
    Markdown would read them as code).
    """
    if "{%" not in text and "{{" not in text and "{#" not in text:
        return text
    text = _COMMENT.sub("", text)
    text = _TAG.sub(lambda m: _tag_text(m.group(1)), text)
    text = _EXPRESSION.sub(_expression_text, text)
    return _dedent_template_lines(text)


# ``{{ _('Use the logo ...') }}``: translated text is the page's text; other expressions are plumbing.
_GETTEXT = re.compile(r"""^\{\{-?\s*(?:_|gettext|ugettext|trans|t)\(\s*(?:"([^"]*)"|'([^']*)')""")


def _expression_text(match: re.Match[str]) -> str:
    literal = _GETTEXT.match(match.group(0))
    return (literal.group(1) or literal.group(2) or "") if literal else ""


def _dedent_template_lines(text: str) -> str:
    """Four-space indented prose left by template nesting becomes plain prose again. Real code blocks
    are fenced in these pages; an indented run that holds Markdown images, HTML or sentences is not code."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("    ") and line.strip():
            j = i
            run: list[str] = []
            while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
                run.append(lines[j])
                j += 1
            body = "\n".join(run)
            if re.search(r"!\[|</?[A-Za-z][^>]*>|[A-Za-z]{3,}[^\n]*[.:!?]\s*$", body, re.M):
                out.extend(r.strip() for r in run)
                i = j
                continue
        out.append(line)
        i += 1
    return "\n".join(out)


_PAGE_TITLE = re.compile(r"""\{%-?\s*set\s+(?:page_?title|title)\s*=\s*(?:"([^"\n]+)"|'([^'\n]+)')""", re.I)


def page_title(text: str) -> str | None:
    """The title a template page sets for its layout (``{% set pageTitle = "Colour" %}``), if any."""
    match = _PAGE_TITLE.search(text[:20000])
    return (match.group(1) or match.group(2)).strip() if match else None


def strip_mdx(text: str) -> str:
    """MDX ``import`` / ``export`` statements at the start of a line: code, not guideline text."""
    return _MDX_IMPORT.sub("", text) if ("import " in text or "export " in text) else text


# A Do/Don't example component of a design-system site (``<DoDont type="dont" caption="...">``,
# ``<Dont caption="...">``, ``<Example variant="incorrect" text="...">``): its verdict and caption live
# only in its attributes, which a reader sees as a label under the picture.
_COMPONENT = re.compile(
    r"<([A-Z][\w.]*|[a-z][\w-]*-[\w-]*)((?:\s+[\w:-]+(?:=(?:\"[^\"]*\"|'[^']*'|\{[^{}]*\}))?)*)\s*/?>"
)
_ATTR = re.compile(r"""([\w:-]+)=(?:"([^"]*)"|'([^']*)'|\{\s*["'`]([^"'`]*)["'`]\s*\})""")
_VERDICT_KEYS = ("type", "variant", "kind", "status", "verdict", "intent")
_CAPTION_KEYS = ("caption", "text", "title", "label", "description", "children")
_DONT_VALUE = re.compile(r"^(?:dont|don[’']?t|do-?not|donot|avoid|incorrect|wrong|bad|misuse|never|error)$", re.I)
_DO_VALUE = re.compile(r"^(?:do|correct|right|good|always|success)$", re.I)


def do_dont_html(text: str) -> str:
    """Do/Don't example components written out as what a reader sees: a "Don't:" or "Do:" label over
    the caption as a list item (HTML, which the Markdown and HTML loaders both read).

    >>> do_dont_html('<DoDont type="dont" caption="Rotate the logo" />')
    "\\n\\n<p>Don't:</p><ul><li>Rotate the logo</li></ul>\\n\\n"
    """
    if "<" not in text or "=" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).split(".")[-1].lower().replace("-", "")
        attrs = {
            m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR.finditer(match.group(2))
        }
        verdict = next((attrs[k].strip() for k in _VERDICT_KEYS if attrs.get(k, "").strip()), "")
        if not verdict and name in ("dont", "donot", "avoid", "incorrect", "do", "correct"):
            verdict = name
        caption = next((attrs[k].strip() for k in _CAPTION_KEYS if attrs.get(k, "").strip()), "")
        if not caption or not (_DONT_VALUE.match(verdict) or _DO_VALUE.match(verdict)):
            return match.group(0)
        label = "Don't:" if _DONT_VALUE.match(verdict) else "Do:"
        caption = caption.replace("<", "&lt;").replace(">", "&gt;")
        return f"\n\n<p>{label}</p><ul><li>{caption}</li></ul>\n\n"

    return _COMPONENT.sub(replace, text)


_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter as a mapping (empty when absent or unreadable) and the text after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    import yaml

    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        data = None
    rest = text[match.end() :]
    return (data if isinstance(data, dict) else {}), rest


def front_matter_lists(data: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The data lists of a page's front matter (a palette, a list of terms), as (key, item lines).
    Scalars and mappings are site plumbing (layout, permalink, navigation) and are left out."""
    out: list[tuple[str, list[str]]] = []
    for key, value in data.items():
        if not isinstance(value, list) or not value or len(value) > 500:
            continue
        items: list[str] = []
        for item in value:
            if isinstance(item, dict):
                fields = {str(k).lower(): str(v) for k, v in item.items() if isinstance(v, str | int | float)}
                if {"href", "url", "link", "permalink", "path"} & set(fields):
                    continue  # navigation: links to other pages, not content of this one
                line = swatch_line(fields)
                if line is None:
                    line = "- " + ", ".join(f"{k}: {v}" for k, v in fields.items())
                items.append(line)
            elif isinstance(item, str | int | float) and str(item).strip():
                items.append(f"- {item}")
        if items and str(key).lower() not in ("tags", "categories", "keywords", "aliases", "redirect_from"):
            out.append((str(key).replace("_", " ").replace("-", " ").capitalize(), items))
    return out
