"""Eval and safety gate speed: prompt-gate latency and image checks per second on 512x512 drafts.

    python tests/benchmarks/gate_bench.py --out bench/results/gate.json
    python tests/benchmarks/gate_bench.py --tiny      # a few images: CI runs this so it cannot rot

Models load once per process (before timing); images are drawn product shots and skimage's sample
photos, all at 512x512, each with a thirds layout, a prompt and the campaign's other drafts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from pipeline.campaign.layouts import make_layout  # noqa: E402
from pipeline.gate.image import ImageGate  # noqa: E402
from pipeline.gate.measure import fingerprint  # noqa: E402
from pipeline.gate.prompt import check_prompt  # noqa: E402
from pipeline.models import BrandColor, BrandProfile, BrandRule, BrandTerm  # noqa: E402

BRAND = BrandProfile(
    name="Tidewell",
    palette=[BrandColor(name=n, hex=h) for n, h in (("Teal", "#1F6F8B"), ("Sand", "#E8D8B0"), ("Coral", "#F26B5B"))],
    banned_terms=[BrandTerm(term="cheap"), BrandTerm(term="AquaPure", kind="competitor")],
    imagery_rules=[
        BrandRule(
            text="Never show alcohol or cigarettes", kind="imagery", polarity="dont", subjects=["alcohol", "cigarettes"]
        )
    ],
)


# colour words and a product box: colour_match measures the product and the background too
PROMPT = "a teal can on a white backdrop, soft light"


def drafts(count: int, seed: int = 0) -> list[tuple[Image.Image, object]]:
    import skimage.data

    rng = random.Random(seed)
    photos = [
        Image.open(Path(os.path.dirname(skimage.data.__file__)) / name).convert("RGB").resize((512, 512))
        for name in ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg")
    ]
    out = []
    for i in range(count):
        layout = make_layout(rng.choice(["thirds_left", "thirds_right", "centred_hero"]), 1.0)
        if i % 4 == 3:
            out.append((photos[(i // 4) % len(photos)], layout))
            continue
        bg = tuple(rng.randrange(256) for _ in range(3))
        img = Image.new("RGB", (512, 512), bg)
        draw = ImageDraw.Draw(img)
        box = next(b for b in layout.boxes if b.role == "product")
        fill = tuple(rng.randrange(256) for _ in range(3))
        draw.rounded_rectangle(
            [box.x0 * 512 + 20, box.y0 * 512 + 20, box.x1 * 512 - 20, box.y1 * 512 - 10], 20, fill=fill
        )
        if i % 5 == 0:
            draw.text((40, 30), "NEW FLAVOUR", fill=(255, 255, 255))
        out.append((img.filter(ImageFilter.GaussianBlur(0.6)), layout))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--images", type=int, default=48)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    count = 4 if args.tiny else args.images

    prompts = [
        "a teal water bottle on wet sand at sunrise, soft light, calm mood",
        "a shot of espresso on a marble counter, morning light",
        "a glass of red wine on a table",
        "lines of cocaine on a mirror",
        "cheap plastic bottle on a beach",
        "Taylor Swift holding our can",
        "two coral cans on a sand backdrop, thirds layout, minimal",
        "a family picnic with lemonade and sandwiches",
    ] * (3 if args.tiny else 50)
    check_prompt(prompts[0], BRAND)  # rules compiled once per process
    times = []
    for p in prompts:
        t0 = time.perf_counter()
        check_prompt(p, BRAND)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()

    images = drafts(count)
    gate = ImageGate(brand=BRAND)
    gate.evaluate(images[0][0], layout=images[0][1], prompt="warm-up")  # load the detectors before timing
    hashes = {f"d{i}": fingerprint(img) for i, (img, _) in enumerate(images[: count // 2])}

    def one(i: int) -> str:
        img, layout = images[i]
        others = {k: v for k, v in hashes.items() if k != f"d{i}"}
        return gate.evaluate(img, draft_id=f"d{i}", prompt=PROMPT, layout=layout, others=others).verdict

    started = time.perf_counter()
    sequential = [one(i) for i in range(count)]
    seq_s = time.perf_counter() - started
    started = time.perf_counter()
    with ThreadPoolExecutor(args.workers) as pool:
        threaded = list(pool.map(one, range(count)))
    par_s = time.perf_counter() - started
    result = {
        "tiny": args.tiny,
        "prompts": len(prompts),
        "prompt_gate_p50_ms": round(statistics.median(times), 3),
        "prompt_gate_p95_ms": round(times[int(0.95 * (len(times) - 1))], 3),
        "images": count,
        "image_size": "512x512",
        "images_per_s_sequential": round(count / seq_s, 2),
        f"images_per_s_{args.workers}_threads": round(count / par_s, 2),
        "same_verdicts": sequential == threaded,
        "verdicts": {v: sequential.count(v) for v in set(sequential)},
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
