"""Prompt-gate figures on labelled prompt sets: unsafe recall, false positives, latency, brand-rule matching.

    python tests/benchmarks/prompt_sets_bench.py --out bench/results/prompt_sets.json
    python tests/benchmarks/prompt_sets_bench.py --tiny             # a few items: CI runs this so it cannot rot
    python tests/benchmarks/prompt_sets_bench.py --calibrate-brand  # re-choose the semantic brand threshold

Sets (each line ``{"text", "label": "unsafe"|"safe", "category", "source"}``) are read from
``<data-root>/tests/fixtures/prompts/<name>.jsonl``: held-out and second public sets, never trained or
tuned on. Every prompt goes through the default gate (word lists + classifier) with no brand, and through
the word lists alone for comparison. Recall counts blocks (and, apart, blocks or review flags); false
positives count blocks (review flags apart). Latency is warm and honest: the gate, MiniLM and the weights
are loaded before timing, and the classifier's prompt cache is emptied before each set, so every timed
prompt is embedded.

Brand pairs (``data/safety/classifier/brand_pairs.jsonl``, ``{"rule", "phrase", "match"}``): one
``"dont"`` imagery rule per pair, subjects read from the rule text, a match when a reason is
``brand:imagery``. The semantic threshold was chosen on a seeded half of the rules (``--calibrate-brand``:
best F1 there, with no match on the sample brand's planner prompts and at most 5% of the training set's
marketing prompts matching the sample brand's rules); precision and recall are reported on both halves.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pipeline.gate.prompt import PromptGate, rule_subjects  # noqa: E402
from pipeline.models import BrandProfile, BrandRule  # noqa: E402

SETS = ["heldout_own", "second_public_unsafe", "second_public_benign"]
MAX_MISSES = 60
MAX_PAIR_ERRORS = 40
# a label category and the safety rule that covers it ("agrees" when the block names this rule)
RULE_FOR = {"violence": "safety:gore"}
BRAND_SPLIT_SEED = 0
TARGETS = {"recall": 0.90, "fp_benign": 0.005, "fp_tricky": 0.01, "p50_ms": 5.0}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def run_set(name: str, items: list[dict[str, Any]], gate: PromptGate, lists: PromptGate) -> dict[str, Any]:
    rows = []
    times = []
    if gate.classifier is not None:
        gate.classifier.clear_cache()
    for item in items:
        t0 = time.perf_counter()
        verdict = gate.check(item["text"])
        times.append((time.perf_counter() - t0) * 1000)
        reasons = [{"rule": r.rule, "matched": r.matched} for r in verdict.reasons]
        reading = verdict.classifier
        rows.append(
            {
                "text": item["text"],
                "label": item["label"],
                "category": item.get("category") or item["label"],
                "blocked": not verdict.allowed,
                "flagged": verdict.review,
                "lists_blocked": not lists.check(item["text"]).allowed,
                "safety_blocked": any(r["rule"].startswith("safety:") for r in reasons),
                "classifier_blocked": any(r["rule"] == "safety:classifier" for r in reasons),
                "score": reading.score if reading else None,
                "stage": reading.stage if reading else None,
                "nearest": reading.category if reading else None,
                "classifier_status": reading.status if reading else "none",
                "reasons": reasons,
            }
        )
    warm = times[1:] if len(times) > 1 else times  # first call of the set excluded
    batched = None
    if gate.classifier is not None:  # the same prompts read in one batch (what a planner could do)
        gate.classifier.clear_cache()
        t0 = time.perf_counter()
        gate.classifier.read_many([item["text"] for item in items])
        batched = round((time.perf_counter() - t0) * 1000 / max(1, len(items)), 4)
        gate.classifier.clear_cache()

    unsafe = [r for r in rows if r["label"] == "unsafe"]
    safe = [r for r in rows if r["label"] == "safe"]

    def recall_block(group: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(group)
        return {
            "n": n,
            "blocked": sum(r["blocked"] for r in group),
            "recall": rate(sum(r["blocked"] for r in group), n),
            "recall_with_review": rate(sum(r["blocked"] or r["flagged"] for r in group), n),
            "recall_safety": rate(sum(r["safety_blocked"] for r in group), n),
            "recall_lists_only": rate(sum(r["lists_blocked"] for r in group), n),
            "blocked_by_classifier_only": sum(r["classifier_blocked"] for r in group),
        }

    def fp_block(group: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(group)
        return {
            "n": n,
            "false_positives": sum(r["blocked"] for r in group),
            "fp_rate": rate(sum(r["blocked"] for r in group), n),
            "flagged_for_review": sum(r["flagged"] for r in group),
            "review_rate": rate(sum(r["flagged"] for r in group), n),
            "fp_rate_lists_only": rate(sum(r["lists_blocked"] for r in group), n),
        }

    by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_cat[r["category"]].append(r)

    recall = None
    if unsafe:
        recall = {"overall": recall_block(unsafe)}
        for cat in sorted(c for c, g in by_cat.items() if g[0]["label"] == "unsafe"):
            block = recall_block(by_cat[cat])
            want = RULE_FOR.get(cat, f"safety:{cat}")
            block["blocked_by_own_category_rule"] = sum(
                any(x["rule"] == want for x in r["reasons"]) or (r["classifier_blocked"] and r["nearest"] == cat)
                for r in by_cat[cat]
            )
            recall[cat] = block
    fp = None
    if safe:
        fp = {"overall": fp_block(safe)}
        for cat in sorted(c for c, g in by_cat.items() if g[0]["label"] == "safe"):
            fp[cat] = fp_block(by_cat[cat])

    rules_fired = Counter(x["rule"] for r in rows for x in r["reasons"])
    misses = [
        {"text": r["text"], "category": r["category"], "score": r["score"], "flagged": r["flagged"]}
        for r in unsafe
        if not r["blocked"]
    ]
    false_positives = [
        {"text": r["text"], "category": r["category"], "reasons": r["reasons"], "score": r["score"]}
        for r in safe
        if r["blocked"]
    ]
    return {
        "set": name,
        "n": len(rows),
        "n_unsafe": len(unsafe),
        "n_safe": len(safe),
        "classifier": dict(Counter(r["classifier_status"] for r in rows)),
        "recall": recall,
        "false_positive": fp,
        "latency_ms": {
            "n_timed": len(warm),
            "p50": round(statistics.median(warm), 4) if warm else None,
            "p95": round(percentile(warm, 0.95), 4),
            "max": round(max(warm), 4) if warm else None,
            "classifier_batched_per_prompt": batched,
            "quick_stage_share": rate(sum(r["stage"] == "quick" for r in rows), len(rows)),
        },
        "rules_fired": dict(rules_fired.most_common()),
        "misses_total": len(misses),
        "misses": misses[:MAX_MISSES],
        "false_positives": false_positives,
    }


def brand_halves(pairs: list[dict[str, Any]], seed: int = BRAND_SPLIT_SEED) -> tuple[set[str], set[str]]:
    """The rules split in two, seeded: the threshold is chosen on the first half, reported on the second."""
    rules = sorted({p["rule"] for p in pairs})
    random.Random(seed).shuffle(rules)
    return set(rules[: len(rules) // 2]), set(rules[len(rules) // 2 :])


def _scores(counts: Counter[str]) -> dict[str, float]:
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def run_pairs(pairs: list[dict[str, Any]], gate: PromptGate) -> dict[str, Any]:
    calibration, _ = brand_halves(pairs)
    counts: dict[str, Counter[str]] = {"all": Counter(), "calibration_half": Counter(), "report_half": Counter()}
    fns, fps = [], []
    subjects_of: dict[str, list[str]] = {}
    times = []
    for pair in pairs:
        rule = BrandRule(text=pair["rule"], kind="imagery", polarity="dont", subjects=[])
        if pair["rule"] not in subjects_of:
            subjects_of[pair["rule"]] = rule_subjects(rule)
        profile = BrandProfile(name="PairsBench", imagery_rules=[rule])
        t0 = time.perf_counter()
        verdict = gate.check(pair["phrase"], brand=profile)
        times.append((time.perf_counter() - t0) * 1000)
        hits = [r for r in verdict.reasons if r.rule == "brand:imagery"]
        predicted, truth = bool(hits), bool(pair["match"])
        outcome = "tp" if predicted and truth else "fp" if predicted else "fn" if truth else "tn"
        half = "calibration_half" if pair["rule"] in calibration else "report_half"
        counts["all"][outcome] += 1
        counts[half][outcome] += 1
        row = {
            "rule": pair["rule"],
            "phrase": pair["phrase"],
            "subjects": subjects_of[pair["rule"]],
            "matched": [r.matched for r in hits],
        }
        if outcome == "fp":
            fps.append(row)
        elif outcome == "fn":
            fns.append(row)
    from pipeline.gate.semantic import ANCHOR_MARGIN, SIMILARITY

    return {
        "n": len(pairs),
        "rules": len(subjects_of),
        "threshold": SIMILARITY if gate.matcher is not None else None,
        "anchor_margin": ANCHOR_MARGIN if gate.matcher is not None else None,
        **{half: {**dict(c), **_scores(c)} for half, c in counts.items()},
        "rules_with_no_subjects": [r for r, s in subjects_of.items() if not s],
        "latency_ms_p50": round(statistics.median(times), 4) if times else None,
        "false_negatives_total": len(fns),
        "false_negatives": fns[:MAX_PAIR_ERRORS],
        "false_positives_total": len(fps),
        "false_positives": fps[:MAX_PAIR_ERRORS],
    }


def calibrate_brand(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Sweep the similarity threshold and the anchor margin on the calibration half of the rules; keep
    the best F1 that matches none of the sample brand's planner prompts and at most 5% of the training
    set's marketing prompts (against the sample brand's rules)."""
    import numpy as np

    from pipeline.cli.gate import planner_prompts, sample_profile
    from pipeline.gate.classifier import read_training_set
    from pipeline.gate.prompt import PromptGate, load_concepts
    from pipeline.gate.semantic import SemanticMatcher, lemma_match
    from pipeline.words import normalise

    lists = PromptGate.lists_only()
    matcher = SemanticMatcher()
    calibration, _ = brand_halves(pairs)
    concept_safe = load_concepts().safe

    def masked(text: str) -> str:
        text = normalise(text)
        return concept_safe.sub(lambda m: " " * len(m.group(0)), text) if concept_safe else text

    rows = []
    for pair in pairs:
        rule = BrandRule(text=pair["rule"], kind="imagery", polarity="dont", subjects=[])
        profile = BrandProfile(name="PairsBench", imagery_rules=[rule])
        subjects = rule_subjects(rule)
        text = masked(pair["phrase"])
        worded = not lists.check(pair["phrase"], brand=profile).allowed or any(lemma_match(text, s) for s in subjects)
        nears = [(n.similarity, n.generic) for n in matcher.scores(text, subjects)]
        rows.append((pair["rule"], bool(pair["match"]), worded, nears))
    profile = sample_profile()
    subjects = [s for r in profile.imagery_rules for s in rule_subjects(r)]
    planner = [[(n.similarity, n.generic) for n in matcher.scores(masked(p), subjects)] for p in planner_prompts()]
    marketing_texts = [i.text for i in read_training_set() if i.category == "safe_marketing"]
    marketing = [[(n.similarity, n.generic) for n in matcher.scores(masked(p), subjects)] for p in marketing_texts]

    def hit(nears: list[tuple[float, float]], t: float, m: float) -> bool:
        return any(s >= t and s - g >= m for s, g in nears)

    grid = []
    for t in np.arange(0.40, 0.851, 0.025):
        for m in (0.0, 0.025, 0.05, 0.075, 0.1, 0.15):
            halves: dict[str, Counter[str]] = {"calibration_half": Counter(), "report_half": Counter()}
            for rule, truth, worded, nears in rows:
                predicted = worded or hit(nears, t, m)
                outcome = "tp" if predicted and truth else "fp" if predicted else "fn" if truth else "tn"
                halves["calibration_half" if rule in calibration else "report_half"][outcome] += 1
            grid.append(
                {
                    "threshold": round(float(t), 3),
                    "margin": m,
                    "planner_hits": sum(hit(n, t, m) for n in planner),
                    "marketing_hit_rate": round(sum(hit(n, t, m) for n in marketing) / max(1, len(marketing)), 4),
                    **{half: _scores(c) for half, c in halves.items()},
                }
            )
    allowed = [g for g in grid if g["planner_hits"] == 0 and g["marketing_hit_rate"] <= 0.05]
    chosen = max(allowed, key=lambda g: (g["calibration_half"]["f1"], g["threshold"]), default=None)
    return {"chosen": chosen, "grid": grid}


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def print_tables(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="Prompt gate on labelled sets (no brand): word lists + classifier")
    for col in ("set", "category", "n", "recall", "+review", "lists only", "FP rate", "review", "FP lists only"):
        table.add_column(col, justify="left" if col in ("set", "category") else "right")
    for res in result["sets"].values():
        for cat, block in (res["recall"] or {}).items():
            table.add_row(
                res["set"],
                cat,
                str(block["n"]),
                pct(block["recall"]),
                pct(block["recall_with_review"]),
                pct(block["recall_lists_only"]),
                "",
                "",
                "",
            )
        for cat, block in (res["false_positive"] or {}).items():
            table.add_row(
                res["set"],
                cat,
                str(block["n"]),
                "",
                "",
                "",
                pct(block["fp_rate"]),
                pct(block["review_rate"]),
                pct(block["fp_rate_lists_only"]),
            )
        table.add_section()
    console.print(table)

    lat = Table(title=f"Latency per prompt, warm, embedding included (ms; {result['torch_threads']} torch threads)")
    for col in ("set", "n", "p50", "p95", "max", "batched", "quick only"):
        lat.add_column(col, justify="right")
    for res in result["sets"].values():
        ms = res["latency_ms"]
        lat.add_row(
            res["set"],
            str(ms["n_timed"]),
            f"{ms['p50']:.3f}",
            f"{ms['p95']:.3f}",
            f"{ms['max']:.3f}",
            f"{ms['classifier_batched_per_prompt']}",
            pct(ms["quick_stage_share"]),
        )
    console.print(lat)

    for res in result["sets"].values():
        if res["false_positives"]:
            fpt = Table(title=f"False positives: {res['set']} ({len(res['false_positives'])})")
            for col in ("category", "rule", "matched", "score", "text"):
                fpt.add_column(col)
            for r in res["false_positives"]:
                fpt.add_row(
                    r["category"],
                    "; ".join(x["rule"] for x in r["reasons"]),
                    "; ".join(x["matched"] for x in r["reasons"]),
                    f"{r['score']:.2f}" if r["score"] is not None else "",
                    r["text"][:90],
                )
            console.print(fpt)
        if res["misses"]:
            mt = Table(title=f"Unsafe misses: {res['set']} ({res['misses_total']}, first {len(res['misses'])})")
            for col in ("category", "score", "review", "text"):
                mt.add_column(col)
            for r in res["misses"]:
                score = f"{r['score']:.2f}" if r["score"] is not None else ""
                mt.add_row(r["category"], score, "yes" if r["flagged"] else "", r["text"][:100])
            console.print(mt)

    pairs = result.get("brand_pairs")
    if pairs:
        bt = Table(title=f"Brand imagery rules on brand_pairs.jsonl (threshold {pairs['threshold']})")
        for col in ("pairs", "tp", "fp", "fn", "tn", "precision", "recall", "F1"):
            bt.add_column(col, justify="right")
        for half in ("calibration_half", "report_half", "all"):
            c = pairs[half]
            bt.add_row(
                half,
                *(str(c.get(k, 0)) for k in ("tp", "fp", "fn", "tn")),
                pct(c["precision"]),
                pct(c["recall"]),
                pct(c["f1"]),
            )
        console.print(bt)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=REPO, help="checkout that holds the prompt sets")
    parser.add_argument("--sets", nargs="*", default=SETS)
    parser.add_argument("--no-pairs", action="store_true")
    parser.add_argument("--calibrate-brand", action="store_true", help="sweep the semantic brand threshold")
    parser.add_argument("--tiny", action="store_true", help="20 items of each set and 20 pairs")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--quiet", action="store_true", help="no tables")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own choice)")
    args = parser.parse_args(argv)
    import os

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    gate, lists = PromptGate.default(), PromptGate.lists_only()
    gate.check("a teal water bottle on wet sand at sunrise")  # load the lists, MiniLM and the weights first
    lists.check("a teal water bottle on wet sand at sunrise")
    result: dict[str, Any] = {
        "data_root": str(args.data_root),
        "targets": TARGETS,
        "torch_threads": torch.get_num_threads(),
        "load_average": list(os.getloadavg()),
        "cpus": os.cpu_count(),
        "sets": {},
    }
    for name in args.sets:
        items = read_jsonl(args.data_root / "tests" / "fixtures" / "prompts" / f"{name}.jsonl")
        result["sets"][name] = run_set(name, items[:20] if args.tiny else items, gate, lists)
    pairs = read_jsonl(args.data_root / "data" / "safety" / "classifier" / "brand_pairs.jsonl")
    if not args.no_pairs:
        result["brand_pairs"] = run_pairs(pairs[:20] if args.tiny else pairs, gate)
        if not args.tiny:
            result["brand_pairs_words_only"] = {
                k: v for k, v in run_pairs(pairs, lists).items() if k in ("calibration_half", "report_half", "all")
            }
    if args.calibrate_brand:
        result["brand_calibration"] = calibrate_brand(pairs)
        print(json.dumps(result["brand_calibration"]["chosen"], indent=2))
    if not args.quiet:
        print_tables(result)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
