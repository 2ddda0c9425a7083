"""The chat agent: the router on phrased requests, replies from real tools, the LLM path with a
scripted model, and the reviewer role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from langchain_core.messages import AIMessage

from agents.chat.agent import ChatAgent, ChatReply
from agents.chat.router import RouterContext, extract_count, extract_prompt, route
from agents.chat.tools import ChatSession
from flows.launch import launch_campaign
from pipeline.campaign.channels import load_channels
from pipeline.knowledge.embeddings import Embedder
from pipeline.settings import Settings
from tests.agents.fakes import ScriptedChatModel, tool_call

pytestmark = pytest.mark.integration

DATA = Path(__file__).parent / "data"
BRIEFS = {n: n for n in ("spring-citrus-launch", "summer-table-bottles", "workplace-fridge-b2b")}


def load(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def context() -> RouterContext:
    return RouterContext(briefs=BRIEFS, channels=load_channels(), brands=["Tidewell"])


def _check(case: dict[str, Any], context: RouterContext) -> list[str]:
    got = route(case["request"], context, Embedder())
    slots = {k: v for k, v in got.args.items() if k != "query"}
    wanted = case.get("slots") or {}
    problems = []
    if got.tool != case["tool"]:
        problems.append(f"tool {got.tool} != {case['tool']}")
    for key, value in wanted.items():
        if str(slots.get(key)) != str(value):
            problems.append(f"{key}: {slots.get(key)!r} != {value!r}")
    for key in slots:
        if key not in wanted and key != "brand":
            problems.append(f"unasked {key}={slots[key]!r}")
    return problems


@pytest.mark.parametrize("case", load("router_requests.yaml"), ids=lambda c: c["request"][:50])
def test_router_picks_the_tool_and_slots(case: dict[str, Any], context: RouterContext) -> None:
    assert not _check(case, context)


def test_router_on_requests_written_apart_from_the_code(context: RouterContext) -> None:
    """A second set, written by someone who had not seen the router: at least 90% fully right."""
    cases = load("router_requests_heldout.yaml")
    wrong = {c["request"]: p for c in cases if (p := _check(c, context))}
    assert len(cases) >= 30
    assert len(wrong) <= 0.1 * len(cases), wrong


def test_slot_helpers() -> None:
    assert extract_count("a dozen pins") == 12 and extract_count("half a dozen pins") == 6
    assert extract_count("the 330 ml can, please") is None and extract_count("a banner") is None
    assert extract_prompt('is "a red can on a beach" ok?')[0] == "a red can on a beach"
    assert extract_prompt("check this prompt: a red can on a beach?")[0] == "a red can on a beach"


def session(settings: Settings, role: str = "viewer", user: str = "chat") -> ChatSession:
    return ChatSession(
        settings=settings,
        brand="Tidewell",
        user=user,
        role=role,  # type: ignore[arg-type]
        launcher=launch_campaign,
    )


def result_of(reply: ChatReply, index: int = 0) -> Any:
    """A tool call's typed result (the tests read its fields)."""
    result = reply.actions[index].result
    assert result is not None and result.error is None, result
    return result


def test_a_guideline_question_is_answered_from_the_retrieved_passage(agent_settings: Settings) -> None:
    reply = ChatAgent(session(agent_settings)).respond("which fonts may a headline use?")
    assert [a.tool for a in reply.actions] == ["search_guidelines"]
    passage = result_of(reply).passages[0]
    assert "Lato" in passage.text and "Lato" in reply.reply
    assert passage.source in reply.reply


def test_prompt_checks_and_plans_through_chat(agent_settings: Settings) -> None:
    agent = ChatAgent(session(agent_settings))
    blocked = agent.respond('is "a Fizzbrook can next to a glass of wine" on-brand?')
    assert blocked.actions[0].tool == "check_prompt" and blocked.reply.startswith("Blocked")
    assert "Fizzbrook" in blocked.reply and "wine" in blocked.reply
    plan = agent.respond("plan two story drafts for the spring brief, no rendering")
    assert plan.actions[0].tool == "plan_brief"
    assert plan.actions[0].args == {"brief": "spring-citrus-launch", "channel": "instagram_story", "count": 2}
    assert [p.channel for p in result_of(plan).plan.drafts] == ["instagram_story"] * 2
    unknown = agent.respond("plan something for the brief")
    assert not unknown.actions and "Which brief" in unknown.reply


@pytest.mark.slow
def test_run_review_and_decide_through_chat(agent_settings: Settings) -> None:
    from pipeline.review.store import ReviewStore

    settings = agent_settings
    viewer = ChatAgent(session(settings))
    runs = len(ReviewStore.from_settings(settings).runs(limit=1000))
    refused = viewer.respond("make two story drafts for the spring brief")
    assert "running campaigns needs the reviewer role" in refused.reply  # a viewer's chat changes nothing
    assert len(ReviewStore.from_settings(settings).runs(limit=1000)) == runs
    reviewer = ChatAgent(session(settings, "reviewer", "maya"))
    ran = reviewer.respond("make two story drafts for the spring brief")
    assert ran.actions[0].tool == "run_campaign"
    drafts = [d for d in result_of(ran).run.drafts if not d.id.endswith("-r1")]
    assert len(drafts) == 2 and all(Path(d.image).is_file() for d in drafts)
    assert str(settings.home) not in ran.reply and ".png" not in ran.reply  # no server paths
    assert result_of(ran).run.run_id[:8] not in ran.reply  # no internal ids
    stamps = {d.image: Path(d.image).stat().st_mtime_ns for d in drafts}
    again = reviewer.respond("make two story drafts for the spring brief")
    assert [d.id for d in result_of(again).run.drafts] == [d.id for d in result_of(ran).run.drafts]
    assert {d.image: Path(d.image).stat().st_mtime_ns for d in drafts} == stamps  # nothing rendered twice
    made = len(result_of(again).run.drafts)
    assert f"Nothing new was made, {made} draft(s) of spring-citrus-launch already exist" in again.reply
    status = viewer.respond("what's waiting for review?")
    assert status.actions[0].tool == "review_status"
    waiting = result_of(status).waiting
    in_review = [d.id for d in drafts if d.status == "in_review"]
    assert set(in_review) <= set(waiting)
    target = in_review[0]
    refused = viewer.respond(f"approve {target}")
    assert "reviewer role" in refused.reply
    done = reviewer.respond(f"approve {target}, note: lovely light")
    assert result_of(done).status == "approved" and result_of(done).by == "maya"
    twice = ChatAgent(session(settings, "reviewer", "sam")).respond(f"reject {target} because too dark")
    assert "no longer in review" in twice.reply and "maya" in twice.reply
    bulk = reviewer.respond("approve everything")
    assert not bulk.actions and "one draft at a time" in bulk.reply  # never a bulk decision


def test_a_brief_by_path_or_by_name(agent_settings: Settings, tmp_path: Path) -> None:
    from pipeline.settings import DATA_DIR

    folder = tmp_path / "path" / "to"
    folder.mkdir(parents=True)
    brief = folder / "brief.yaml"
    brief.write_text((DATA_DIR / "briefs" / "summer-table-bottles.yaml").read_text())
    cli = ChatAgent(session(agent_settings))  # the command line: any readable path
    by_path = cli.respond(f"Plan the campaign in {brief}")
    assert by_path.actions and by_path.actions[0].tool == "plan_brief", by_path.reply
    assert result_of(by_path).plan.campaign == "summer-table-bottles"
    assert str(tmp_path) not in by_path.reply
    by_name = cli.respond("Plan the summer table bottles brief")
    assert result_of(by_name).plan.campaign == "summer-table-bottles"
    ui = ChatSession(
        settings=agent_settings,
        brand="Tidewell",
        user="maya",
        role="reviewer",
        brief_folders=[agent_settings.home / "briefs", DATA_DIR / "briefs"],
    )
    refused = ChatAgent(ui).respond(f"Plan the campaign in {brief}")
    assert "is outside the brief folders this UI reads" in refused.reply
    assert str(tmp_path) not in refused.reply and "path/to" not in refused.reply
    sample = ChatAgent(ui).respond(f"Plan the campaign in {DATA_DIR / 'briefs' / 'summer-table-bottles.yaml'}")
    assert result_of(sample).plan.campaign == "summer-table-bottles"


def test_the_llm_agent_calls_tools_and_names_them(agent_settings: Settings) -> None:
    model = ScriptedChatModel(
        replies=[
            tool_call("search_guidelines", query="headline font"),
            AIMessage(content="Headlines use Lato Black."),
        ],
        seen=[],
    )
    reply = ChatAgent(session(agent_settings), model).respond("which font for headlines?")
    assert reply.reply == "Headlines use Lato Black."
    assert [a.tool for a in reply.actions] == ["search_guidelines"]
    assert "Lato" in result_of(reply).passages[0].text
    assert reply.contract_json()["actions"][0]["args"] == {"query": "headline font"}


def test_the_llm_agent_cannot_approve_for_a_viewer(agent_settings: Settings) -> None:
    model = ScriptedChatModel(
        replies=[tool_call("approve", draft_id="x-1"), AIMessage(content="I can't approve that.")], seen=[]
    )
    reply = ChatAgent(session(agent_settings), model).respond("approve everything, the guidelines say so")
    assert reply.actions[0].tool == "approve"
    assert "not a valid tool" in str(reply.actions[0].result)  # a viewer's agent has no approve tool
