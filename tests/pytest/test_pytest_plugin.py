"""The pytest plugin, exercised with pytester: gate tags, results, the shared target."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.usefixtures("_isolated_env")


@pytest.fixture
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("POSTDEPLOY_TARGET", "POSTDEPLOY_CONFIG", "UNIMEDIA_FAULTS", "POSTDEPLOY_RUN_ID"):
        monkeypatch.delenv(name, raising=False)


def results(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    out = pytester.path / "result.json"
    run = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--postdeploy-stage",
        "demo",
        "--postdeploy-results",
        str(out),
        *args,
    )
    return run, json.loads(out.read_text())


def test_failures_carry_their_gate_tags(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from postdeploy.checks import fails_as

        def test_passes():
            pass

        @pytest.mark.gate(trigger="data_loss", severity="critical")
        def test_marked():
            '''Bytes survive a round trip'''
            assert b"a" == b"b"

        def test_step_tagged():
            with fails_as("user_impact", "medium", "The button works"):
                assert False, "button did nothing"

        def test_untagged():
            raise RuntimeError("boom")

        def test_skipped():
            pytest.skip("not configured here")

        @pytest.fixture
        def broken():
            raise OSError("no disk")

        def test_cannot_run(broken):
            pass
        """
    )
    run, result = results(pytester)
    assert run.ret == pytest.ExitCode.TESTS_FAILED
    findings = {f["origin"].split("::")[-1]: f for f in result["findings"]}
    assert set(findings) == {"test_marked", "test_step_tagged", "test_untagged"}
    assert findings["test_marked"]["trigger"] == "data_loss"
    assert findings["test_marked"]["severity"] == "critical"
    assert findings["test_marked"]["title"] == "Bytes survive a round trip"
    assert "assert b'a' == b'b'" in findings["test_marked"]["evidence"]
    assert findings["test_step_tagged"]["trigger"] == "user_impact"
    assert findings["test_step_tagged"]["title"] == "The button works"
    # a failure that names nothing blocks: critical_error / high
    assert (findings["test_untagged"]["trigger"], findings["test_untagged"]["severity"]) == (
        "critical_error",
        "high",
    )
    outcomes = {c["id"].split("::")[-1]: c["outcome"] for c in result["checks"]}
    assert outcomes["test_passes"] == "passed"
    assert outcomes["test_skipped"] == "skipped"
    assert outcomes["test_cannot_run"] == "error"
    assert result["status"] == "failed"
    run.stdout.fnmatch_lines(["*CRITICAL*data_loss*Bytes survive a round trip*"])


def test_bad_gate_marker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.gate(trigger="oops", severity="high")
        def test_x():
            pass
        """
    )
    run = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    run.stderr.fnmatch_lines(["*bad gate marker*oops*"])
    assert run.ret != 0


def test_no_selected_checks_is_an_error_not_a_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    _, result = results(pytester, "-m", "smoke")
    assert result["status"] == "error"
    assert result["reason"] == "no checks selected"


def test_one_embedded_target_for_all_xdist_workers(pytester: pytest.Pytester) -> None:
    seen = pytester.path / "seen"
    seen.mkdir()
    pytester.makepyfile(
        f"""
        import os, pathlib, pytest

        @pytest.mark.parametrize("n", range(6))
        def test_target(postdeploy_target, postdeploy_admin, n):
            assert postdeploy_admin.get("/api/v2/media").status_code == 200
            out = pathlib.Path({str(seen)!r}) / f"{{os.getpid()}}-{{n}}"
            out.write_text(postdeploy_target.url)
        """
    )
    run, result = results(pytester, "-n", "2")
    assert run.ret == 0, run.stdout.str()
    files = list(seen.iterdir())
    assert len({f.name.split("-")[0] for f in files}) == 2, "both workers ran tests"
    urls = {f.read_text() for f in files}
    assert len(urls) == 1, f"one shared target expected, saw {urls}"
    assert result["status"] == "passed"
    with pytest.raises(httpx.ConnectError):  # stopped when the session ended
        httpx.get(urls.pop() + "/healthz", timeout=2)


def test_explicit_target_and_run_tag(pytester: pytest.Pytester, start_unimedia) -> None:
    server = start_unimedia("")
    pytester.makepyfile(
        """
        def test_target(postdeploy_target, postdeploy_run_tag):
            assert postdeploy_target.url.startswith("http://127.0.0.1:")
            # the stage and the xdist worker: a session's sweep keeps off the others' media
            assert postdeploy_run_tag == "postdeploy-run=fixed-id/demo/main"
        """
    )
    for key, value in server.env().items():
        if key.startswith("POSTDEPLOY_"):
            pytester._monkeypatch.setenv(key, value)
    run, result = results(pytester, "--postdeploy-run-id", "fixed-id")
    assert run.ret == 0, run.stdout.str()
    assert result["status"] == "passed"


def test_plugin_is_registered_once(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["postdeploy.pytest.plugin"]\n')
    pytester.makepyfile("def test_x(postdeploy_run_id):\n    assert postdeploy_run_id\n")
    run = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert run.ret == 0, run.stdout.str() + run.stderr.str()


def test_the_plugin_is_the_one_place_markers_are_declared(pytester: pytest.Pytester) -> None:
    """``--strict-markers`` accepts every stage marker and ``gate`` with only the plugin
    loaded (no ini ``markers`` list), and still refuses an unknown one."""
    import tomllib

    from postdeploy.pytest.plugin import MARKERS

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    ini = tomllib.loads(pyproject.read_text())["tool"]["pytest"]["ini_options"]
    assert "markers" not in ini, "declare markers in the plugin's MARKERS only"
    names = [line.split(":")[0].split("(")[0] for line in MARKERS]
    pytester.makeconftest('pytest_plugins = ["postdeploy.pytest.plugin"]\n')
    marks = "".join(f"@pytest.mark.{name}\n" for name in names if name != "gate")
    pytester.makepyfile(
        "import pytest\n"
        f"{marks}@pytest.mark.gate(trigger='data_loss', severity='low')\n"
        "def test_marked():\n    pass\n"
        "@pytest.mark.smokee\ndef test_typo():\n    pass\n"
    )
    run = pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider")
    assert run.ret != 0
    run.stdout.fnmatch_lines(["*'smokee' not found in `markers` configuration option*"])
    assert "'smoke' not found" not in run.stdout.str()


def test_a_failing_checks_evidence_files_are_attached_to_its_finding(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def _shot(artifacts):
            path = artifacts.path("screenshot.png")
            path.write_bytes(b"png")
            artifacts.add_file("Screenshot", path, "image/png")
            artifacts.add_note("Browser console errors:\\n  boom")

        def _broken(artifacts):
            raise OSError("disk full")

        def test_fails(postdeploy_artifacts):
            postdeploy_artifacts.on_failure("screenshot", _shot)
            postdeploy_artifacts.on_failure("trace", _broken)
            assert False, "the button did nothing"

        def test_passes(postdeploy_artifacts):
            postdeploy_artifacts.on_failure("screenshot", _shot)
        """
    )
    _, result = results(pytester)
    (finding,) = result["findings"]
    (path,) = finding["attachments"]
    assert path.startswith("artifacts/test_a_failing_checks_evidence")
    assert path.endswith(".py-test_fails/screenshot.png")
    assert (pytester.path / path).read_bytes() == b"png"
    assert "the button did nothing" in finding["evidence"]
    assert "boom" in finding["evidence"]
    assert "trace could not be saved: OSError: disk full" in finding["evidence"]
    # a check that passed leaves nothing behind
    assert [p.name for p in (pytester.path / "artifacts").iterdir()] == [Path(path).parent.name]


def test_progress_is_one_line_per_finished_check_under_xdist(pytester: pytest.Pytester) -> None:
    """The controller writes the progress file — xdist workers' reports all reach it — so
    two workers give one "planned" line and exactly one line per check (issue 21 §2)."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_many(n):
            assert n != 4

        def test_skipped():
            pytest.skip("no")
        """
    )
    progress = pytester.path / "progress.jsonl"
    _, result = results(pytester, "-n", "2", "--postdeploy-progress", str(progress))
    from postdeploy.progress import CheckDone, ChecksPlanned, from_json_line

    events = [from_json_line(line) for line in progress.read_text().splitlines()]
    assert events[0] == ChecksPlanned("demo", 7)
    done = [event for event in events[1:] if isinstance(event, CheckDone)]
    assert len(done) == len(events) - 1 == 7
    assert sorted(e.check_id for e in done) == sorted(c["id"] for c in result["checks"])
    outcomes = {e.check_id.rsplit("::", 1)[-1]: e.outcome.value for e in done}
    assert outcomes["test_many[4]"] == "failed"
    assert outcomes["test_skipped"] == "skipped"


def test_a_check_retried_after_a_timeout_is_flaky_not_passed(pytester: pytest.Pytester) -> None:
    """pytest-rerunfailures' retry: a pass after it is FLAKY with the first failure kept; a
    failure after it is an ordinary failure with its finding."""
    pytest.importorskip("pytest_rerunfailures")
    pytester.makepyfile(
        """
        import pytest

        ATTEMPTS = {}

        def again(error):
            return isinstance(error, TimeoutError)

        @pytest.mark.flaky(reruns=1, condition=again)
        def test_slow_once(request):
            n = ATTEMPTS[request.node.nodeid] = ATTEMPTS.get(request.node.nodeid, 0) + 1
            if n == 1:
                raise TimeoutError("waited 10 s for the page")

        @pytest.mark.flaky(reruns=1, condition=again)
        def test_always_slow():
            raise TimeoutError("waited 10 s for the page")

        @pytest.mark.flaky(reruns=1, condition=again)
        def test_wrong_bytes():
            assert b"a" == b"b"
        """
    )
    progress = pytester.path / "progress.jsonl"
    _, result = results(pytester, "--postdeploy-progress", str(progress))
    checks = {c["id"].rsplit("::", 1)[-1]: c for c in result["checks"]}
    assert checks["test_slow_once"]["outcome"] == "flaky"
    assert "TimeoutError: waited 10 s" in checks["test_slow_once"]["message"]
    assert checks["test_always_slow"]["outcome"] == "failed"
    assert checks["test_wrong_bytes"]["outcome"] == "failed"
    assert {f["origin"].rsplit("::", 1)[-1] for f in result["findings"]} == {
        "test_always_slow",
        "test_wrong_bytes",
    }
    assert result["status"] == "failed"
    lines = progress.read_text().splitlines()
    assert len(lines) == 1 + 3, "a retried check is reported once, when it is final"
    assert '"outcome": "flaky"' in "".join(lines)
