"""What postdeploy's child processes (pytest stages, Locust) are started with.

Its own module, below both the stages and the load runner: the load runner is imported by
the load stage, so it cannot import from the stages package without a cycle.
Passwords reach a child through its environment, never its command line (which any user
of the machine can read).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from postdeploy.config import TargetSettings, password_env_name, process_environment

__all__ = ["PROJECT_ROOT", "node_extra_ca_certs", "target_environment"]

#: The checkout the suites, e2e/, security/ and load/ live in.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def target_environment(
    target: TargetSettings, run_id: str, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The child's environment: ``base`` (the run's ``Config.environment``; None: this
    process's) plus the target, accounts and passwords, explicitly."""
    env = dict(base) if base is not None else process_environment()
    if target.url:
        env["POSTDEPLOY_TARGET"] = target.url
    env["POSTDEPLOY_RUN_ID"] = run_id
    env["POSTDEPLOY_TIMEOUT"] = str(target.timeout_s)
    env["POSTDEPLOY_ACCOUNTS"] = ",".join(f"{a.username}:{a.role}" for a in target.accounts)
    for account in target.accounts:
        if account.password is not None:
            env[password_env_name(account.username)] = account.password.reveal()
    if target.expected_version:
        env["POSTDEPLOY_EXPECTED_VERSION"] = target.expected_version
    if target.ca_file is not None:
        # the embedded target's run CA (or the user's private one): every child trusts it
        env["POSTDEPLOY_CA_FILE"] = str(target.ca_file)
        # ... Playwright's Node driver too (``page.request``, the e2e isolation checks):
        # Node reads one extra CA file, once, when it starts
        env["NODE_EXTRA_CA_CERTS"] = str(node_extra_ca_certs(target.ca_file, env))
    return env


def node_extra_ca_certs(ca_file: Path, env: Mapping[str, str]) -> Path:
    """The file for Node's ``NODE_EXTRA_CA_CERTS``: ``ca_file``, or, where the environment
    names one already (a corporate CA), both in one bundle beside ``ca_file`` — Node takes a
    single file, and replacing the user's would break what it was there for."""
    theirs = env.get("NODE_EXTRA_CA_CERTS", "")
    if not theirs or Path(theirs) == ca_file:
        return ca_file
    bundle = ca_file.with_name(f"{ca_file.stem}-and-node-extra.pem")
    try:
        bundle.write_bytes(Path(theirs).read_bytes().rstrip() + b"\n" + ca_file.read_bytes())
    except OSError:
        return ca_file  # theirs is unreadable: Node would have ignored it with a warning
    return bundle
