"""Campaign speed: the demo end to end (cold, new process) and Prefect's overhead on a 16-draft campaign.

    python tests/benchmarks/campaign_bench.py --out bench/results/campaign.json
    python tests/benchmarks/campaign_bench.py --tiny      # 2 drafts, no demo: CI runs this so it cannot rot

Overhead: the same 16 drafts (one channel, the bundled model) are run twice, each time into a fresh
review store and drafts folder: (a) the stages called directly in this process (plan, render,
gate, store), (b) the campaign flow, with Prefect's temporary server already started (its start is
reported apart: a real deployment talks to a running server). Overhead = (b - a) / b, from the
medians of 3 alternating runs of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

TARGET_DEMO_S = 120.0
TARGET_OVERHEAD = 0.15


def _fresh(home: Path, name: str) -> None:
    os.environ["ONBRAND_DATABASE_URL"] = f"sqlite:///{home / (name + '.db')}"
    shutil.rmtree(home / "drafts", ignore_errors=True)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--drafts", type=int, default=16)
    parser.add_argument("--tiny", action="store_true")
    args = parser.parse_args(argv)
    count = 2 if args.tiny else args.drafts
    result: dict[str, object] = {"drafts": count, "cpus": os.cpu_count()}

    if not args.tiny:
        demo_home = Path(tempfile.mkdtemp(prefix="demo-bench-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ONBRAND_", "PREFECT_"))}
        env.update(ONBRAND_HOME=str(demo_home / "home"), PREFECT_HOME=str(demo_home / "prefect"))
        started = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "onbrand"), "demo"], env=env, check=True, capture_output=True)
        result["demo_cold_s"] = round(time.perf_counter() - started, 1)
        result["demo_target_s"] = TARGET_DEMO_S

    home = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
    os.environ["ONBRAND_HOME"] = str(home)
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    from agents.campaign import plan_brief
    from pipeline.gate.drafts import evaluate_drafts
    from pipeline.render.drafts import render_drafts_safely
    from pipeline.review.store import ReviewStore
    from pipeline.settings import DATA_DIR, load_settings
    from tests.benchmarks.plan_bench import ingest_sample, write_result

    settings = load_settings()
    profile = ingest_sample(settings)
    brief = DATA_DIR / "briefs" / "spring-citrus-launch.yaml"

    # Warm both paths alike: models loaded, Prefect's temporary server started.
    from flows.campaign import campaign_flow, run_here
    from pipeline.models import CampaignRequest

    started = time.perf_counter()
    _fresh(home, "warm")
    run_here(
        campaign_flow, request=CampaignRequest(brief=str(brief), count=1, channels=["instagram_post"], max_replans=0)
    )
    result["first_flow_with_server_start_s"] = round(time.perf_counter() - started, 1)

    def run_direct(tag: str) -> float:
        _fresh(home, tag)
        started = time.perf_counter()
        s = load_settings()
        plan = plan_brief(brief, s, count=count, channels=["instagram_post"])
        store = ReviewStore.from_settings(s)
        todo = [p for p in plan.drafts if store.needs_render(p.id)]
        drafts, _failed = render_drafts_safely(todo, s)
        reports = evaluate_drafts(drafts, profile)
        for d, r in zip(drafts, reports, strict=True):
            store.add_draft(d, r)
        return time.perf_counter() - started

    def run_flow(tag: str) -> float:
        _fresh(home, tag)
        started = time.perf_counter()
        request = CampaignRequest(brief=str(brief), count=count, channels=["instagram_post"], max_replans=0)
        out = run_here(campaign_flow, request=request)
        assert len(out.drafts) == count, out
        return time.perf_counter() - started

    # Alternate the two, so neither always runs on warmer caches; medians of the repeats.
    repeats = 1 if args.tiny else 3
    directs, flows = [], []
    for i in range(repeats):
        directs.append(run_direct(f"direct{i}"))
        flows.append(run_flow(f"flow{i}"))
    direct, flow = statistics.median(directs), statistics.median(flows)
    overhead = (flow - direct) / flow
    result.update(
        direct_s=round(direct, 2),
        flow_s=round(flow, 2),
        direct_runs_s=[round(x, 2) for x in directs],
        flow_runs_s=[round(x, 2) for x in flows],
        prefect_overhead=round(overhead, 3),
        overhead_target=TARGET_OVERHEAD,
        met=bool(overhead <= TARGET_OVERHEAD and result.get("demo_cold_s", 0) <= TARGET_DEMO_S),  # type: ignore[operator]
    )
    write_result(result, args.out)
    return result


if __name__ == "__main__":
    main()
