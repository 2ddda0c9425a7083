"""One permission model, checked where state changes: every state-changing action, run as a viewer, a
reviewer and an admin, against a real workspace (review store, brand store, users file, renders).
An action the role may not do raises PermissionDenied and changes nothing; one it may do happens.

The same functions serve the UI, the chat and the command line, so this is the whole of who may do
what; the chat's tools are run here too (they go through the same functions)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from pipeline.errors import PermissionDenied
from pipeline.models import NEEDS, ROLES, Actor, Decision, Permission
from pipeline.review.store import ReviewStore
from pipeline.settings import DATA_DIR, Settings
from tests.pipeline.review.test_store import draft, verdict

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BRIEF = DATA_DIR / "briefs" / "summer-table-bottles.yaml"


@pytest.fixture(scope="module")
def workspace(agent_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the profiled sample workspace, with its own review store."""
    home = tmp_path_factory.mktemp("permissions") / "ws"
    shutil.copytree(agent_settings.home, home, ignore=shutil.ignore_patterns("drafts", "*.db*", "exports"))
    return Settings(home=home, database_url=None)


_counter = iter(range(1, 10_000))


def _fresh_draft(settings: Settings, status: str = "in_review") -> str:
    """A draft of its own for one action (stored in review, or decided already)."""
    from PIL import Image

    store = ReviewStore.from_settings(settings)
    n = next(_counter)
    stored = draft(n, campaign="perm")
    image = settings.home / "perm" / f"{n}.png"
    image.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (128, 128), (230, 244, 241)).save(image)
    stored = stored.model_copy(update={"image_path": str(image)})
    store.add_draft(stored, verdict(stored.plan.id, "review"))
    if status == "approved":
        store.decide(
            Decision(draft_id=stored.plan.id, action="approve", reviewer="setup"),
            actor=Actor(name="setup", role="admin"),
        )
    return stored.plan.id


Act = tuple[Callable[[], object], Callable[[], bool]]  # do it; did it happen?


def decide(actor: Actor, s: Settings, tmp: Path) -> Act:
    draft_id = _fresh_draft(s)
    store = ReviewStore.from_settings(s)
    return (
        lambda: store.decide(Decision(draft_id=draft_id, action="approve", reviewer=actor.name), actor=actor),
        lambda: store.get(draft_id).status == "approved",
    )


def reopen(actor: Actor, s: Settings, tmp: Path) -> Act:
    draft_id = _fresh_draft(s, "approved")
    store = ReviewStore.from_settings(s)
    return lambda: store.reopen(draft_id, actor=actor), lambda: store.get(draft_id).status == "in_review"


def _runs_by(s: Settings, name: str) -> bool:
    return any(r.requested_by == name for r in ReviewStore.from_settings(s).runs(limit=1000))


def run_campaign(actor: Actor, s: Settings, tmp: Path) -> Act:
    from flows.launch import launch_campaign
    from pipeline.models import CampaignRequest

    request = CampaignRequest(brief=str(BRIEF), count=1, channels=["instagram_post"], max_replans=0, run_in="here")
    return lambda: launch_campaign(request, s, actor), lambda: _runs_by(s, actor.name)


def request_changes(actor: Actor, s: Settings, tmp: Path) -> Act:
    from flows.launch import launch_campaign, revise_draft
    from flows.launch import request_changes as ask
    from pipeline.models import CampaignRequest

    store = ReviewStore.from_settings(s)
    waiting = store.list_drafts(campaign="summer-table-bottles", status="in_review")
    if not waiting:
        setup = Actor(name="setup", role="admin")
        request = CampaignRequest(brief=str(BRIEF), count=3, channels=["instagram_post"], max_replans=0, run_in="here")
        launch_campaign(request, s, setup)
        waiting = store.list_drafts(campaign="summer-table-bottles", status="in_review")
    target = waiting[0].id

    def do() -> object:
        return revise_draft(ask(target, "Sea Foam backdrop", s, actor), s, actor)

    return do, lambda: any(d.parent_id == target for d in store.list_drafts(campaign="summer-table-bottles"))


def export(actor: Actor, s: Settings, tmp: Path) -> Act:
    from pipeline.export.campaign import export_campaign

    _fresh_draft(s, "approved")
    out = tmp / "export"
    return (
        lambda: export_campaign("perm", out, s, actor=actor, without_logo=True),
        lambda: (out / "perm" / "manifest.json").is_file(),
    )


def set_brand(actor: Actor, s: Settings, tmp: Path) -> Act:
    from pipeline.brand.store import ProfileStore

    store = ProfileStore(s)
    store.override_path("Tidewell").unlink(missing_ok=True)
    override = tmp / "override.yaml"
    override.write_text(yaml.safe_dump({"colour_use": {"text": "#12304A"}}))
    return lambda: store.set_override("Tidewell", override, actor), lambda: store.override_path("Tidewell").is_file()


def ingest(actor: Actor, s: Settings, tmp: Path) -> Act:
    from pipeline.brand.ingest import ingest_brand
    from pipeline.brand.store import ProfileStore

    folder = tmp / "guides"
    folder.mkdir()
    (folder / "acme.md").write_text("# Acme\n\n## Colour\n\n| name | hex |\n|---|---|\n| Acme Red | #D7263D |\n")
    brand = f"Acme {actor.role}"
    return (
        lambda: ingest_brand([folder], brand, s, actor=actor),
        lambda: brand in ProfileStore(s).known_brands(),
    )


def upload_guidelines(actor: Actor, s: Settings, tmp: Path) -> Act:
    from ui.uploads import guideline_folder, save_guidelines

    brand = f"Up {actor.role}"
    return (
        lambda: save_guidelines(s.home, brand, [("guide.md", b"# Guide\n")], 1, actor),
        lambda: guideline_folder(s.home, brand).exists(),
    )


def upload_brief(actor: Actor, s: Settings, tmp: Path) -> Act:
    from ui.uploads import brief_target, read_brief, save_brief

    fields = {"campaign": f"up-{actor.role}", "brand": "Tidewell", "product": "a can", "channels": ["instagram_post"]}
    data = yaml.safe_dump(fields).encode()
    brief = read_brief("b.yaml", data)
    return lambda: save_brief(s.home, brief, data, actor), lambda: brief_target(s.home, brief).is_file()


def add_user(actor: Actor, s: Settings, tmp: Path) -> Act:
    from ui.users import add_user as add
    from ui.users import load_users

    path = tmp / "users.yaml"
    return (
        lambda: add(path, "newcomer", "a long password", "viewer", actor=actor),
        lambda: path.exists() and "newcomer" in (load_users(path) or {}),
    )


def chat_approve(actor: Actor, s: Settings, tmp: Path) -> Act:
    from agents.chat.tools import ChatSession, approve

    draft_id = _fresh_draft(s)
    session = ChatSession(settings=s, user=actor.name, role=actor.role)
    return lambda: approve(session, draft_id), lambda: ReviewStore.from_settings(s).get(draft_id).status == "approved"


def chat_run(actor: Actor, s: Settings, tmp: Path) -> Act:
    from agents.chat.tools import ChatSession, run_campaign
    from flows.launch import launch_campaign

    session = ChatSession(settings=s, user=f"{actor.name}-chat", role=actor.role, launcher=launch_campaign)
    return (
        lambda: run_campaign(session, "summer-table-bottles", channel="instagram_post", count=1),
        lambda: _runs_by(s, session.user),
    )


def _brands(s: Settings) -> list[str]:
    from pipeline.brand.store import ProfileStore

    return ProfileStore(s).known_brands()


ACTIONS: dict[str, tuple[Permission, Callable[[Actor, Settings, Path], Act]]] = {
    "decide": ("decide", decide),
    "reopen": ("decide", reopen),
    "run a campaign": ("run", run_campaign),
    "request changes": ("revise", request_changes),
    "export": ("export", export),
    "set the brand override": ("brand", set_brand),
    "ingest guidelines": ("upload", ingest),
    "upload guidelines": ("upload", upload_guidelines),
    "upload a brief": ("upload", upload_brief),
    "add a user": ("users", add_user),
    "chat: approve": ("decide", chat_approve),
    "chat: run a campaign": ("run", chat_run),
}


def test_every_permission_has_an_action_here() -> None:
    assert {p for p, _ in ACTIONS.values()} == set(NEEDS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_state_changing_action_under_every_role(
    name: str, role: str, workspace: Settings, tmp_path: Path
) -> None:
    permission, action = ACTIONS[name]
    actor = Actor(name=f"{role}-person", role=role)  # type: ignore[arg-type]
    allowed = ROLES.index(role) >= ROLES.index(NEEDS[permission])  # type: ignore[arg-type]
    do, happened = action(actor, workspace, tmp_path)
    assert not happened()  # the test would see the change
    runs = len(ReviewStore.from_settings(workspace).runs(limit=1000))
    if allowed:
        do()
        assert happened(), f"a {role} may {name}, but it did not happen"
        return
    with pytest.raises(PermissionDenied, match=f"needs the {NEEDS[permission]} role; {role}-person.* is a {role}"):
        do()
    assert not happened(), f"a {role} may not {name}, yet it happened"
    assert len(ReviewStore.from_settings(workspace).runs(limit=1000)) == runs  # no run recorded either
