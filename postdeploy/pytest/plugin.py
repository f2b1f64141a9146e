"""The postdeploy pytest plugin: targets, authenticated clients, gate markers, results.

Loaded through the ``pytest11`` entry point (and by the repository's ``conftest.py``).
Nothing happens at import or configure time beyond bookkeeping: the embedded target is
started only when a test first asks for ``postdeploy_target``, once for the whole
session — xdist workers share the first worker's server through a locked directory that
the controller owns and cleans up.

Results: every test's outcome is recorded on the controller (xdist replays worker
reports there) and, with ``--postdeploy-results FILE``, written as one stage result that
``postdeploy verify`` reads back.

Progress: with ``--postdeploy-progress FILE`` the controller appends one JSON line when it
knows how many checks will run and one per finished check (:mod:`postdeploy.progress`);
the stage that started this pytest follows the file. Only the controller writes — xdist
workers' reports all arrive there — so lines never interleave.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from postdeploy.checks import DEFAULT_GATE, GateTag, gate_tag_of
from postdeploy.checks.artifacts import CheckArtifacts
from postdeploy.checks.evidence import ExchangeLog
from postdeploy.checks.media_api import delete_tagged_quietly
from postdeploy.config import Account, Config, TargetSettings, load_config, run_id_from_environment
from postdeploy.errors import PostdeployError
from postdeploy.findings import CheckOutcome, StageResult, StageStatus
from postdeploy.progress import CheckDone, ChecksPlanned, to_json_line
from postdeploy.pytest.allure import (
    add_target,
    attach_exchanges,
    attach_files,
    label_check,
    mark_failure,
)
from postdeploy.pytest.results import GATE_PROPERTY, StageRecorder
from postdeploy.redact import redact_text
from postdeploy.runid import new_run_id, run_tag
from postdeploy.target.client import login, new_client
from postdeploy.target.embedded import SharedEmbedded
from postdeploy.target.leftovers import owned_tempdir

MARKERS = (
    "smoke: seconds-fast, production-safe checks run right after a deploy",
    "integration: user workflows through the unified and legacy APIs",
    "contract: backward-compatibility checks against the recorded API contract",
    "data: data integrity after the media unification migration",
    "e2e: browser workflows in real Chromium",
    "load: load tests judged against the baseline",
    "security: authentication, authorization and transport checks",
    "monitoring: production metrics and rollback-trigger rules",
    "gate(trigger, severity): the rollback trigger and severity a failure of this check means",
)


class _Session:
    """Per-process plugin state, kept in ``config.stash``."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
        self.is_worker = workerinput is not None
        if workerinput is not None:
            self.run_id: str = workerinput["postdeploy_run_id"]
            shared_dir = Path(workerinput["postdeploy_shared_dir"])
            watch_pid = int(workerinput["postdeploy_controller_pid"])
        else:
            self.run_id = (
                config.getoption("postdeploy_run_id") or run_id_from_environment() or new_run_id()
            )
            shared_dir = owned_tempdir("session")  # holds passwords: swept if we are killed
            watch_pid = os.getpid()
        self.shared_dir = shared_dir
        self.embedded = SharedEmbedded(shared_dir, watch_pid=watch_pid)
        self.exchanges = ExchangeLog()
        self.recorder = StageRecorder(config.getoption("postdeploy_stage") or "pytest")
        self.started = time.monotonic()
        self._config: Config | None = None
        self._config_error: str | None = None
        self._target: TargetSettings | None = None
        self._target_error: str | None = None
        self._artifacts_root: Path | None = None

    def artifacts_root(self) -> Path:
        """Where checks' evidence files go: ``--postdeploy-artifacts``, else the directory of
        ``--postdeploy-results`` (the stage directory), else a temporary directory."""
        if self._artifacts_root is None:
            option = self.config.getoption
            explicit = option("postdeploy_artifacts")
            results = option("postdeploy_results")
            if explicit:
                self._artifacts_root = Path(explicit)
            elif results:
                self._artifacts_root = Path(results).resolve().parent
            else:
                self._artifacts_root = owned_tempdir("artifacts")
        return self._artifacts_root

    def run_config(self) -> Config:
        """The session's :class:`Config` (file < environment < the plugin's options); fails
        the asking test with one line on bad input."""
        if self._config is None and self._config_error is None:
            option = self.config.getoption
            config_file = option("postdeploy_config")
            try:
                self._config = load_config(
                    config_file=Path(config_file) if config_file else None,
                    overrides={
                        "url": option("postdeploy_target"),
                        "expected_version": option("postdeploy_expected_version"),
                    },
                )
            except PostdeployError as exc:
                self._config_error = str(exc)
        if self._config_error is not None:
            pytest.fail(f"postdeploy: {self._config_error}", pytrace=False)
        return self._config  # type: ignore[return-value]  # set, or pytest.fail raised

    def target(self) -> TargetSettings:
        """The configured target, or the shared embedded one; fails the test on bad input."""
        if self._target is None and self._target_error is None:
            config = self.run_config()
            try:
                self._target = (
                    config.target
                    if config.target.url
                    else self.embedded.get(https=not config.embedded_http)
                )
            except PostdeployError as exc:
                self._target_error = str(exc)
        # pytest.fail outside the except block: no "during handling…" chain in the report
        if self._target_error is not None:
            pytest.fail(f"postdeploy: {self._target_error}", pytrace=False)
        return self._target  # type: ignore[return-value]  # set, or pytest.fail raised

    def target_url(self) -> str | None:
        """The target's URL if a check has resolved it already (never resolves it)."""
        return self._target.url if self._target is not None else None


_KEY = pytest.StashKey[_Session]()


class _ProgressFile:
    """The progress lines of this session: appended and flushed one at a time, so the
    reader never sees more than one torn line (which it skips)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._out = path.open("a", encoding="utf-8")
        self._planned = False

    def planned(self, stage: str, total: int) -> None:
        if not self._planned:  # once: every xdist worker reports the same collection
            self._planned = True
            self.write(ChecksPlanned(stage, total))

    def write(self, event: ChecksPlanned | CheckDone) -> None:
        if not self._out.closed:
            self._out.write(to_json_line(event))
            self._out.flush()

    def close(self) -> None:
        self._out.close()


def _distributed(config: pytest.Config) -> bool:
    """True on an xdist controller that hands the checks to workers."""
    return bool(getattr(config.option, "numprocesses", None)) and config.pluginmanager.has_plugin(
        "dsession"
    )


class _ResultWriter:
    """Controller-side hooks: record every report, write the stage result at the end."""

    def __init__(self, state: _Session) -> None:
        self._state = state
        self._result: StageResult | None = None
        path = state.config.getoption("postdeploy_progress")
        self._progress = _ProgressFile(Path(path)) if path else None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        done = self._state.recorder.add(report)
        if done is not None and self._progress is not None:
            self._progress.write(CheckDone(self._state.recorder.stage, done.check_id, done.outcome))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self._progress is not None and not _distributed(session.config):
            self._progress.planned(self._state.recorder.stage, len(session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """xdist: the controller collects nothing itself; every worker collects the same."""
        if self._progress is not None:
            self._progress.planned(self._state.recorder.stage, len(ids))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._state.recorder.add_collection_error(report)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self._progress is not None:
            self._progress.close()
        self._result = self._state.recorder.result(
            exitstatus, time.monotonic() - self._state.started
        )
        path = session.config.getoption("postdeploy_results")
        if path:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".partial")
            partial.write_text(json.dumps(self._result.to_dict(), indent=2), encoding="utf-8")
            partial.replace(target)

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        """One line per finding, with its rollback trigger, so a pytest user sees what broke."""
        result = self._result
        if result is None or not result.checks:
            return
        if not result.findings and config.getoption("postdeploy_stage") is None:
            return  # a plain pytest run that found nothing: pytest's own summary says it
        terminalreporter.section("postdeploy")
        for finding in result.findings:
            terminalreporter.write_line(
                f"{finding.severity.value.upper():8} {finding.trigger.value:24} {finding.title}"
            )
        for check in result.checks:
            if check.outcome is CheckOutcome.FLAKY:
                terminalreporter.write_line(f"FLAKY    {check.check_id}: {check.message}")
        if result.status is StageStatus.PASSED:
            passed = result.count(CheckOutcome.PASSED)
            flaky = result.count(CheckOutcome.FLAKY)
            terminalreporter.write_line(
                f"stage {result.name}: passed ({passed} checks"
                + (f", {flaky} flaky" if flaky else "")
                + ")"
            )
        else:
            terminalreporter.write_line(
                f"stage {result.name}: {result.status.value}: {result.reason}"
            )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("postdeploy", "post-deployment verification")
    group.addoption(
        "--postdeploy-target",
        metavar="URL",
        help="base URL of the release to verify (default: POSTDEPLOY_TARGET, the "
        "config file, else an embedded unimedia)",
    )
    group.addoption(
        "--postdeploy-config",
        metavar="FILE",
        help="postdeploy.toml to read (default: ./postdeploy.toml if present)",
    )
    group.addoption(
        "--postdeploy-expected-version", metavar="VERSION", help="the release that should be live"
    )
    group.addoption(
        "--postdeploy-stage", metavar="NAME", help="stage name these checks are recorded under"
    )
    group.addoption(
        "--postdeploy-results",
        metavar="FILE",
        help="write the stage result (checks and findings) as JSON",
    )
    group.addoption("--postdeploy-run-id", metavar="ID", help="run id used to tag writes")
    group.addoption(
        "--postdeploy-progress",
        metavar="FILE",
        help="append one JSON line per finished check (and one with the number planned)",
    )
    group.addoption(
        "--postdeploy-artifacts",
        metavar="DIR",
        help="where failing checks leave screenshots, traces and logs (default: beside "
        "--postdeploy-results, else a temporary directory)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    state = _Session(config)
    config.stash[_KEY] = state
    if not state.is_worker:
        config.pluginmanager.register(_ResultWriter(state), "postdeploy-results")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: hand every worker the run id and the shared directory of the controller."""
    state = node.config.stash[_KEY]
    node.workerinput["postdeploy_run_id"] = state.run_id
    node.workerinput["postdeploy_shared_dir"] = str(state.shared_dir)
    node.workerinput["postdeploy_controller_pid"] = os.getpid()


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_KEY, None)
    if state is None or state.is_worker:
        return
    state.embedded.stop()
    shutil.rmtree(state.shared_dir, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[None] | Any:
    state = item.config.stash[_KEY]
    failed = (
        call.when == "call"
        and call.excinfo is not None
        and not call.excinfo.errisinstance(pytest.skip.Exception)
    )
    if failed:
        # Before the report is built: the trigger note must be on the exception when pytest
        # and allure-pytest format it, and the evidence is taken without it.
        exc = call.excinfo.value if call.excinfo else None
        tag = gate_tag_of(exc) or _marker_tag(item)
        artifacts = item.stash.get(_ARTIFACTS, None)
        if artifacts is not None:
            artifacts.collect()  # while the page/state is still there, before teardown
        artifacts = _with_exchanges(item, state, artifacts)
        evidence = _evidence(call, state.exchanges, artifacts)
        attachments = _attachments(artifacts, relative=_reports_relative(item.config))
        mark_failure(exc, tag)
        if artifacts is not None:  # the exchanges are attached below, as text, pass or fail
            attach_files([a for a in artifacts.attachments if a.label != "HTTP exchanges"])
    if call.when == "call":
        attach_exchanges(redact_text(state.exchanges.render()))
        add_target(state.target_url())
    report = yield
    if failed and report.when == "call" and report.failed:
        report.user_properties.append(
            (
                GATE_PROPERTY,
                json.dumps(
                    {
                        "trigger": tag.trigger.value,
                        "severity": tag.severity.value,
                        "title": tag.title or _title(item),
                        "evidence": evidence,
                        "attachments": attachments,
                    }
                ),
            )
        )
    return report


def pytest_runtest_setup(item: pytest.Item) -> None:
    state = item.config.stash[_KEY]
    state.exchanges.reset()
    label_check(state.recorder.stage, _marker_tag(item), _title(item), item.nodeid)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A malformed gate marker stops the run before any check: it is a bug in the suite."""
    for item in items:
        _marker_tag(item)


# --- fixtures ------------------------------------------------------------------------------

_ARTIFACTS = pytest.StashKey[CheckArtifacts]()


@pytest.fixture
def postdeploy_artifacts(request: pytest.FixtureRequest) -> CheckArtifacts:
    """This check's evidence files: register collectors that run if the check fails."""
    artifacts = CheckArtifacts(request.config.stash[_KEY].artifacts_root(), request.node.nodeid)
    request.node.stash[_ARTIFACTS] = artifacts
    return artifacts


@pytest.fixture(scope="session")
def postdeploy_config(pytestconfig: pytest.Config) -> Config:
    """The run's configuration: the suites' own knobs (``[suites]``), the baselines folder,
    whether the target is the embedded reference — everything a check may want to know
    besides the target itself, read once (checks never read the environment)."""
    return pytestconfig.stash[_KEY].run_config()


@pytest.fixture(scope="session")
def postdeploy_target(pytestconfig: pytest.Config) -> TargetSettings:
    """The release under verification (URL, accounts, expected version)."""
    return pytestconfig.stash[_KEY].target()


@pytest.fixture(scope="session")
def postdeploy_run_id(pytestconfig: pytest.Config) -> str:
    """This run's id; all workers of one run share it."""
    return pytestconfig.stash[_KEY].run_id


@pytest.fixture(scope="session")
def postdeploy_run_tag(pytestconfig: pytest.Config, postdeploy_run_id: str) -> str:
    """The tag every write of this pytest session carries:
    ``postdeploy-run=<run id>/<stage>/<xdist worker>``.

    Stages of one run go side by side, and each xdist worker sweeps its tag when it ends;
    with one tag for the whole run, the first session to finish would delete media the
    others are still checking. The run id leads, so a later run still finds and removes
    every leftover of this one (:func:`postdeploy.checks.media_api.sweep_leftovers`).
    """
    stage = pytestconfig.stash[_KEY].recorder.stage
    worker = getattr(pytestconfig, "workerinput", {}).get("workerid", "main")
    return f"{run_tag(postdeploy_run_id)}/{stage}/{worker}"


@pytest.fixture(scope="session")
def postdeploy_run_sweep(postdeploy_admin: httpx.Client, postdeploy_run_tag: str) -> Iterator[None]:
    """The safety net of every suite: when this session ends, the admin deletes whatever
    still carries the session's tag (its own stage and worker only: the others may still
    be using theirs)."""
    yield
    delete_tagged_quietly(postdeploy_admin, postdeploy_run_tag)


@pytest.fixture(scope="session")
def postdeploy_client_factory(
    pytestconfig: pytest.Config, postdeploy_target: TargetSettings
) -> Iterator[Callable[[Account | None], httpx.Client]]:
    """Make a client logged in as an account (``None``: anonymous). Evidence is recorded."""
    exchanges = pytestconfig.stash[_KEY].exchanges
    clients: list[httpx.Client] = []

    def make(account: Account | None) -> httpx.Client:
        hooks = {"response": [exchanges.on_response]}
        token = None
        problem = None
        if account is not None:
            with new_client(postdeploy_target, event_hooks=hooks) as anonymous:
                try:
                    token = login(anonymous, account, attempts=4)
                except PostdeployError as exc:
                    problem = str(exc)
        if problem is not None:
            pytest.fail(f"postdeploy: {problem}", pytrace=False)
        client = new_client(postdeploy_target, token=token, event_hooks=hooks)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _account(target: TargetSettings, role: str, index: int = 0) -> Account:
    matching = [account for account in target.accounts if account.role == role]
    if len(matching) <= index:
        pytest.skip(
            f"needs {index + 1} account(s) with role {role}; the target config has {len(matching)}"
        )
    return matching[index]


@pytest.fixture(scope="session")
def postdeploy_anonymous(
    postdeploy_client_factory: Callable[[Account | None], httpx.Client],
) -> httpx.Client:
    """A client without credentials."""
    return postdeploy_client_factory(None)


@pytest.fixture(scope="session")
def postdeploy_user(
    postdeploy_client_factory: Callable[[Account | None], httpx.Client],
    postdeploy_target: TargetSettings,
) -> httpx.Client:
    """A client logged in as the first ordinary user."""
    return postdeploy_client_factory(_account(postdeploy_target, "user"))


@pytest.fixture(scope="session")
def postdeploy_other_user(
    postdeploy_client_factory: Callable[[Account | None], httpx.Client],
    postdeploy_target: TargetSettings,
) -> httpx.Client:
    """A client logged in as a second ordinary user (for authorization checks)."""
    return postdeploy_client_factory(_account(postdeploy_target, "user", 1))


@pytest.fixture(scope="session")
def postdeploy_admin(
    postdeploy_client_factory: Callable[[Account | None], httpx.Client],
    postdeploy_target: TargetSettings,
) -> httpx.Client:
    """A client logged in as the admin."""
    return postdeploy_client_factory(_account(postdeploy_target, "admin"))


# --- helpers -------------------------------------------------------------------------------


def _marker_tag(item: pytest.Item) -> GateTag:
    marker = item.get_closest_marker("gate")
    if marker is None:
        return DEFAULT_GATE
    try:
        return GateTag.of(
            marker.kwargs.get("trigger", DEFAULT_GATE.trigger),
            marker.kwargs.get("severity", DEFAULT_GATE.severity),
            marker.kwargs.get("title"),
        )
    except ValueError as exc:
        raise pytest.UsageError(f"{item.nodeid}: bad gate marker: {exc}") from exc


def _title(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None)
    if doc and doc.strip():
        return doc.strip().splitlines()[0].rstrip(".")
    return item.name


def _evidence(
    call: pytest.CallInfo[None], exchanges: ExchangeLog, artifacts: CheckArtifacts | None
) -> str:
    parts = []
    if call.excinfo is not None:
        parts.append(call.excinfo.exconly().strip()[:1500])
    recorded = exchanges.render()
    if recorded:
        parts.append("HTTP exchanges (latest last):\n" + recorded)
    if artifacts is not None:
        parts.extend(artifacts.notes)
        if artifacts.attachments:
            parts.append(
                "Attached: "
                + ", ".join(f"{a.label} ({a.path.name})" for a in artifacts.attachments)
            )
    return "\n\n".join(parts)


def _with_exchanges(
    item: pytest.Item, state: _Session, artifacts: CheckArtifacts | None
) -> CheckArtifacts | None:
    """The failing check's HTTP exchanges (requests, statuses, response excerpts; redacted)
    as a file beside its other evidence, so the finding links the exact requests (issue 21
    §4). Only when results are written somewhere a report can link."""
    rendered = redact_text(state.exchanges.render())  # a URL's query may carry a token
    if not rendered or not _reports_relative(item.config):
        return artifacts
    artifacts = artifacts or CheckArtifacts(state.artifacts_root(), item.nodeid)
    path = artifacts.path("exchanges.txt")
    path.write_text(rendered + "\n", encoding="utf-8")
    artifacts.add_file("HTTP exchanges", path, "text/plain")
    return artifacts


def _reports_relative(config: pytest.Config) -> bool:
    return bool(config.getoption("postdeploy_results") or config.getoption("postdeploy_artifacts"))


def _attachments(artifacts: CheckArtifacts | None, *, relative: bool) -> list[str]:
    """Paths for the finding: relative to the stage directory when there is one (the stage
    runner makes them relative to the run directory), else absolute."""
    if artifacts is None:
        return []
    if relative:
        return artifacts.relative_paths()
    return [str(a.path) for a in artifacts.attachments]
