"""`make bench`: search latency, CLI start-up, ingest throughput and retrieval quality.

Every number comes from this one run on this machine; results go to bench/results/latest.json.
Retrieval quality compares onbrand with plain LangChain + Chroma dense retrieval (the same MiniLM
embedder, RecursiveCharacterTextSplitter at 500 characters) on bench/data/tidewell_questions.yaml.

    python bench/run.py                 # everything
    python bench/run.py --only quality  # one section: latency, cli, quality
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.corpus import write_corpus  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

SAMPLE = REPO / "data" / "brands" / "tidewell" / "guidelines"
FIXTURE_BRANDS = REPO / "tests" / "fixtures" / "brands"
RESULTS = REPO / "bench" / "results"
console = Console()


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBRAND_")}
    env.update(ONBRAND_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    return env


def bench_latency(work: Path) -> dict[str, Any]:
    from pipeline.knowledge.retrieval import Retriever
    from pipeline.knowledge.store import KnowledgeBase

    corpus = write_corpus(work / "corpus", chunks=2000)
    settings = Settings(home=work / "ws")
    kb = KnowledgeBase(settings)
    kb.embedder.warm_up()
    start = time.perf_counter()
    report = kb.ingest([corpus], brand="Benchmark Brand")
    ingest_s = time.perf_counter() - start
    retriever = Retriever(kb)
    queries = [
        "minimum size of the logo in px",
        "clear space around the badge",
        "what colour is #1A2B3C",
        "how should captions look on social",
        "print resolution in dpi",
        "margins on email headers",
        "can we tint the gradient",
        "headline placement on banners",
        "photograph crop rules",
        "accessibility contrast for buttons",
    ]
    retriever.search(queries[0], brand="Benchmark Brand")  # warm: model, BM25 index, Chroma
    timings = []
    for i in range(200):
        t0 = time.perf_counter()
        retriever.search(queries[i % len(queries)], brand="Benchmark Brand", k=5)
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    return {
        "chunks": report.total_chunks,
        "ingest_seconds": round(ingest_s, 2),
        "ingest_chunks_per_s": round(report.total_chunks / ingest_s, 1),
        "search_p50_ms": round(statistics.median(timings), 2),
        "search_p95_ms": round(timings[int(len(timings) * 0.95)], 2),
        "workspace": str(settings.home),
    }


def bench_cli(work: Path, workspace: Path) -> dict[str, Any]:
    onbrand = str(Path(sys.executable).parent / "onbrand")
    env = _env(workspace)

    def timed(args: list[str], runs: int) -> float:
        values = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([onbrand, *args], env=env, check=True, capture_output=True)
            values.append(time.perf_counter() - t0)
        return round(statistics.median(values), 2)

    probe = subprocess.run(
        [sys.executable, "-c", "import sys, pipeline.cli; print('torch' in sys.modules)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        "help_seconds": timed(["--help"], 5),
        "help_imports_torch": probe.stdout.strip() == "True",
        "cold_search_seconds": timed(["search", "minimum logo size", "--brand", "Benchmark Brand", "--json"], 3),
    }


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("-\n", "").split())


def _hit(answer: str, text: str) -> bool:
    return _norm(answer) in _norm(text)


QUALITY_SETS = [  # (brand, guideline folder, question file)
    ("Tidewell", SAMPLE, REPO / "bench" / "data" / "tidewell_questions.yaml"),
    ("Lumen Bank", FIXTURE_BRANDS / "lumen", REPO / "bench" / "data" / "lumen_questions.yaml"),
    ("Kestrel Coffee Roasters", FIXTURE_BRANDS / "kesteral", REPO / "bench" / "data" / "kestrel_questions.yaml"),
    ("Ardent Outdoor", FIXTURE_BRANDS / "ardent", REPO / "bench" / "data" / "ardent_questions.yaml"),
]


def bench_quality(work: Path) -> dict[str, Any]:
    """hit@1 / hit@3 per brand and over all questions, onbrand vs the LangChain baseline."""
    from pipeline.knowledge.retrieval import Retriever
    from pipeline.knowledge.store import KnowledgeBase

    kb = KnowledgeBase(Settings(home=work / "quality-ws"))
    retriever = Retriever(kb)
    per_brand: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    for brand, folder, question_file in QUALITY_SETS:
        if not question_file.is_file():
            continue
        questions = yaml.safe_load(question_file.read_text(encoding="utf-8"))
        kb.ingest([folder], brand=brand)
        ours = [[h.text for h in retriever.search(q["question"], brand=brand, k=3)] for q in questions]
        baseline = _langchain_baseline(work / brand.replace(" ", "-"), folder, [q["question"] for q in questions])
        brand_rows = [
            {
                "brand": brand,
                "question": q["question"],
                "answer": q["answer"],
                "onbrand_rank": next((i + 1 for i, t in enumerate(o) if _hit(q["answer"], t)), None),
                "baseline_rank": next((i + 1 for i, t in enumerate(b) if _hit(q["answer"], t)), None),
            }
            for q, o, b in zip(questions, ours, baseline, strict=True)
        ]
        per_brand[brand] = _rates(brand_rows)
        rows += brand_rows
    return {
        "questions": len(rows),
        "all": _rates(rows),
        "brands": per_brand,
        "misses": [r for r in rows if r["onbrand_rank"] != 1],
    }


def _rates(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = max(1, len(rows))

    def rate(key: str, k: int) -> float:
        return round(sum(1 for r in rows if r[key] is not None and r[key] <= k) / n, 3)

    return {
        "questions": len(rows),
        "onbrand": {"hit@1": rate("onbrand_rank", 1), "hit@3": rate("onbrand_rank", 3)},
        "langchain_dense_500": {"hit@1": rate("baseline_rank", 1), "hit@3": rate("baseline_rank", 3)},
    }


def _load_plain(path: Path) -> str:
    """What LangChain's stock loaders give: raw text (TextLoader), pypdf text (PyPDFLoader), bs4 text
    (BSHTMLLoader), and paragraph plus table text of a .docx (Docx2txtLoader)."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    if path.suffix in (".html", ".htm"):
        from bs4 import BeautifulSoup

        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text()
    if path.suffix == ".docx":
        import docx

        document = docx.Document(str(path))
        parts = [p.text for p in document.paragraphs]
        parts += ["\t".join(c.text for c in row.cells) for table in document.tables for row in table.rows]
        return "\n".join(parts)
    return path.read_text(encoding="utf-8")


def _langchain_baseline(work: Path, folder: Path, questions: list[str]) -> list[list[str]]:
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from pipeline.knowledge.embeddings import resolve_model_path
    from pipeline.settings import BUNDLED_EMBEDDER

    docs = [
        Document(page_content=_load_plain(p), metadata={"source": p.name})
        for p in sorted(folder.iterdir())
        if p.suffix in (".md", ".pdf", ".html", ".txt", ".docx")
    ]
    splits = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50).split_documents(docs)
    embeddings = HuggingFaceEmbeddings(
        model_name=resolve_model_path(BUNDLED_EMBEDDER), encode_kwargs={"normalize_embeddings": True}
    )
    store = Chroma.from_documents(
        splits,
        embeddings,
        persist_directory=str(work / "lc-chroma"),
        collection_name="baseline",
        collection_metadata={"hnsw:space": "cosine"},
    )
    return [[d.page_content for d in store.similarity_search(q, k=3)] for q in questions]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["latency", "cli", "quality"])
    args = parser.parse_args()
    os.environ.update(
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False", HF_HUB_DISABLE_PROGRESS_BARS="1"
    )
    results: dict[str, Any] = {"machine": f"{os.cpu_count()} CPUs", "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory(prefix="onbrand-bench-") as tmp:
        work = Path(tmp)
        if args.only in (None, "latency", "cli"):
            with console.status("search latency over a generated 2,000-chunk corpus"):
                results["latency"] = bench_latency(work)
        if args.only in (None, "cli"):
            with console.status("CLI start-up"):
                results["cli"] = bench_cli(work, Path(results["latency"]["workspace"]))
        if args.only in (None, "quality"):
            with console.status("retrieval quality: onbrand vs LangChain + Chroma dense"):
                results["quality"] = bench_quality(work)
    report(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    console.print(f"[dim]written {RESULTS / 'latest.json'}[/dim]")


def report(results: dict[str, Any]) -> None:
    table = Table(title="onbrand benchmarks", show_lines=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    if "latency" in results:
        lat = results["latency"]
        table.add_row("ingest throughput (2,000 chunks)", f"{lat['ingest_chunks_per_s']} chunks/s", "reported")
        table.add_row("search p50, warm, in-process", f"{lat['search_p50_ms']} ms", "<= 30 ms")
        table.add_row("search p95, warm, in-process", f"{lat['search_p95_ms']} ms", "")
    if "cli" in results:
        cli = results["cli"]
        table.add_row(
            "onbrand --help", f"{cli['help_seconds']} s (torch imported: {cli['help_imports_torch']})", "<= 1.0 s"
        )
        table.add_row("cold onbrand search", f"{cli['cold_search_seconds']} s", "<= 8 s")
    if "quality" in results:
        q = results["quality"]
        for label, rates in [("all brands", q["all"]), *q["brands"].items()]:
            for name in ("onbrand", "langchain_dense_500"):
                table.add_row(
                    f"{label}: {name} hit@1 / hit@3 ({rates['questions']} q.)",
                    f"{rates[name]['hit@1']:.3f} / {rates[name]['hit@3']:.3f}",
                    "ahead on hit@1, not behind on hit@3" if name == "onbrand" else "",
                )
    console.print(table)
    if "quality" in results and results["quality"]["misses"]:
        misses = Table(title="onbrand: questions whose top passage missed the answer")
        for col in ("brand", "question", "answer", "onbrand rank", "baseline rank"):
            misses.add_column(col)
        for r in results["quality"]["misses"]:
            misses.add_row(r["brand"], r["question"], r["answer"], str(r["onbrand_rank"]), str(r["baseline_rank"]))
        console.print(misses)


if __name__ == "__main__":
    main()
