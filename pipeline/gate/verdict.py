"""From checks to a verdict, under the brand's :class:`GatePolicy`."""

from __future__ import annotations

import re

from pipeline.models import BrandProfile, EvalReport, GatePolicy

SAFETY_CHECKS = ("nsfw", "faces")

# A rule against showing people makes any face fail; one against children does not (a face
# detector cannot tell an adult from a child), so those drafts get the release warning.
PEOPLE_SUBJECTS = re.compile(r"\b(people|persons?|humans?|faces?|models?|portraits?|men|women|man|woman)\b")


def people_policy(brand: BrandProfile | None) -> str:
    """Faces fail where an imagery rule says never to show people; otherwise they need a release."""
    if brand is not None:
        from pipeline.gate.prompt import rule_subjects

        for rule in brand.imagery_rules:
            if any(PEOPLE_SUBJECTS.search(s.lower()) for s in rule_subjects(rule)):
                return "forbidden"
    return "release_required"


def decide(report: EvalReport, policy: GatePolicy) -> EvalReport:
    """The verdict: a failed safety check (or a check listed in ``reject_on``) rejects; otherwise the
    draft goes to review, unless the brand switched on ``auto_approve`` and every check passed."""
    reasons: list[str] = []
    rejecting = set(SAFETY_CHECKS) | set(policy.reject_on)
    for check in report.checks:
        if check.status == "fail" and check.name in rejecting:
            reasons.append(f"{check.name}: {check.reason}")
    if reasons:
        return report.model_copy(update={"verdict": "reject", "reasons": reasons})
    for check in report.checks:
        if check.status == "fail":
            reasons.append(f"{check.name} failed: {check.reason}")
        elif check.status == "warn":
            reasons.append(f"{check.name}: {check.reason}")
        elif check.status == "skipped" and check.name in SAFETY_CHECKS:
            reasons.append(f"{check.name} could not run ({check.reason}); a person must look")
    clean = not reasons
    if policy.auto_approve and clean:
        return report.model_copy(
            update={"verdict": "approve", "reasons": ["every check passed; the brand auto-approves"]}
        )
    if clean:
        reasons = ["every check passed; waiting for a person's approval"]
    return report.model_copy(update={"verdict": "review", "reasons": reasons})
