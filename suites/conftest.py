"""Fixtures shared by the suites: media written by a run, always cleaned up.

Every upload carries the run's tag (``postdeploy-run=<run id>``). Cleanup happens twice:
each fixture deletes what it created, and at the end of the session the admin sweeps any
media still carrying the tag — so a failing check never leaves data on production.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from postdeploy.checks import fails_as
from postdeploy.checks.artifacts import CheckArtifacts
from postdeploy.checks.media_api import MEDIA_PATH, Uploaded, upload_media
from postdeploy.checks.model_promises import gate_tag
from postdeploy.checks.model_run import ModelReport, run_model
from postdeploy.checks.model_strategies import Budget
from postdeploy.checks.model_target import Actor, ModelTarget
from postdeploy.config import Account, TargetSettings

log = logging.getLogger(__name__)


@pytest.fixture
def upload(
    postdeploy_user: httpx.Client, postdeploy_run_tag: str, postdeploy_run_sweep: None
) -> Iterator[Callable[..., Uploaded]]:
    """Upload as the first user; every upload is deleted after the test, pass or fail."""
    created: list[str] = []

    def _upload(content: bytes | None = None, **kwargs: str) -> Uploaded:
        uploaded = upload_media(postdeploy_user, postdeploy_run_tag, content, **kwargs)
        if uploaded.response.status_code == 201:
            created.append(uploaded.media_id)
        return uploaded

    yield _upload
    for media_id in created:
        postdeploy_user.delete(f"{MEDIA_PATH}/{media_id}")


# --- the model-based run (postdeploy/checks/model_run.py, docs/model-checks.md) -------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("postdeploy")
    group.addoption(
        "--postdeploy-model-seed",
        metavar="N",
        type=int,
        help="seed of the model-based run (default: derived from --postdeploy-run-id, else 0); "
        "the check id and every finding name it, so a failure replays exactly",
    )
    group.addoption(
        "--postdeploy-model-shrink-seconds",
        metavar="S",
        type=float,
        default=60.0,
        help="how long a failing model run may spend shrinking its sequence (default 60)",
    )
    group.addoption(
        "--postdeploy-model-budget",
        metavar="EXAMPLESxSTEPS[:BYTES]",
        help="examples x steps (and the largest upload) of the model-based run, instead of "
        "the suite's own (smoke: small, integration: large)",
    )


@dataclass(frozen=True)
class ModelRunSpec:
    """The seed and budget one model check runs with (shown in its check id)."""

    seed: int
    budget: Budget


def _model_seed(config: pytest.Config) -> int:
    explicit = config.getoption("postdeploy_model_seed")
    if explicit is not None:
        return int(explicit)
    run_id = config.getoption("postdeploy_run_id")
    return int(hashlib.sha256(run_id.encode()).hexdigest()[:8], 16) if run_id else 0


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``model_run``: the check's seed and budget, part of its id (``[seed=…,budget=…]``)."""
    if "model_run" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("model_budget")
    default = marker.args[0] if marker else "1x10:65536"
    raw = metafunc.config.getoption("postdeploy_model_budget") or default
    try:
        budget = Budget.parse(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"--postdeploy-model-budget: {exc}") from exc
    if marker and "large" in marker.kwargs:
        budget.large = bool(marker.kwargs["large"])
    spec = ModelRunSpec(_model_seed(metafunc.config), budget)
    metafunc.parametrize("model_run", [spec], ids=[f"seed={spec.seed},budget={budget}"])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "model_budget(budget, large=True): the model-based check's default budget"
    )


@pytest.fixture
def model_target(
    postdeploy_target: TargetSettings,
    postdeploy_client_factory: Callable[[Account | None], httpx.Client],
    postdeploy_user: httpx.Client,
    postdeploy_other_user: httpx.Client,
    postdeploy_admin: httpx.Client,
    postdeploy_run_id: str,
    postdeploy_run_tag: str,
    postdeploy_run_sweep: None,
) -> ModelTarget:
    """Two users, the admin and an anonymous client, as the model run acts.

    The API clients are the session's own (logins hash passwords: each one costs); the
    run's re-login only ever swaps in another valid token of the same account.
    """
    users = [a for a in postdeploy_target.accounts if a.role == "user"]
    admins = [a for a in postdeploy_target.accounts if a.role == "admin"]
    if len(users) < 2 or not admins:
        pytest.skip("the model needs two user accounts and an admin in the target config")
    clients = {"user": postdeploy_user, "other": postdeploy_other_user, "admin": postdeploy_admin}

    def ui() -> httpx.Client:
        client = postdeploy_client_factory(None)
        client.headers["Accept"] = "text/html"  # a browser, not the UI's own script
        return client

    accounts = {"user": users[0], "other": users[1], "admin": admins[0]}
    actors = {role: Actor(role, account, clients[role], ui()) for role, account in accounts.items()}
    return ModelTarget(
        actors=actors,
        anonymous=postdeploy_client_factory(None),
        run_tag=postdeploy_run_tag,
        run_id=postdeploy_run_id,
    )


@pytest.fixture
def model_check(
    model_target: ModelTarget,
    model_run: ModelRunSpec,
    postdeploy_artifacts: CheckArtifacts,
    request: pytest.FixtureRequest,
) -> Callable[[], ModelReport]:
    """Run the model; a violation fails the check with its promise's trigger and severity,
    the shortest failing sequence as evidence (and as a file beside the finding)."""

    def check() -> ModelReport:
        shrink = float(request.config.getoption("postdeploy_model_shrink_seconds"))
        report = run_model(model_target, model_run.budget, model_run.seed, shrink_seconds=shrink)
        log.info("model run: %s", report.summary)
        if report.violation is not None:
            path = postdeploy_artifacts.path("model-reproduction.txt")
            path.write_text(report.evidence(limit=10**6) + "\n", encoding="utf-8")
            postdeploy_artifacts.add_file("shortest failing sequence", path, "text/plain")
            tag = gate_tag(report.violation.promise)
            title = f"The media service keeps its promises ({report.violation.promise.value})"
            with fails_as(tag.trigger, tag.severity, title):
                raise AssertionError(report.evidence())
        return report

    return check
