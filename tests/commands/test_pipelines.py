"""The GitHub Action (``action.yml``) and the GitLab CI template run as their runners would
run them: every ``run:`` step / ``script:`` line through bash, in order, with the inputs
and variables substituted — here, against the embedded target and an unreachable one.
The ``uses:`` steps (artifact uploads) cannot run off GitHub; the test checks that the
paths they upload exist."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = str(Path(sys.executable).parent)  # where this venv's postdeploy is: install is skipped


def _substitute(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: values.get(m.group(1), ""), text)


def _dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _run_action(inputs: dict[str, str], cwd: Path, env: dict[str, str]) -> tuple[int, dict]:
    """Run the composite action's steps as the runner does (`bash --noprofile --norc -eo
    pipefail`, step outputs, `if: always()`)."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    defaults = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values = {f"inputs.{k}": v for k, v in (defaults | inputs).items()}
    values["github.action_path"] = str(REPO)
    summary, outputs_file = cwd / "step-summary.md", cwd / "github-output"
    outputs: dict[str, dict[str, str]] = {}
    failed = 0
    uploads: list[str] = []
    for step in action["runs"]["steps"]:
        condition = str(step.get("if", ""))
        for step_id, found in outputs.items():
            for key, value in found.items():
                values[f"steps.{step_id}.outputs.{key}"] = value
        if failed and "always()" not in condition:
            continue
        if "uses" in step:
            uploads += _substitute(step["with"]["path"], values).split()
            continue
        outputs_file.write_text("")
        step_env = env | {k: _substitute(str(v), values) for k, v in step.get("env", {}).items()}
        step_env |= {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs_file)}
        shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]]
        done = subprocess.run(shell, cwd=cwd, env=step_env, capture_output=True, text=True,
                              timeout=300, check=False)  # fmt: skip
        if "id" in step:
            outputs[step["id"]] = dict(
                line.split("=", 1) for line in outputs_file.read_text().splitlines() if line
            )
        if done.returncode != 0:
            failed = done.returncode
    return failed, {"outputs": outputs.get("verify", {}), "summary": summary, "uploads": uploads}


def test_the_github_action_gates_the_job_and_publishes_the_evidence(tmp_path, base_env) -> None:
    env = base_env(PATH=BIN + os.pathsep + os.environ["PATH"])
    code, seen = _run_action({"profile": "smoke"}, tmp_path, env)
    assert code == 0
    assert seen["outputs"]["decision"] == "GO"
    assert "GO" in seen["summary"].read_text()  # summary.md went to the step summary
    for path in seen["uploads"]:
        assert Path(path).exists(), path  # what upload-artifact would upload is there

    code, seen = _run_action({"target": _dead_url(), "inconclusive-exit-code": "2"},
                             tmp_path, env | {"POSTDEPLOY_PASSWORD_ALICE": "a",
                                              "POSTDEPLOY_PASSWORD_BOB": "b",
                                              "POSTDEPLOY_PASSWORD_ADMIN": "c"})  # fmt: skip
    assert code == 2  # the job fails with the verdict's exit code
    assert seen["outputs"]["decision"] == "INCONCLUSIVE"
    assert "INCONCLUSIVE" in seen["summary"].read_text()


def test_the_gitlab_template_gates_the_job(tmp_path, base_env) -> None:
    template = yaml.safe_load((REPO / "ci" / "postdeploy.gitlab-ci.yml").read_text())
    job = template[".postdeploy-verify"]
    env = base_env(PATH=BIN + os.pathsep + os.environ["PATH"]) | {
        k: str(v) for k, v in job["variables"].items()
    }
    env |= {"POSTDEPLOY_TARGET": _dead_url(), "POSTDEPLOY_PASSWORD_ALICE": "a",
            "POSTDEPLOY_PASSWORD_BOB": "b", "POSTDEPLOY_PASSWORD_ADMIN": "c"}  # fmt: skip
    script = "set -eo pipefail\n" + "\n".join(job["script"])  # as GitLab's shell executor does
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "INCONCLUSIVE" in done.stdout  # the summary, in the job log
    for path in [*job["artifacts"]["paths"], job["artifacts"]["reports"]["junit"]]:
        assert (tmp_path / path).exists(), path
