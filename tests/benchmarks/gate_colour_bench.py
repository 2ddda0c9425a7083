"""The colour_match check against the draft model's eval ground truth, and per-colour product accuracy.

    python tests/benchmarks/gate_colour_bench.py --out bench/results/gate_colour.json   # 144 cases
    python tests/benchmarks/gate_colour_bench.py --tiny                                 # 8 cases: CI runs this

The bundled draft model renders the eval's held-out cases (``pipeline.draft_model.eval``: a product of
one named colour on a background of another, in held-out phrasings, product box on a left or right
third). The eval measures each render (product colour named by the nearest of the twelve reference
colours); ``colour_match`` reads the same prompt and the same layout. Agreement: the check passes
exactly where the eval found the product in the asked colour (and, apart, "does not fail" against
"in the asked colour"). Per-colour accuracy is the eval's, by asked product colour (every colour the
same number of times at 144 cases).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

TARGET_AGREEMENT = 0.9


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=144)
    parser.add_argument("--model", default="bundled")
    parser.add_argument("--tiny", action="store_true", help="8 cases")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from pipeline.draft_model.eval import eval_cases, run_eval
    from pipeline.gate.image import ImageGate

    count = 8 if args.tiny else args.cases
    work = Path(tempfile.mkdtemp(prefix="gate-colour-"))
    report = run_eval(args.model, work, count=count)
    cases = eval_cases(count)
    gate = ImageGate(checks=["colour_match"])
    rows = []
    for case, row, image in zip(cases, report["cases"], report["images"], strict=True):
        check = gate.evaluate(image, prompt=case.prompt, layout=case.layout).checks[0]
        rows.append(
            {
                "prompt": case.prompt,
                "asked": row["asked"]["product"],
                "eval_seen": row["measured"]["product_colour"],
                "eval_ok": row["product_ok"],
                "check": check.status,
                "check_seen": check.data.get("product", {}).get("seen"),
                "reason": check.reason,
            }
        )
    n = len(rows)
    agree = sum((r["check"] == "pass") == r["eval_ok"] for r in rows)
    agree_fail = sum((r["check"] != "fail") == r["eval_ok"] for r in rows)
    summary = report["summary"]
    result: dict[str, Any] = {
        "model": args.model,
        "cases": n,
        "agreement": round(agree / n, 4),
        "agreement_not_failed": round(agree_fail / n, 4),
        "target_agreement": TARGET_AGREEMENT,
        "met": agree / n >= TARGET_AGREEMENT,
        "check_statuses": dict(Counter(r["check"] for r in rows)),
        "product_colour_accuracy": summary["product_colour_accuracy"],
        "background_colour_accuracy": summary["background_colour_accuracy"],
        "product_colour_accuracy_by_colour": summary["product_colour_accuracy_by_colour"],
        "seen_by_asked": {
            colour: dict(Counter(r["eval_seen"] for r in rows if r["asked"] == colour))
            for colour in summary["product_colour_accuracy_by_colour"]
        },
        "disagreements": [r for r in rows if (r["check"] == "pass") != r["eval_ok"]],
    }
    print(json.dumps({k: v for k, v in result.items() if k != "disagreements"}, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        (work / "sheet.png").replace(args.out.with_suffix(".png"))
    return result


if __name__ == "__main__":
    main()
