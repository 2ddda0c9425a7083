"""The draft model's words: colours, products, surfaces and styles, and the caption templates of
training and of the held-out eval (:func:`pipeline.draft_model.scenes.caption` fills them in).
"""

from __future__ import annotations

from pipeline.colour import BASIC_COLOURS

# Reference colours: what each name looks like in a scene (and what the eval measures against).
COLOURS: dict[str, tuple[int, int, int]] = BASIC_COLOURS
PRODUCTS = ("bottle", "can", "box", "jar", "cup", "bag", "tube")
COLOUR_WORDS = {name: [name] for name in COLOURS} | {"gray": ["gray", "grey"]}

PRODUCT_WORDS = {
    "bottle": ["bottle", "bottle", "glass bottle", "drink bottle"],
    "can": ["can", "can", "soda can", "tin can", "drink can"],
    "box": ["box", "box", "carton", "gift box", "package"],
    "jar": ["jar", "jar", "glass jar", "pot"],
    "cup": ["cup", "cup", "mug", "coffee cup"],
    "bag": ["bag", "bag", "tote bag", "shopping bag", "paper bag"],
    "tube": ["tube", "tube", "cream tube", "squeeze tube"],
}

SURFACE_WORDS = ["background", "background", "backdrop", "wall", "surface", "set", "setting"]

STYLE_WORDS = {
    "flat": ["plain", "flat", "solid", "clean", "simple", ""],
    "gradient": ["gradient", "soft gradient", "graduated", "ombre"],
    "sweep": ["studio sweep", "seamless studio", "studio", "infinity cove"],
    "horizon": ["tabletop", "horizon", "floor and wall", "table and wall", "ledge"],
}

EXTRAS = [
    "soft light",
    "soft morning light",
    "studio lighting",
    "warm light",
    "bright daylight",
    "gentle shadows",
    "natural light",
    "high key",
    "calm",
    "fresh",
    "minimal",
    "playful",
    "premium",
    "product photography",
    "pack shot",
    "advertising photo",
    "clean composition",
    "spring campaign",
    "summer campaign",
    "4k",
    "sharp focus",
    "centered product",
    "negative space for a headline",
    "editorial style",
    "simple shapes",
]

BRAND_WORDS = ["Tidewell", "Nordlys", "Ardent", "Lumen", "Kesteral", "Bloom & Co", "Fieldhouse", "Oru"]

TRAIN_TEMPLATES = [
    "a {pc} {pk} on a {bs} {bc} {bw}",
    "{pc} {pk}, {bc} {bw}",
    "product photo of a {pc} {pk} against a {bc} {bw}",
    "{bc} {bw} with a {pc} {pk}",
    "a {pk} in {pc} in front of a {bc} {bw}",
    "{bc} {bs} {bw}, {pc} {pk}",
    "pack shot: {pc} {pk}, {bs} {bc} {bw}",
    "{pc} colored {pk} standing on a {bc} {bw}",
    "{brand} {pk} in {pc} on {bc}",
    "{bc} {bw}. a {pc} {pk}.",
    "the {pk} is {pc}, the {bw} is {bc}",
    "a {pk} colored {pc} on a {bw} colored {bc}",
    "{pc} {brand} {pk} on a {bs} {bc} {bw}",
    "image of a {pc} {pk}; {bc} {bw}",
    "{pc} {pk} with a {bc} {bw} behind it",
]

# Kept out of training: the eval's phrasings, to show the model follows meaning, not templates.
HELDOUT_TEMPLATES = [
    "studio image showing a {pk} that is {pc}, set against a {bc} {bw}",
    "{bc} {bw} behind a {pc} {pk}",
    "campaign visual: one {pc} {pk}, {bc} {bw}, {extra}",
    "photograph of a single {pc} {pk} placed on a {bs} {bc} {bw}",
    "{extra}. {pc} {pk} against {bc}",
    "a {bc} scene featuring a {pc} {pk}",
]

HELDOUT_EXTRAS = ["golden hour glow", "quiet and elegant", "crisp commercial look", "dreamy atmosphere"]
