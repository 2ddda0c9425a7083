"""How well the offline note reader understands plain reviewer language it was not written for.

    python tests/benchmarks/notes_bench.py --out bench/results/notes.json
    python tests/benchmarks/notes_bench.py --set dev --show     # print every miss (dev set only)

The notes are ``data/agents/note_probe.yaml``: a ``dev`` set that may be used to find gaps in the
reader, and a ``heldout`` set that must never be tuned on. A note counts as understood when the
reader's changes are exactly the expected aspects (and values where given), no more and no fewer.
The sample brand (Tidewell) is ingested into a temporary workspace first, so colours resolve to it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.benchmarks.plan_bench import ingest_sample, write_result  # noqa: E402

PROBE = REPO / "data" / "agents" / "note_probe.yaml"


def understood(want: list[str], got: list[tuple[str, str]]) -> bool:
    """Whether the reader's (aspect, value) pairs are exactly the expected ones."""
    if len(want) != len(got):
        return False
    left = list(got)
    for expected in want:
        aspect, _, value = expected.partition("=")
        match = next((g for g in left if g[0] == aspect and (not value or g[1] == value)), None)
        if match is None:
            return False
        left.remove(match)
    return True


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--set", choices=["dev", "heldout", "heldout_b", "all"], default="all")
    parser.add_argument("--show", action="store_true", help="print each note the reader missed")
    args = parser.parse_args(argv)

    os.environ["ONBRAND_HOME"] = tempfile.mkdtemp(prefix="notes-bench-")
    from agents.notes import read_note
    from pipeline.errors import UserError
    from pipeline.knowledge.embeddings import Embedder
    from pipeline.settings import load_settings

    profile = ingest_sample(load_settings())
    embedder = Embedder()
    probe = yaml.safe_load(PROBE.read_text(encoding="utf-8"))
    result: dict[str, object] = {}
    for name in ["dev", "heldout", "heldout_b"] if args.set == "all" else [args.set]:
        hits, misses = 0, []
        for case in probe[name]:
            try:
                got = [(c.aspect, c.value) for c in read_note(case["note"], profile, embedder).changes]
            except UserError as exc:
                got = [("refused", str(exc)[:80])]
            if understood(case["want"], got):
                hits += 1
            else:
                misses.append({"note": case["note"], "want": case["want"], "got": [f"{a}={v}" for a, v in got]})
        result[name] = {"notes": len(probe[name]), "understood": hits, "share": round(hits / len(probe[name]), 3)}
        if args.show:
            for miss in misses:
                print(f"[{name}] {miss['note']!r}: want {miss['want']}, got {miss['got']}")
    write_result(result, args.out)
    return result


if __name__ == "__main__":
    main()
