"""Brand knowledge: guideline documents -> structural blocks -> chunks -> Chroma, and hybrid retrieval.

>>> kb = KnowledgeBase(settings)
>>> kb.ingest([Path("guidelines/")], brand="Tidewell")        # doctest: +SKIP
>>> Retriever(kb).search("clear space around the logo", brand="Tidewell")[0].section  # doctest: +SKIP
'Logo > Clear space'
"""

from pipeline.knowledge.chunking import Unit, chunk_blocks, unit_texts, units_of
from pipeline.knowledge.embeddings import Embedder
from pipeline.knowledge.loaders import Block, load_document, register_loader, supported_suffixes
from pipeline.knowledge.retrieval import Retriever
from pipeline.knowledge.store import KnowledgeBase, collection_name

__all__ = [
    "Block",
    "Embedder",
    "KnowledgeBase",
    "Retriever",
    "Unit",
    "chunk_blocks",
    "collection_name",
    "load_document",
    "register_loader",
    "supported_suffixes",
    "unit_texts",
    "units_of",
]
