"""The safety and brand gate: prompts before rendering, images after.

>>> check_prompt("a glass of red wine", brand=profile).allowed            # doctest: +SKIP
False
>>> ImageGate(brand=profile).evaluate(image, prompt="a teal can").verdict  # doctest: +SKIP
'review'
"""

from pipeline.gate.checks import CHECKS, CheckContext, register_check
from pipeline.gate.detectors import Detectors
from pipeline.gate.drafts import evaluate_drafts
from pipeline.gate.image import CHECK_NAMES, ImageGate
from pipeline.gate.measure import load_image
from pipeline.gate.prompt import PromptGate, check_prompt
from pipeline.gate.verdict import SAFETY_CHECKS, decide

__all__ = [
    "CHECKS",
    "CHECK_NAMES",
    "SAFETY_CHECKS",
    "CheckContext",
    "Detectors",
    "ImageGate",
    "PromptGate",
    "check_prompt",
    "decide",
    "evaluate_drafts",
    "load_image",
    "register_check",
]
