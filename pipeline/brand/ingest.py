"""One way to take in a brand: ingest its guidelines, extract the profile, attach its kit, save.

    >>> admin = Actor(name="ops", role="admin")
    >>> folder = Path("data/brands/tidewell/guidelines")
    >>> result = ingest_brand([folder], "Tidewell", settings, actor=admin)  # doctest: +SKIP
    >>> result.report.added, result.profile.brand_kit
    (74, '/.../data/brands/tidewell/brand-kit')

The CLI's ``ingest`` and ``demo``, the UI's Brand page and the tests all call this, so a brand
ingested anywhere ends up with the same profile and the same kit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.brand.kit import find_brand_kit
from pipeline.brand.llm_profile import apply_model_reading
from pipeline.brand.profile import extract_profile, master_chunks
from pipeline.brand.store import ProfileStore
from pipeline.brand.trust import documents_without_items
from pipeline.knowledge.store import KnowledgeBase
from pipeline.models import Actor, FileProblem, IngestedBrand
from pipeline.progress import Progress
from pipeline.settings import Settings


def ingest_brand(
    paths: list[Path],
    brand: str,
    settings: Settings,
    *,
    actor: Actor,
    rebuild: bool = False,
    prune: bool = False,
    progress: Progress | None = None,
    kit: Path | None = None,
    knowledge: KnowledgeBase | None = None,
    chat_model: Any = None,
) -> IngestedBrand:
    """Ingest ``paths`` into the brand's knowledge base and re-extract its profile from every stored
    chunk. The brand kit is ``kit``, else a ``brand-kit`` folder inside or beside the guidelines, else
    the kit an earlier ingest found (while that folder exists). Nothing is extracted when no
    document was read (the stored profile stays as it was). ``chat_model`` (a LangChain chat model,
    built by the caller from ``ONBRAND_LLM``) also reads the guidelines; None keeps it rule-based.
    ``actor`` needs the admin role."""
    actor.require("upload")
    kb = knowledge or KnowledgeBase(settings)
    report = kb.ingest(paths, brand, rebuild=rebuild, prune=prune, progress=progress)
    if not report.documents:
        return IngestedBrand(report=report, profile=None)
    store = ProfileStore(settings)
    chunks = kb.chunks(report.brand)
    profile = extract_profile(report.brand, chunks)
    if chat_model is not None:
        profile, dropped = apply_model_reading(profile, master_chunks(chunks), chat_model)
        report.notes += [FileProblem(file="(language model)", error=line) for line in dropped]
    for source in documents_without_items(profile, [c.source for c in chunks]):
        report.notes.append(
            FileProblem(file=source, error="gave no colours, fonts, words or rules (it is still searchable)")
        )
    found = kit or find_brand_kit(paths)
    if found is None:
        earlier = store.load_extracted(report.brand)
        if earlier is not None and earlier.brand_kit and Path(earlier.brand_kit).is_dir():
            found = Path(earlier.brand_kit)
    if found is not None:
        profile = profile.model_copy(update={"brand_kit": str(found)})
    store.save_extracted(profile)
    return IngestedBrand(report=report, profile=profile)
