"""Render fan-out: renders per minute of the campaign flow in one process and on a Dask cluster of
1 and 2 worker processes (the bundled draft model), and a projection for N GPU workers.

    python tests/benchmarks/fanout_bench.py --out bench/results/fanout.json
    python tests/benchmarks/fanout_bench.py --tiny      # 2 drafts, 1 worker: CI runs this so it cannot rot

Each Dask cluster is started once and warmed by a first run (its workers load the model), then a
second run into a fresh review store is timed: the steady state of a cluster that stays up. The
flow process gates and stores every draft itself, so fan-out scales until that becomes the limit:
the projection is min(N x one worker's rate, 60 / gate-and-store seconds per draft).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--drafts", type=int, default=16)
    parser.add_argument("--tiny", action="store_true")
    args = parser.parse_args(argv)
    count = 2 if args.tiny else args.drafts
    home = Path(tempfile.mkdtemp(prefix="fanout-bench-"))
    os.environ["ONBRAND_HOME"] = str(home)
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    from distributed import LocalCluster

    from agents.campaign import plan_brief
    from flows.campaign import campaign_flow_for, run_here
    from flows.runners import worker_api_env
    from pipeline.gate.drafts import evaluate_drafts
    from pipeline.models import CampaignRequest
    from pipeline.render.drafts import render_drafts
    from pipeline.review.store import ReviewStore
    from pipeline.settings import DATA_DIR, load_settings
    from tests.benchmarks.plan_bench import ingest_sample, write_result

    profile = ingest_sample(load_settings())
    brief = str(DATA_DIR / "briefs" / "spring-citrus-launch.yaml")
    result: dict[str, object] = {"drafts": count, "cpus": os.cpu_count(), "model": "bundled"}

    def timed_run(tag: str) -> float:
        os.environ["ONBRAND_DATABASE_URL"] = f"sqlite:///{home / (tag + '.db')}"
        shutil.rmtree(home / "drafts", ignore_errors=True)
        flow = campaign_flow_for(load_settings())
        started = time.perf_counter()
        request = CampaignRequest(brief=brief, count=count, channels=["instagram_post"], max_replans=0)
        out = run_here(flow, request=request)
        assert len(out.drafts) == count and all(d.status != "failed" for d in out.drafts), out
        return time.perf_counter() - started

    rates: dict[str, float] = {}
    os.environ["ONBRAND_TASK_RUNNER"] = "default"
    # Warm-up runs make the rates fair; --tiny only keeps the script from rotting, so it skips them.
    if not args.tiny:
        timed_run("warm-local")
    rates["in_process"] = 60 * count / timed_run("local")
    for workers in (1,) if args.tiny else (1, 2):
        with LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, env=worker_api_env()
        ) as cluster:
            os.environ.update(ONBRAND_TASK_RUNNER="dask", ONBRAND_TASK_RUNNER_ADDRESS=cluster.scheduler_address)
            if not args.tiny:
                timed_run(f"warm-dask{workers}")
            rates[f"dask_{workers}_workers"] = 60 * count / timed_run(f"dask{workers}")
    os.environ["ONBRAND_TASK_RUNNER"] = "default"
    os.environ.pop("ONBRAND_TASK_RUNNER_ADDRESS", None)

    # The flow process's own share per draft: the gate and the review-store write.
    settings = load_settings()
    plans = plan_brief(Path(brief), settings, count=count, channels=["instagram_post"])
    drafts = render_drafts(plans.drafts, settings)
    os.environ["ONBRAND_DATABASE_URL"] = f"sqlite:///{home / 'gate.db'}"
    store = ReviewStore.from_settings(load_settings())
    started = time.perf_counter()
    for d, r in zip(drafts, evaluate_drafts(drafts, profile), strict=True):
        store.add_draft(d, r)
    gate_s = (time.perf_counter() - started) / count
    ceiling = 60 / gate_s
    one = rates.get("dask_1_workers", rates["in_process"])
    result.update(
        renders_per_min={k: round(v, 1) for k, v in rates.items()},
        gate_and_store_s_per_draft=round(gate_s, 3),
        flow_process_ceiling_per_min=round(ceiling, 1),
        projected_per_min={str(n): round(min(n * one, ceiling), 1) for n in (1, 2, 4, 8, 16)},
        note="CPU workers share these cores; on GPU workers put each worker's measured rate in for 'one'",
    )
    write_result(result, args.out)
    return result


if __name__ == "__main__":
    main()
