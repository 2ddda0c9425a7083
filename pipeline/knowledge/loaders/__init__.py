"""Document loaders, one file per format, in a registry: ``register_loader([".rst"], my_loader)``.

The built-ins register here exactly as a user's extension would.
"""

from pipeline.knowledge.loaders.docx import load_docx
from pipeline.knowledge.loaders.html import load_html
from pipeline.knowledge.loaders.markdown import load_markdown
from pipeline.knowledge.loaders.pdf import load_pdf
from pipeline.knowledge.loaders.registry import (
    Block,
    BlockKind,
    Loader,
    load_document,
    register_loader,
    supported_suffixes,
)
from pipeline.knowledge.loaders.text import load_text

register_loader([".md", ".markdown", ".mdown"], load_markdown)
register_loader([".txt", ".text"], load_text)
register_loader([".html", ".htm"], load_html)
register_loader([".docx"], load_docx)
register_loader([".pdf"], load_pdf)

__all__ = ["Block", "BlockKind", "Loader", "load_document", "register_loader", "supported_suffixes"]
