"""A generated brand-guideline corpus of any size, for speed benchmarks (not for quality)."""

from __future__ import annotations

import random
from pathlib import Path

TOPICS = [
    "Logo",
    "Colour",
    "Typography",
    "Photography",
    "Layout",
    "Tone of voice",
    "Packaging",
    "Print",
    "Social media",
    "Email",
    "Accessibility",
    "Motion",
    "Illustration",
    "Iconography",
    "Events",
]
SUBTOPICS = [
    "Placement",
    "Minimum size",
    "Clear space",
    "Misuse",
    "Backgrounds",
    "Contrast",
    "Grids",
    "Margins",
    "Headlines",
    "Body copy",
    "Captions",
    "Do and don't",
    "Checklist",
    "Examples",
    "Exceptions",
]
NOUNS = [
    "logo",
    "headline",
    "product",
    "background",
    "photograph",
    "caption",
    "button",
    "label",
    "banner",
    "pack",
    "badge",
    "icon",
    "border",
    "gradient",
    "texture",
    "overlay",
    "grid",
    "margin",
]
VERBS = ["place", "keep", "use", "avoid", "scale", "align", "crop", "tint", "separate", "centre", "balance"]
ADJ = ["calm", "bright", "warm", "precise", "generous", "subtle", "bold", "quiet", "clean", "natural"]


def sentence(rng: random.Random) -> str:
    n = rng.choice(NOUNS)
    parts = [
        f"{rng.choice(VERBS).capitalize()} the {n} {rng.choice(['so it feels', 'to look', 'and keep it'])} "
        f"{rng.choice(ADJ)}"
    ]
    if rng.random() < 0.4:
        parts.append(f"at {rng.randint(2, 400)} {rng.choice(['px', 'mm', 'dpi', '%'])}")
    if rng.random() < 0.2:
        parts.append(f"in #{rng.randint(0, 0xFFFFFF):06X}")
    return " ".join(parts) + "."


def write_corpus(folder: Path, chunks: int = 2000, seed: int = 7) -> Path:
    """Markdown files with ``chunks`` short sections in all (one chunk per section)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    per_file = 50
    for f in range((chunks + per_file - 1) // per_file):
        lines = [f"# {rng.choice(TOPICS)} guide {f}", ""]
        for s in range(min(per_file, chunks - f * per_file)):
            lines += [f"## {rng.choice(SUBTOPICS)} {f}.{s}", "", " ".join(sentence(rng) for _ in range(3)), ""]
        (folder / f"guide-{f:03d}.md").write_text("\n".join(lines), encoding="utf-8")
    return folder
