"""The eval gate on images: every draft is measured, and every verdict explained.

    >>> gate = ImageGate(brand=profile)                 # cheap: detectors load on first use
    >>> report = gate.evaluate(image, draft_id="d1", prompt="a teal can", layout=layout)
    >>> report.verdict, [(c.name, c.status) for c in report.checks]
    ('review', [('nsfw', 'pass'), ('faces', 'pass'), ('text_artifacts', 'pass'), ...])

The checks are functions in a registry (:mod:`pipeline.gate.checks`). A check that crashes on an
image marks itself ``skipped`` with the error, and a skipped safety check keeps the draft in human
review: the gate never approves what it could not look at. The verdict comes from the brand's
:class:`GatePolicy` (:mod:`pipeline.gate.verdict`).

Detectors (NudeNet, OpenCV's face cascade, RapidOCR, CLIP) load once per process and are shared.
"""

from __future__ import annotations

from collections.abc import Iterable

from PIL import Image

from pipeline.gate.checks import CHECKS, CheckContext
from pipeline.gate.detectors import Detectors
from pipeline.gate.measure import Measured
from pipeline.gate.verdict import decide, people_policy
from pipeline.models import BrandProfile, Check, EvalReport, GatePolicy, Layout

CHECK_NAMES = (
    "nsfw",
    "faces",
    "text_artifacts",
    "palette",
    "colour_match",
    "layout",
    "negative_space",
    "sharpness",
    "exposure",
    "duplicate",
    "prompt_alignment",
)


class ImageGate:
    """Runs the checks on drafts and turns them into a verdict with the brand's :class:`GatePolicy`.

    ``checks`` names the checks to run (default: the built-ins, in their order; a registered
    extension runs when named here)."""

    def __init__(
        self,
        brand: BrandProfile | None = None,
        policy: GatePolicy | None = None,
        detectors: Detectors | None = None,
        checks: Iterable[str] = CHECK_NAMES,
    ) -> None:
        self.brand = brand
        self.policy = policy or (brand.gate if brand is not None else GatePolicy())
        self.detectors = detectors or Detectors()
        wanted = list(dict.fromkeys(checks))
        self.checks = [c for c in CHECK_NAMES if c in wanted] + [c for c in wanted if c not in CHECK_NAMES]
        self.people = self.policy.people or people_policy(brand)

    def evaluate(
        self,
        image: Image.Image,
        draft_id: str = "draft",
        prompt: str | None = None,
        layout: Layout | None = None,
        others: dict[str, str] | None = None,
    ) -> EvalReport:
        """Every check on one image; ``others`` maps the campaign's other drafts to their
        fingerprint (the duplicate check's ``data["fingerprint"]``)."""
        m = Measured.of(image, layout, prompt)
        context = CheckContext(self.brand, self.policy, self.detectors, self.people, dict(others or {}))
        results = []
        for name in self.checks:
            try:
                check = CHECKS[name](m, context)
            except Exception as exc:
                check = Check(name=name, status="skipped", reason=f"check crashed: {type(exc).__name__}: {exc}"[:300])
            results.append(check)
        return decide(EvalReport(draft_id=draft_id, checks=results), self.policy)
