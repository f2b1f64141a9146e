"""The embedded default target: a real unimedia on a free loopback port.

One run starts one server (``postdeploy verify`` in-process; plain pytest through
:class:`SharedEmbedded`, which lets every xdist worker use the first worker's server).
Passwords are random per start and reach the server through a 0600 file, never argv.
It serves HTTPS by default, with a certificate from a CA made for the run
(:mod:`postdeploy.target.authority`) that the run's clients trust through
``TargetSettings.ca_file``; ``https=False`` (``--embedded-http``) serves plain HTTP.
The server is started with ``--watch-pid`` so it dies with the run even when the run is
killed before it can stop the server itself.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import queue
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from filelock import FileLock

from postdeploy.config import (
    DEFAULT_ACCOUNTS,
    Account,
    Secret,
    TargetSettings,
    process_environment,
)
from postdeploy.errors import EmbeddedTargetError
from postdeploy.target.authority import RunAuthority
from postdeploy.target.leftovers import owned_tempdir
from postdeploy.target.previous_release import ReleaseCode, unimedia_launcher
from postdeploy.target.processes import STOP_TIMEOUT_S, stop_process

__all__ = ["EmbeddedUnimedia", "SharedEmbedded", "expected_unimedia_version"]

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 30.0


def expected_unimedia_version() -> str:
    """The release the embedded target should report: the unimedia package's version."""
    import unimedia  # light: the package's __init__ only holds metadata

    return unimedia.__version__


class EmbeddedUnimedia:
    """Start ``python -m unimedia serve`` in a temporary directory; stop it on exit.

    ``code``: run that release's unimedia (the previous release, unpacked) instead of the
    installed one; it reports its own version and source commit."""

    def __init__(
        self,
        *,
        log_path: Path | None = None,
        watch_pid: int | None = None,
        timeout_s: float = 10.0,
        faults: str | None = None,
        accounts: tuple[Account, ...] | None = None,
        environment: Mapping[str, str] | None = None,
        https: bool = True,
        authority: RunAuthority | None = None,
        code: ReleaseCode | None = None,
    ) -> None:
        """``faults=None`` keeps whatever ``UNIMEDIA_FAULTS`` the environment has; "" clears
        it. ``environment``: what the server starts with (a run's ``Config.environment``;
        None: this process's). ``accounts`` (with passwords) are seeded instead of fresh
        ones: a paired load run logs in to two instances with the same credentials.
        ``authority``: issue the certificate from this CA instead of a fresh one (a paired
        load run's two instances, so that one Locust trusts both)."""
        self._faults = faults
        self._code = code
        self._environment = dict(environment) if environment is not None else None
        self._accounts = accounts
        self._log_path = log_path
        self._watch_pid = watch_pid if watch_pid is not None else os.getpid()
        self._timeout_s = timeout_s
        self._https = https
        self.authority = authority
        self._workdir: Path | None = None
        self._process: subprocess.Popen[str] | None = None
        self.settings: TargetSettings | None = None

    def start(self) -> TargetSettings:
        """Start the server and return settings pointing at it, with fresh passwords."""
        if importlib.util.find_spec("fastapi") is None:
            raise EmbeddedTargetError(
                "the embedded target needs unimedia's dependencies: "
                "pip install -e '.[unimedia]' (or give --target URL)"
            )
        # Owned: a later run removes it if this one is killed (postdeploy.target.leftovers).
        self._workdir = owned_tempdir("unimedia", owner_pid=self._watch_pid)
        accounts = self._accounts or tuple(
            Account(a.username, a.role, Secret(secrets.token_urlsafe(18))) for a in DEFAULT_ACCOUNTS
        )
        accounts_file = self._workdir / "accounts.json"
        accounts_file.touch(mode=0o600)
        accounts_file.write_text(
            json.dumps(
                {
                    "accounts": [
                        {"username": a.username, "password": a.password.reveal(), "role": a.role}
                        for a in accounts
                        if a.password is not None
                    ]
                }
            ),
            encoding="utf-8",
        )
        log_path = self._log_path or self._workdir / "unimedia.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        launch = unimedia_launcher(self._code)
        command = [
            *launch, "serve",
            "--host", "127.0.0.1", "--port", "0",
            "--data", str(self._workdir / "data"),
            "--accounts", str(accounts_file),
            "--watch-pid", str(self._watch_pid),
        ]  # fmt: skip
        ca_key: Path | None = None
        if self._https:
            if self.authority is None:
                self.authority = RunAuthority(self._workdir)
            ca_key = self.authority.write_key(self._workdir / "run-ca-key.pem")
            command += ["--tls-ca-cert", str(self.authority.cert_file), "--tls-ca-key", str(ca_key)]
        env = dict(self._environment) if self._environment is not None else process_environment()
        if self._faults is not None:
            env["UNIMEDIA_FAULTS"] = self._faults
        if self._code is not None:
            env["UNIMEDIA_COMMIT"] = self._code.commit  # its /version says which code runs
        with log_path.open("ab") as log_file:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed argv
                command,
                env=env,
                stdout=subprocess.PIPE,
                stderr=log_file,
                text=True,
                start_new_session=True,  # Ctrl-C reaches us; we stop the server ourselves
            )
        url = self._read_url(log_path)
        # The server has read its accounts (and issued its certificate): the passwords and
        # the CA's key leave the disk now, not at stop(), so a run killed with SIGKILL
        # leaves none behind (issue 16).
        accounts_file.unlink(missing_ok=True)
        if ca_key is not None:
            ca_key.unlink(missing_ok=True)
        self.settings = TargetSettings(
            url=url,
            accounts=accounts,
            expected_version=(
                expected_unimedia_version() if self._code is None else self._code.version
            ),
            timeout_s=self._timeout_s,
            ca_file=self.authority.cert_file if self._https and self.authority else None,
        )
        log.info("embedded unimedia at %s (pid %s)", url, self._process.pid)
        return self.settings

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and remove its temporary data."""
        if self._process is not None:
            stop_process(self._process)
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> TargetSettings:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _read_url(self, log_path: Path) -> str:
        if self._process is None or self._process.stdout is None:
            raise EmbeddedTargetError("embedded unimedia was not started")
        lines: queue.Queue[str] = queue.Queue()
        stdout = self._process.stdout

        def read_first_line() -> None:
            try:
                lines.put(stdout.readline())
            except (ValueError, OSError):  # stop() closed the pipe (Ctrl-C while starting)
                lines.put("")

        threading.Thread(target=read_first_line, daemon=True).start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.05).strip()
            except queue.Empty:
                if self._process.poll() is not None:
                    break
                continue
            if line.startswith(("http://", "https://")):
                return line
            break
        why = _last_line(log_path) or "it printed no URL"
        self.stop()
        raise EmbeddedTargetError(f"embedded unimedia did not start: {why}")


def _last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""


class SharedEmbedded:
    """One embedded server for a whole pytest session, xdist workers included.

    The first process that needs the target starts it under a file lock in a directory
    the controller created, and leaves the connection details (0600) there; the others
    read them. The controller calls :meth:`stop` at the end of the session.
    """

    STATE = "embedded.json"

    def __init__(self, shared_dir: Path, *, watch_pid: int) -> None:
        self._dir = shared_dir
        self._watch_pid = watch_pid
        self._owned: EmbeddedUnimedia | None = None

    def get(self, *, https: bool = True) -> TargetSettings:
        """The shared target; ``https`` matters only to the process that starts it."""
        state = self._dir / self.STATE
        with FileLock(str(self._dir / "embedded.lock")):
            if state.exists():
                return _load_state(state)
            server = EmbeddedUnimedia(
                log_path=self._dir / "unimedia.log", watch_pid=self._watch_pid, https=https
            )
            settings = server.start()
            self._owned = server
            state.touch(mode=0o600)
            state.write_text(_dump_state(settings, server.pid), encoding="utf-8")
            return settings

    def stop(self) -> None:
        """Stop the server whoever started it, then remove the shared directory."""
        if self._owned is not None:
            self._owned.stop()
        state = self._dir / self.STATE
        if state.exists():
            pid = json.loads(state.read_text(encoding="utf-8")).get("pid")
            if isinstance(pid, int):
                _stop_pid(pid)
        shutil.rmtree(self._dir, ignore_errors=True)


def _dump_state(settings: TargetSettings, pid: int | None) -> str:
    return json.dumps(
        {
            "pid": pid,
            "url": settings.url,
            "expected_version": settings.expected_version,
            "ca_file": str(settings.ca_file) if settings.ca_file else None,
            "accounts": [
                {
                    "username": a.username,
                    "role": a.role,
                    "password": a.password.reveal() if a.password else None,
                }
                for a in settings.accounts
            ],
        }
    )


def _load_state(path: Path) -> TargetSettings:
    data = json.loads(path.read_text(encoding="utf-8"))
    return TargetSettings(
        url=data["url"],
        expected_version=data["expected_version"],
        ca_file=Path(data["ca_file"]) if data.get("ca_file") else None,
        accounts=tuple(
            Account(item["username"], item["role"], Secret(item["password"]))
            for item in data["accounts"]
        ),
    )


def _stop_pid(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            os.kill(pid, 0)  # raises ProcessLookupError once it is gone
            if _is_zombie(pid):  # exited; its parent (a finished worker) never reaped it
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"
