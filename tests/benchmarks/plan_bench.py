"""Planning speed: ``onbrand plan`` for 8 drafts with the template planner, warm and as a new process.

    python tests/benchmarks/plan_bench.py --out bench/results/plan.json
    python tests/benchmarks/plan_bench.py --tiny      # one repeat: CI runs this so it cannot rot

"Warm" is a second plan in the same process (MiniLM, Chroma and the gate's rules already loaded),
which is what the campaign flow, the UI and the chat agent see; "cold" is the whole CLI command in a
new process (imports included). The workspace is the sample brand ingested once before timing.
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
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

if TYPE_CHECKING:
    from pipeline.models import BrandProfile
    from pipeline.settings import Settings

TARGET_WARM_S = 3.0


def ingest_sample(settings: Settings) -> BrandProfile:
    """The sample brand ingested and its profile saved (the workspace every benchmark here plans in)."""
    from pipeline.brand.profile import extract_profile
    from pipeline.brand.store import ProfileStore
    from pipeline.knowledge.store import KnowledgeBase
    from pipeline.settings import DATA_DIR

    kb = KnowledgeBase(settings)
    kb.ingest([DATA_DIR / "brands" / "tidewell" / "guidelines"], brand="Tidewell")
    profile = extract_profile("Tidewell", kb.chunks("Tidewell"))
    ProfileStore(settings).save_extracted(profile)
    return profile


def write_result(result: dict[str, object], out: Path | None) -> None:
    print(json.dumps(result, indent=2))
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tiny", action="store_true")
    args = parser.parse_args(argv)
    repeats = 1 if args.tiny else args.repeats

    home = Path(tempfile.mkdtemp(prefix="plan-bench-"))
    os.environ["ONBRAND_HOME"] = str(home)
    from agents.campaign import plan_brief
    from pipeline.settings import DATA_DIR, load_settings

    settings = load_settings()
    ingest_sample(settings)
    brief = home / "eight.yaml"
    source = (DATA_DIR / "briefs" / "spring-citrus-launch.yaml").read_text(encoding="utf-8")
    brief.write_text(
        source.replace("drafts_per_channel: 3", "drafts_per_channel: 4").replace(
            "  - web_banner\n", ""
        ),  # 2 channels x 4 drafts = 8
        encoding="utf-8",
    )
    first_started = time.perf_counter()
    plan = plan_brief(brief, settings)
    first = time.perf_counter() - first_started
    assert len(plan.drafts) == 8, len(plan.drafts)
    warm = []
    for _ in range(repeats):
        started = time.perf_counter()
        plan_brief(brief, settings)
        warm.append(time.perf_counter() - started)
    cold = []
    onbrand = str(Path(sys.executable).parent / "onbrand")
    for _ in range(1 if args.tiny else 3):
        started = time.perf_counter()
        subprocess.run([onbrand, "plan", str(brief), "--json"], check=True, capture_output=True, env=os.environ)
        cold.append(time.perf_counter() - started)
    result: dict[str, object] = {
        "drafts": len(plan.drafts),
        "first_in_process_s": round(first, 3),
        "warm_s_median": round(statistics.median(warm), 3),
        "warm_s_max": round(max(warm), 3),
        "cli_new_process_s_median": round(statistics.median(cold), 3),
        "target_warm_s": TARGET_WARM_S,
        "met": statistics.median(warm) <= TARGET_WARM_S,
        "cpus": os.cpu_count(),
    }
    write_result(result, args.out)
    return result


if __name__ == "__main__":
    main()
