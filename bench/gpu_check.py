"""Every check that needs CUDA, in one command: ``make gpu-check`` (writes ``bench/results/gpu.json``).

1. The render benchmark, plain diffusers vs onbrand's renderer, full-size SD 1.5 + ControlNet
   architectures with random weights (``tests/benchmarks/render_bench.py``), without and with
   ``torch.compile``.
2. Fan-out: renders per minute per GPU worker, the bundled draft model on a Dask LocalCluster of one
   worker (``tests/benchmarks/fanout_bench.py``).
3. A short training smoke test of the draft model on CUDA (a few steps of every phase).
4. An upscaling smoke test: a diffusers x4 upscaler (tiny random weights) enlarging a draft on CUDA.
5. The tests marked ``gpu`` (``pytest -m gpu``).

On a machine with no CUDA GPU it says so and exits 0. ``--tiny`` runs the same checks at test scale
on whatever device there is (the CPU in CI), so that this script cannot rot where no GPU is lent.

    python bench/gpu_check.py --out bench/results/gpu.json        # on an NVIDIA GPU
    python bench/gpu_check.py --tiny --out /tmp/gpu.json           # anywhere, in a few minutes
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def _cuda() -> dict[str, Any] | None:
    """The GPU torch sees (name, memory, CUDA and torch versions), or None."""
    import torch

    if not torch.cuda.is_available():
        return None
    props = torch.cuda.get_device_properties(0)
    return {
        "name": torch.cuda.get_device_name(0),
        "memory_gib": round(props.total_memory / 2**30, 1),
        "capability": f"{props.major}.{props.minor}",
        "cuda": torch.version.cuda,
        "torch": torch.__version__,
        "count": torch.cuda.device_count(),
    }


def _run(name: str, command: list[str], timeout: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    """One check in its own process (a crash or an out-of-memory error fails that check alone)."""
    print(f"gpu-check: {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "seconds": timeout, "error": f"timed out after {timeout} s"}
    seconds = round(time.perf_counter() - started, 1)
    result: dict[str, Any] = {"ok": done.returncode == 0, "seconds": seconds}
    if done.returncode != 0:
        result["error"] = (done.stderr or done.stdout)[-3000:]
    print(f"gpu-check: {name}: {'ok' if result['ok'] else 'FAILED'} in {seconds} s", file=sys.stderr, flush=True)
    return result


def _json_of(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def render(tmp: Path, tiny: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, extra in (("plain", []), ("compile", ["--compile"])):
        target = tmp / f"render-{label}.json"
        command = [PYTHON, "tests/benchmarks/render_bench.py", "--out", str(target), *extra]
        if tiny:
            command.append("--tiny")
        out[label] = {**_run(f"render benchmark ({label})", command, 1500), "result": _json_of(target)}
    return out


def fanout(tmp: Path, tiny: bool) -> dict[str, Any]:
    target = tmp / "fanout.json"
    command = [PYTHON, "tests/benchmarks/fanout_bench.py", "--out", str(target)]
    if tiny:
        command.append("--tiny")
    env = {"ONBRAND_DEVICE": "auto", "ONBRAND_HOME": str(tmp / "fanout-home")}
    return {**_run("fan-out renders per minute per worker", command, 1500, env), "result": _json_of(target)}


def training(tmp: Path, tiny: bool) -> dict[str, Any]:
    target = tmp / "draft-model"
    steps = (
        ["--steps", "4", "--vae-steps", "4", "--scenes", "64", "--batch", "8"]
        if tiny
        else ["--steps", "200", "--vae-steps", "100", "--scenes", "2000", "--batch", "64"]
    )
    command = [PYTHON, "-m", "pipeline.cli", "train-draft-model", "--out", str(target), *steps, "--json"]
    result = _run("draft model training smoke test", command, 1800)
    result["saved"] = (target / "model_index.json").is_file()
    result["ok"] = result["ok"] and result["saved"]
    return result


def upscaling(tmp: Path, tiny: bool) -> dict[str, Any]:
    script = f"""
import json, sys, time
sys.path.insert(0, {str(REPO)!r})
from pathlib import Path
from PIL import Image
from pipeline.devices import pick_device
from pipeline.export.upscalers import DiffusersUpscaler
from tests.pipeline.tiny_diffusion import build_tiny_upscaler
folder = build_tiny_upscaler(Path({str(tmp / "x4")!r}))
device = pick_device("auto")
up = DiffusersUpscaler(folder, device=device, steps={2 if tiny else 20})
image = Image.new("RGB", ({32 if tiny else 128}, {32 if tiny else 128}), (20, 140, 140))
up.upscale(image, "a teal can", 0)  # warm-up: loads the pipeline
started = time.perf_counter()
big = up.upscale(image, "a teal can", 1)
print(json.dumps({{"device": device, "in": list(image.size), "out": list(big.size),
                  "seconds": round(time.perf_counter() - started, 3)}}))
"""
    result = _run("upscaler smoke test", [PYTHON, "-c", script], 900)
    return result


def gpu_tests(tiny: bool) -> dict[str, Any]:
    command = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "gpu", "tests"]
    return _run("tests marked gpu", command, 1800, {"ONBRAND_TEST_PREFECT": "temporary"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "gpu.json")
    parser.add_argument("--tiny", action="store_true", help="the same checks at test scale, on any device")
    parser.add_argument("--only", nargs="*", default=None, help="render, fanout, training, upscaling, tests")
    args = parser.parse_args(argv)
    gpu = _cuda()
    report: dict[str, Any] = {
        "gpu": gpu,
        "tiny": args.tiny,
        "host": platform.node(),
        "python": platform.python_version(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    if gpu is None and not args.tiny:
        report["skipped"] = "no CUDA GPU on this machine: nothing to check (CI runs these checks tiny on the CPU)"
        print(f"gpu-check: {report['skipped']}")
        _write(report, args.out)
        return 0
    checks = {
        "render": render,
        "fanout": fanout,
        "training": training,
        "upscaling": upscaling,
    }
    wanted = args.only or [*checks, "tests"]
    with tempfile.TemporaryDirectory(prefix="onbrand-gpu-check-") as tmp:
        for name in wanted:
            if name == "tests":
                report["tests"] = gpu_tests(args.tiny)
            elif name in checks:
                report[name] = checks[name](Path(tmp), args.tiny)
            else:
                parser.error(f"unknown check {name!r}; use: {', '.join([*checks, 'tests'])}")
    report["ok"] = _all_ok([report[name] for name in wanted])
    _write(report, args.out)
    print(json.dumps({k: v for k, v in report.items() if k not in ("render", "fanout")}, indent=2, default=str))
    return 0 if report["ok"] else 1


def _all_ok(results: list[dict[str, Any]]) -> bool:
    """Every check passed (the render benchmark holds one result per variant)."""
    flat = [r for result in results for r in ([result] if "ok" in result else result.values())]
    return all(bool(r.get("ok")) for r in flat)


def _write(report: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"gpu-check: wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
