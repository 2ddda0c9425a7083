"""Processes the reliability tests start, kill and race: each writes one line per step on stdout.

    python -m tests.reliability.workers write URL COUNT        # add drafts, approve every other one
    python -m tests.reliability.workers decide URL REVIEWER DRAFT:ACTION:EXPECTED ...

``write`` prints ``ready``, then ``begin add ID`` / ``ack add ID`` around each committed write (and
the same for ``decide``), so a test that kills it with SIGKILL knows which writes were acknowledged
and which one was in flight. ``decide`` connects, prints ``ready`` and waits for a line on stdin (the
start signal, sent to every racer at once), then prints one JSON line per decision: won, conflict
or error.
"""

from __future__ import annotations

import json
import sys

from pipeline.models import Check, Decision, Draft, DraftPlan, EvalReport, Layout
from pipeline.review.store import DecisionConflict, ReviewStore
from tests.actors import reviewer as reviewer_actor

CAMPAIGN = "fault"


def draft_id(i: int) -> str:
    return f"{CAMPAIGN}-instagram_post-{i}"


def make_draft(i: int) -> Draft:
    plan = DraftPlan(
        id=draft_id(i),
        campaign=CAMPAIGN,
        brand="Tidewell",
        channel="instagram_post",
        width=128,
        height=128,
        prompt="a teal can on a pale green backdrop",
        seed=i,
        layout=Layout(aspect=1.0, boxes=[]),
    )
    return Draft(plan=plan, image_path=f"/x/{i}.png", model="bundled", steps=2, seconds=0.1, image_sha256="ab" * 32)


def in_review(i: int) -> EvalReport:
    return EvalReport(
        draft_id=draft_id(i), checks=[Check(name="palette", status="pass", reason="ok")], verdict="review"
    )


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()  # a pipe keeps what was written before a SIGKILL


def write(url: str, count: int) -> None:
    store = ReviewStore(url)
    _ = store.engine  # tables made before "ready": a kill after it lands in the write loop
    _say("ready")
    for i in range(count):
        _say(f"begin add {draft_id(i)}")
        store.add_draft(make_draft(i), in_review(i))
        _say(f"ack add {draft_id(i)}")
        if i % 2 == 0:
            _say(f"begin decide {draft_id(i)}")
            try:
                store.decide(
                    Decision(draft_id=draft_id(i), action="approve", reviewer="writer"), actor=reviewer_actor("writer")
                )
            except DecisionConflict:  # an earlier, killed life committed it but never said so
                _say(f"conflict decide {draft_id(i)}")
                continue
            _say(f"ack decide {draft_id(i)}")
    _say("done")


def decide(url: str, reviewer: str, orders: list[str]) -> None:
    store = ReviewStore(url)
    with store.engine.connect():
        pass  # a pooled connection is open before the start: the race is the decisions, not the connects
    _say("ready")
    sys.stdin.readline()
    for order in orders:
        target, action, expected = order.split(":")
        decision = Decision(draft_id=target, action=action, reviewer=reviewer)  # type: ignore[arg-type]
        try:
            record = store.decide(
                decision, int(expected) if expected else None, actor=reviewer_actor(decision.reviewer)
            )
            result = {"draft": target, "action": action, "result": "won", "status": record.status}
        except DecisionConflict as exc:
            result = {"draft": target, "action": action, "result": "conflict", "message": str(exc)}
        except Exception as exc:  # anything else is what the test is looking for
            result = {"draft": target, "action": action, "result": "error", "message": f"{type(exc).__name__}: {exc}"}
        _say(json.dumps(result))


if __name__ == "__main__":
    command, url, *rest = sys.argv[1:]
    if command == "write":
        write(url, int(rest[0]))
    elif command == "decide":
        decide(url, rest[0], rest[1:])
    else:
        raise SystemExit(f"unknown command {command}")
