"""Brand knowledge: guideline documents -> chunks -> a per-brand Chroma collection.

Ids are content hashes, so re-ingesting the same files adds nothing, and a changed file
replaces only the chunks that changed (reported as removed + added). Writes go
add-then-delete, so a crash mid-way can leave an extra chunk but never lose one.

    >>> kb = KnowledgeBase(Settings(home="/tmp/ws"))
    >>> report = kb.ingest([Path("data/brands/tidewell/guidelines")], brand="Tidewell")  # doctest: +SKIP
    >>> report.added  # doctest: +SKIP
    74
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import DocumentError, UserError
from pipeline.knowledge.chunking import chunk_blocks, unit_texts
from pipeline.knowledge.embeddings import Embedder
from pipeline.knowledge.loaders.registry import load_document, supported_suffixes
from pipeline.models import FileProblem, GuidelineChunk, IngestReport
from pipeline.progress import Progress
from pipeline.settings import Settings
from pipeline.slugs import brand_key, brand_slug

_CLIENTS: dict[tuple[str, ...], Any] = {}
_CLIENT_LOCK = threading.Lock()


def collection_name(name: str) -> str:
    # Chroma: 3-512 chars of [a-zA-Z0-9._-], starting and ending alphanumeric.
    return f"brand-{brand_slug(name)}"


class KnowledgeBase:
    """Guideline chunks of every brand, in Chroma (embedded by default, or a Chroma server)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or Embedder(
            settings.embedding_model, settings.device, settings.allow_downloads, settings.embedding_backend
        )

    # --- Chroma plumbing ------------------------------------------------------------------
    def client(self) -> Any:
        s = self.settings
        key = (
            ("http", s.chroma_host or "", str(s.chroma_port), str(s.chroma_ssl))
            if s.chroma_host
            else ("local", str(s.chroma_path.resolve()))
        )
        with _CLIENT_LOCK:
            if key not in _CLIENTS:
                import chromadb

                chroma_settings = chromadb.Settings(anonymized_telemetry=False)
                if s.chroma_host:
                    try:
                        _CLIENTS[key] = chromadb.HttpClient(
                            host=s.chroma_host, port=s.chroma_port, ssl=s.chroma_ssl, settings=chroma_settings
                        )
                    except Exception as exc:  # connection refused, DNS, TLS ...
                        raise UserError(
                            f"cannot reach the Chroma server at {s.chroma_host}:{s.chroma_port} ({exc}); "
                            "start it (chroma run) or unset ONBRAND_CHROMA_HOST to use the embedded store"
                        ) from exc
                else:
                    s.chroma_path.mkdir(parents=True, exist_ok=True)
                    _CLIENTS[key] = chromadb.PersistentClient(path=str(s.chroma_path), settings=chroma_settings)
            return _CLIENTS[key]

    def _collection(self, brand: str, create: bool = False) -> Any:
        name = collection_name(brand)
        client = self.client()
        if create:
            collection = client.get_or_create_collection(
                name,
                metadata={"brand": " ".join(brand.split()), "embedder": self.embedder.model_name, "revision": 0},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            stored = (collection.metadata or {}).get("embedder")
            if stored and stored != self.embedder.model_name:
                raise UserError(
                    f"brand '{brand}' was ingested with embedding model '{stored}', not "
                    f"'{self.embedder.model_name}'; re-ingest with --rebuild or set ONBRAND_EMBEDDING_MODEL={stored}"
                )
            return collection
        try:
            return client.get_collection(name, embedding_function=None)
        except Exception as exc:  # chroma raises NotFoundError / ValueError depending on the backend
            if "does not exist" in str(exc) or exc.__class__.__name__ == "NotFoundError":
                known = ", ".join(self.brands()) or "none yet"
                raise UserError(
                    f"brand '{brand}' has no ingested guidelines (known brands: {known}); "
                    f"run: onbrand ingest PATH --brand '{brand}'"
                ) from exc
            raise

    def _units(self, brand: str, create: bool = False) -> Any:
        """Per-sentence / row / item embeddings of multi-unit chunks (a table stays one chunk, but each
        row can still be found). Ids are ``<chunk id>:<n>``; ``parent`` names the chunk."""
        name = collection_name(brand) + "-u"
        if create:
            return self.client().get_or_create_collection(
                name,
                metadata={"units_of": collection_name(brand)},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        try:
            return self.client().get_collection(name, embedding_function=None)
        except Exception:
            return None

    def brands(self) -> list[str]:
        names = []
        for col in self.client().list_collections():
            meta = col.metadata or {}
            if col.name.startswith("brand-") and "brand" in meta:
                names.append(str(meta["brand"]))
        return sorted(names, key=str.casefold)

    def has_brand(self, brand: str) -> bool:
        return brand_key(brand) in {brand_key(b) for b in self.brands()}

    def brand_name(self, brand: str) -> str:
        """The brand's name as it was first ingested (users may type it in any case)."""
        meta = self._collection(brand).metadata or {}
        return str(meta.get("brand", brand))

    def revision(self, brand: str, collection: Any = None) -> tuple[int, int]:
        """Changes whenever the brand's chunks change; caches of derived indexes key on it."""
        collection = collection if collection is not None else self._collection(brand)
        return int((collection.metadata or {}).get("revision", 0)), collection.count()

    def drop_brand(self, brand: str) -> None:
        for name in (collection_name(brand), collection_name(brand) + "-u"):
            try:
                self.client().delete_collection(name)
            except Exception as exc:
                if "does not exist" not in str(exc) and exc.__class__.__name__ != "NotFoundError":
                    raise

    # --- reading --------------------------------------------------------------------------
    def chunks(self, brand: str) -> list[GuidelineChunk]:
        """Every chunk of a brand, in document order."""
        collection = self._collection(brand)
        got = collection.get(include=["documents", "metadatas"])
        out = [self._to_chunk(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]
        out.sort(key=lambda c: (c.source, c.position))
        return out

    @staticmethod
    def _to_chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> GuidelineChunk:
        return GuidelineChunk(
            id=chunk_id,
            brand=str(meta.get("brand", "")),
            source=str(meta.get("source", "")),
            section=str(meta.get("section", "")),
            title=str(meta.get("title", "")),
            text=text,
            kind=meta.get("kind", "text"),
            page=meta.get("page"),
            position=int(meta.get("position", 0)),
            doc_sha=str(meta.get("doc_sha", "")),
        )

    # --- writing --------------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[Path],
        brand: str,
        *,
        rebuild: bool = False,
        prune: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest files and folders into the brand's collection; bad files are reported, not fatal.

        ``prune`` removes the brand's documents that this call did not name (files deleted from the
        guideline folder); ``rebuild`` drops everything first and re-embeds.
        """
        brand = " ".join(brand.split())
        brand_slug(brand)  # validates the name
        report = IngestReport(brand=brand)
        documents = self._expand(paths, report)
        if rebuild and documents:  # never empty a brand on a call that names no readable path
            self.drop_brand(brand)
        collection = self._collection(brand, create=True)
        units = self._units(brand, create=True)
        brand = str((collection.metadata or {}).get("brand", brand))
        report.brand = brand
        changed = False
        for done, (path, source) in enumerate(documents):
            if progress:
                progress(f"reading {source}", done, len(documents))
            try:
                changed |= self._ingest_one(collection, units, brand, path, source, report, progress)
            except DocumentError as exc:
                report.errors.append(FileProblem(file=str(path), error=exc.problem))
        if progress:
            progress("done", len(documents), len(documents))
        if prune and documents:
            changed |= self._prune(collection, units, {source for _, source in documents}, report)
        if changed:
            meta = dict(collection.metadata or {})
            meta["revision"] = int(meta.get("revision", 0)) + 1
            collection.modify(metadata=meta)
        report.total_chunks = collection.count()
        return report

    def _prune(self, collection: Any, units: Any, keep: set[str], report: IngestReport) -> bool:
        got = collection.get(include=["metadatas"])
        gone = [i for i, m in zip(got["ids"], got["metadatas"], strict=True) if (m or {}).get("source") not in keep]
        if gone:
            collection.delete(ids=gone)
            units.delete(where={"parent": {"$in": gone}})
            report.removed += len(gone)
        return bool(gone)

    def _expand(self, paths: Sequence[Path], report: IngestReport) -> list[tuple[Path, str]]:
        suffixes = set(supported_suffixes())
        found: dict[str, Path] = {}
        for raw in paths:
            path = Path(raw).expanduser()
            if path.is_dir():
                files = sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in suffixes
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
                if not files:
                    report.errors.append(
                        FileProblem(
                            file=str(path), error=f"folder holds no guideline files ({', '.join(sorted(suffixes))})"
                        )
                    )
                pairs = [(p, p.relative_to(path).as_posix()) for p in files]
            elif not path.exists():
                report.errors.append(FileProblem(file=str(path), error="no such file or folder"))
                continue
            else:
                pairs = [(path, path.name)]
            for file, source in pairs:
                if source in found and found[source].resolve() != file.resolve():
                    report.errors.append(
                        FileProblem(
                            file=str(file), error=f"another file in this call is also named '{source}'; rename one"
                        )
                    )
                    continue
                found[source] = file
        return [(p, s) for s, p in found.items()]

    def _ingest_one(
        self,
        collection: Any,
        units: Any,
        brand: str,
        path: Path,
        source: str,
        report: IngestReport,
        progress: Progress | None,
    ) -> bool:
        size_mb = path.stat().st_size / 1e6 if path.is_file() else 0
        if size_mb > self.settings.max_document_mb:
            raise DocumentError(
                str(path),
                f"is {size_mb:.0f} MB, over the {self.settings.max_document_mb:g} MB "
                "limit (ONBRAND_MAX_DOCUMENT_MB); split it or raise the limit",
            )
        raw = path.read_bytes() if path.is_file() else b""
        doc_sha = hashlib.sha256(raw).hexdigest()
        existing = collection.get(where={"source": source}, include=["metadatas"])
        old_ids: list[str] = list(existing["ids"])
        if old_ids and all((m or {}).get("doc_sha") == doc_sha for m in existing["metadatas"]):
            report.documents += 1
            report.chunks += len(old_ids)
            report.unchanged += len(old_ids)
            return False

        chunks = chunk_blocks(
            load_document(path),
            brand=brand,
            source=source,
            doc_sha=doc_sha,
            max_chars=self.settings.chunk_chars,
        )
        old = set(old_ids)
        new_chunks = [c for c in chunks if c.id not in old]
        kept = [c for c in chunks if c.id in old]
        stale = sorted(old - {c.id for c in chunks})

        if new_chunks:
            unit_rows = [(f"{c.id}:{n}", c, text) for c in new_chunks for n, text in enumerate(unit_texts(c))]
            texts = [c.embedding_text() for c in new_chunks] + [text for _, _, text in unit_rows]
            done = 0

            def on_batch(n: int) -> None:
                nonlocal done
                done += n
                if progress:
                    progress(f"embedding {source}", done, len(texts))

            vectors = self.embedder.embed_documents(texts, on_batch=on_batch)
            chunk_vectors, unit_vectors = vectors[: len(new_chunks)], vectors[len(new_chunks) :]
            step = 1000
            # Units first, chunks second: a chunk is only searchable once all of it is stored.
            for i in range(0, len(unit_rows), step):
                part = unit_rows[i : i + step]
                units.upsert(
                    ids=[uid for uid, _, _ in part],
                    embeddings=unit_vectors[i : i + step].tolist(),
                    metadatas=[{"parent": c.id, "source": c.source} for _, c, _ in part],
                )
            for i in range(0, len(new_chunks), step):
                chunk_part = new_chunks[i : i + step]
                collection.upsert(
                    ids=[c.id for c in chunk_part],
                    embeddings=chunk_vectors[i : i + step].tolist(),
                    documents=[c.text for c in chunk_part],
                    metadatas=[self._meta(c) for c in chunk_part],
                )
        if kept:
            collection.update(ids=[c.id for c in kept], metadatas=[self._meta(c) for c in kept])
        if stale:
            collection.delete(ids=stale)
            units.delete(where={"parent": {"$in": stale}})
        report.documents += 1
        report.chunks += len(chunks)
        report.added += len(new_chunks)
        report.unchanged += len(kept)
        report.removed += len(stale)
        return bool(new_chunks or stale or kept)

    @staticmethod
    def _meta(chunk: GuidelineChunk) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "brand": chunk.brand,
            "source": chunk.source,
            "section": chunk.section,
            "title": chunk.title,
            "kind": chunk.kind,
            "position": chunk.position,
            "doc_sha": chunk.doc_sha,
        }
        if chunk.page is not None:
            meta["page"] = chunk.page
        return meta
