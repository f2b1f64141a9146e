"""The progress display: live on a terminal, one plain line per stage elsewhere, nothing -q."""

from __future__ import annotations

import io
import re

from rich.console import Console

from postdeploy.commands.progress_view import Mode, ProgressView, plain
from postdeploy.findings import CheckOutcome, StageStatus
from postdeploy.progress import (
    CheckDone,
    ChecksPlanned,
    LoadProgress,
    RunNote,
    RunPlanned,
    StageDone,
    StageStarted,
    WatchProgress,
    from_json_line,
    shielded,
    to_json_line,
)

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

EVENTS = [
    RunPlanned(("smoke", "load")),
    RunNote("starting the embedded unimedia"),
    StageStarted("smoke"),
    ChecksPlanned("smoke", 3),
    CheckDone("smoke", "a", CheckOutcome.PASSED),
    CheckDone("smoke", "b", CheckOutcome.FAILED),
    CheckDone("smoke", "c", CheckOutcome.FLAKY),
    StageDone("smoke", StageStatus.FAILED, 3, 1, 2.5, "1 check(s) failed\x1b[31m", flaky=1),
    StageStarted("load"),
    LoadProgress("load", 12.0, 90.0, rps=48.4, p95_ms=131.0, requests=580, round=2,
                 decided=(("GET /api/v2/media", "within tolerance"),), undecided=3),
]  # fmt: skip


def test_not_a_terminal_is_one_plain_line_per_finished_stage() -> None:
    out = io.StringIO()
    view = ProgressView(Mode.LINES, stream=out)
    with view:
        for event in [*EVENTS, StageDone("load", StageStatus.PASSED, 9, 0, 61.0)]:
            view(event)
    lines = out.getvalue().splitlines()
    assert lines == [
        "postdeploy: stage smoke failed: 3 checks, 1 failed, 1 flaky, 2.5 s"
        " — 1 check(s) failed [31m",
        "postdeploy: stage load passed: 9 checks, 0 failed, 61.0 s",
    ]
    assert not CONTROL.search(out.getvalue()), "no escape sequences, no carriage returns"


def test_quiet_shows_nothing() -> None:
    out = io.StringIO()
    view = ProgressView(Mode.QUIET, stream=out)
    with view:
        for event in EVENTS:
            view(event)
    assert out.getvalue() == ""


def test_live_table_shows_stages_checks_failures_and_the_load() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=140, color_system=None)
    view = ProgressView(Mode.LIVE, console=console)
    with view:
        for event in EVENTS:
            view(event)
        frame = io.StringIO()
        Console(file=frame, width=140, color_system=None).print(view._render())
    text = frame.getvalue()
    smoke = next(line for line in text.splitlines() if line.startswith("smoke"))
    for words in ("failed", "3/3", "1 +1 flaky"):
        assert words in smoke, smoke
    load = next(line for line in text.splitlines() if line.startswith("load"))
    assert "running" in load
    assert "48 req/s · p95 131 ms · 12/90 s · round 2 · 1 endpoint(s) decided, 3 open" in load


def test_the_watch_line_says_time_left_next_evaluation_and_alerts() -> None:
    view = ProgressView(Mode.LIVE, console=Console(file=io.StringIO(), force_terminal=True))
    view(WatchProgress(600.0, 3600.0, 10, 42.0, alerts=1, firing=("ErrorRateHigh",)))
    frame = io.StringIO()
    Console(file=frame, width=200, color_system=None).print(view._render())
    text = frame.getvalue()
    for words in ("10:00 of 1:00:00", "50:00 left", "next evaluation in 4", "alerts so far: 1",
                  "firing: ErrorRateHigh"):  # fmt: skip
        assert words in text, text


def test_an_alert_is_a_line_in_ci() -> None:
    out = io.StringIO()
    view = ProgressView(Mode.LINES, stream=out)
    view(WatchProgress(60.0, 3600.0, 1, 60.0))
    view(WatchProgress(120.0, 3600.0, 2, 60.0, alerts=1, firing=("SmokeFailing",)))
    assert out.getvalue() == (
        "postdeploy: watch 2:00 of 1:00:00: 1 alert(s) fired so far; firing now: SmokeFailing\n"
    )


def test_the_wire_format_round_trips_and_skips_torn_lines() -> None:
    for event in (ChecksPlanned("e2e", 11), CheckDone("e2e", "e2e/x.py::t[1]", CheckOutcome.FLAKY)):
        assert from_json_line(to_json_line(event)) == event
    assert from_json_line('{"kind": "done", "stage": "e2e", "check') is None
    assert from_json_line("not json") is None


def test_a_broken_display_does_not_stop_the_run() -> None:
    def broken(event: object) -> None:
        raise RuntimeError("terminal gone")

    shielded(broken)(RunNote("x"))  # no exception


def test_plain_makes_target_text_inert() -> None:
    assert plain("a\x1b[2J\rb\n c") == "a [2J b c"


def test_verify_in_ci_prints_a_line_per_stage_and_quiet_only_the_verdict(
    run_cli, start_unimedia, tmp_path
) -> None:
    server = start_unimedia("")
    # its own temporary directory: the leftovers sweep of a run reports (on stderr, even with
    # -q) the directories of killed runs it removes, and /tmp is shared with other tests
    env = server.env() | {"TMPDIR": str(tmp_path)}
    run = run_cli("verify", "--stages", "smoke", env=env)
    assert run.exit_code == 0, run.stdout + run.stderr
    stage_lines = [line for line in run.stderr.splitlines() if line.startswith("postdeploy: stage")]
    assert len(stage_lines) == 1
    assert re.fullmatch(
        r"postdeploy: stage smoke passed: \d+ checks, 0 failed, [\d.]+ s", stage_lines[0]
    )
    assert not CONTROL.search(run.stderr)
    assert ", stages smoke\n" in run.stdout, "the header names the stages --stages chose"
    quiet = run_cli("verify", "--stages", "smoke", "-q", env=env)
    assert quiet.exit_code == 0
    assert quiet.stdout == "VERDICT: GO\n"
    assert quiet.stderr == ""


def test_quiet_keeps_the_embedded_notice_and_the_not_checked_error(tmp_path, capsys) -> None:
    """-q cuts the summary, not the safety lines of issue 16: a verdict of the embedded
    default still says it verified no deployment, and stage-level bad input still gets its
    one ``error:`` line."""
    from datetime import UTC, datetime

    from postdeploy.commands.common import print_summary
    from postdeploy.config import GatePolicy
    from postdeploy.findings import StageResult
    from postdeploy.gate import build_verdict
    from postdeploy.reports.wording import EMBEDDED_NOTICE
    from postdeploy.runner import RunOutcome
    from postdeploy.target.info import TargetInfo

    verdict = build_verdict(
        [StageResult("smoke", StageStatus.ERROR, reason="no browser\x1b[2J")],
        expected=["smoke"],
        policy=GatePolicy(),
        run_id="20260101T000000Z-abcd",
        profile="smoke",
        target=TargetInfo("http://127.0.0.1:1", True, None, "1.0.0", ()),
        started_at=datetime.now(UTC),
    )
    print_summary(RunOutcome(verdict, tmp_path), quiet=True)
    out, err = capsys.readouterr()
    assert out == f"VERDICT: INCONCLUSIVE\n  NOTE: {EMBEDDED_NOTICE}\n"
    assert err.startswith("error: not checked: smoke: no browser")
    assert not CONTROL.search(err.rstrip("\n"))
