"""Who may use the review UI: a users file with bcrypt hashes and one role each.

    $ onbrand ui add-user maya --role reviewer --name "Maya Lind"     # asks for the password twice

The file is ``$ONBRAND_HOME/users.yaml``. Without it the UI is open to whoever can reach it (it binds
to 127.0.0.1 by default, and acts as the machine's own user would: the admin role); with it,
everyone signs in. ``viewer`` may look; ``reviewer`` may also decide, run campaigns, request changes
and export; ``admin`` may also edit the brand's override file, upload guidelines and briefs, and
manage users (see :class:`pipeline.models.Actor`: the check is in the functions that change state).
The layout is the one streamlit-authenticator reads, so an existing authenticator config works::

    credentials:
      usernames:
        maya:
          name: Maya Lind
          password: $2b$12$...          # bcrypt hash, never the password itself
          roles: [reviewer]

    >>> from ui.users import authenticate, load_users     # doctest: +SKIP
    >>> users = load_users(Path("~/.onbrand/users.yaml"))
    >>> authenticate(users, "maya", "correct horse")
    User(username='maya', name='Maya Lind', role='reviewer')
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from pipeline.errors import UserError
from pipeline.models import ROLES, Actor, Role

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 8
# Keys streamlit-authenticator writes beside the ones onbrand reads; anything else is a typo.
KNOWN_KEYS = {"name", "password", "roles", "email", "first_name", "last_name", "failed_login_attempts", "logged_in"}
# Compared against when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = b"$2b$12$AAK1X9rz8cwxfBoVv4D7p.j2NcgvpOecezryFM5SVB8kRuhtkd..C"


class User(BaseModel):
    """A person the UI knows: the name decisions are recorded under, and what they may do."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str
    name: str
    role: Role

    @property
    def actor(self) -> Actor:
        """Who this user is to the functions that change state."""
        return Actor(name=self.username, role=self.role)

    @property
    def can_decide(self) -> bool:
        return self.actor.can("decide")

    @property
    def is_admin(self) -> bool:
        return self.actor.can("brand")


def users_path(home: Path) -> Path:
    """``users.yaml`` in the workspace."""
    return home / "users.yaml"


def load_users(path: Path) -> dict[str, tuple[User, bytes]] | None:
    """Username -> (user, bcrypt hash); ``None`` when there is no users file (the UI is open).
    A malformed file is a one-line :class:`UserError` naming the user and the field."""
    if not path.exists():
        return None
    data = _read(path)
    entries = ((data.get("credentials") or {}).get("usernames")) if isinstance(data.get("credentials"), dict) else None
    if not isinstance(entries, dict) or not entries:
        raise UserError(f"{path}: no users under credentials.usernames; add one with: onbrand ui add-user NAME")
    users: dict[str, tuple[User, bytes]] = {}
    for username, entry in entries.items():
        key = str(username).strip().lower()
        where = f"{path}: user '{username}'"
        if not USERNAME.match(key):
            raise UserError(f"{where}: user names are lower-case letters, digits, '.', '_' or '-'")
        if not isinstance(entry, dict):
            raise UserError(f"{where}: expected name, password and roles")
        unknown = sorted(set(map(str, entry)) - KNOWN_KEYS)
        if unknown:
            raise UserError(f"{where}: unknown field '{unknown[0]}'; use name, password and roles")
        hashed = str(entry.get("password") or "")
        if not re.match(r"^\$2[aby]\$\d\d\$.{53}$", hashed):
            raise UserError(f"{where}: 'password' is not a bcrypt hash; set it with: onbrand ui add-user {key}")
        roles = entry.get("roles") or []
        roles = [roles] if isinstance(roles, str) else roles
        bad = [r for r in roles if r not in ROLES]
        if bad or not roles:
            raise UserError(f"{where}: roles {roles or '[]'}; give one of: {', '.join(ROLES)}")
        role: Role = max(roles, key=ROLES.index)  # several roles: the widest one
        users[key] = (User(username=key, name=str(entry.get("name") or key), role=role), hashed.encode())
    return users


def authenticate(users: dict[str, tuple[User, bytes]], username: str, password: str) -> User | None:
    """The user when the password matches its hash, else ``None`` (the same work either way)."""
    import bcrypt

    found = users.get(username.strip().lower())
    hashed = found[1] if found else _DUMMY_HASH
    ok = bcrypt.checkpw(password.encode(), hashed)
    return found[0] if found and ok else None


def add_user(
    path: Path, username: str, password: str, role: str = "reviewer", name: str | None = None, *, actor: Actor
) -> User:
    """Add a user to the users file (or replace one's password, role and name), keeping the others, as
    ``actor`` (admin role). The file is written atomically and readable by its owner only."""
    import bcrypt

    from pipeline.files import atomic_write_text

    actor.require("users")
    key = username.strip().lower()
    if not USERNAME.match(key):
        raise UserError(f"user name '{username}': use lower-case letters, digits, '.', '_' or '-' (at most 64)")
    if role not in ROLES:
        raise UserError(
            f"role '{role}': use viewer (looks), reviewer (decides and runs) or admin (also brand and users)"
        )
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password is too short; use at least {MIN_PASSWORD} characters")
    data = _read(path) if path.exists() else {}
    if path.exists():
        load_users(path)  # a broken file is reported, never overwritten
    entries = data.setdefault("credentials", {}).setdefault("usernames", {})
    previous = entries.get(key) or {}
    entries[key] = {
        **{k: v for k, v in previous.items() if k in KNOWN_KEYS},
        "name": " ".join((name or previous.get("name") or key).split()),
        "password": bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode(),
        "roles": [role],
    }
    atomic_write_text(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    path.chmod(0o600)
    return User(username=key, name=entries[key]["name"], role=role)


def _read(path: Path) -> dict[str, Any]:
    from pipeline.files import read_yaml_mapping

    return read_yaml_mapping(path)
