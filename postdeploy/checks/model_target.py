"""Who the model-based run acts as, and how it talks to the target.

Two ordinary users (so that one can try the other's media), the admin (who sees
everything), an anonymous client for bad tokens, and a cookie-jar client per user for the
web UI. The API clients are the ones the pytest plugin hands out, so their exchanges are
the finding's evidence like any other check's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from postdeploy.checks.model_promises import Violation
from postdeploy.config import Account
from postdeploy.target.client import LOGIN_PATH

__all__ = ["Actor", "ModelTarget", "RunCounters"]


@dataclass
class Actor:
    """One account as the model uses it."""

    role: str  # "user", "other" or "admin": the model's names, stable across targets
    account: Account
    api: httpx.Client
    ui: httpx.Client

    @property
    def name(self) -> str:
        return self.account.username

    @property
    def admin(self) -> bool:
        return self.account.role == "admin"

    def login(self) -> httpx.Response:
        """Log in again through the API; the new token replaces the old one on success."""
        password = self.account.password.reveal() if self.account.password else ""
        response = self.api.post(LOGIN_PATH, json={"username": self.name, "password": password})
        if response.status_code == 200:
            token = response.json().get("access_token")
            if isinstance(token, str):
                self.api.headers["Authorization"] = f"Bearer {token}"
        return response


@dataclass
class RunCounters:
    """What one run did, for its report (and the budget's safety net)."""

    started: float = field(default_factory=time.monotonic)
    examples: int = 0
    steps: int = 0
    rules: dict[str, int] = field(default_factory=dict)
    bytes_up: int = 0
    bytes_down: int = 0
    unjudged: dict[str, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)  # every distinct one seen

    def saw(self, violation: Violation) -> None:
        if all(str(seen) != str(violation) for seen in self.violations):
            self.violations.append(violation)

    def step(self, rule: str) -> None:
        self.steps += 1
        self.rules[rule] = self.rules.get(rule, 0) + 1

    def not_judged(self, why: str) -> None:
        self.unjudged[why] = self.unjudged.get(why, 0) + 1

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started


@dataclass
class ModelTarget:
    """Everything the state machine needs from the run: actors, tags, counters."""

    actors: dict[str, Actor]
    anonymous: httpx.Client
    run_tag: str
    run_id: str
    counters: RunCounters = field(default_factory=RunCounters)
    example_tag: Callable[[int], str] | None = None

    def tag_for(self, example: int) -> str:
        """The tag that scopes one example's v2 listings to its own uploads."""
        if self.example_tag is not None:
            return self.example_tag(example)
        return f"{self.run_tag}/model-{example}"
