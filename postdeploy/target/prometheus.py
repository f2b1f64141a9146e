"""A real Prometheus (and a node exporter where installed) for the embedded default target.

On a real deployment the user's own Prometheus is given by URL. For the embedded unimedia
postdeploy starts its own: Debian's ``prometheus`` binary on a free loopback port, a
generated config scraping unimedia's ``/metrics`` every ``scrape_interval_s`` (1 s by
default, so a compressed watch has data after seconds), a temporary TSDB, and
``--web.enable-lifecycle`` so it is stopped over HTTP (``POST /-/quit``) and flushes its
head block like a real shutdown. Children get ``PR_SET_PDEATHSIG`` so that a run killed with
SIGKILL does not leave a Prometheus behind (unimedia has ``--watch-pid`` for the same job).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import httpx

from postdeploy.errors import MonitoringError
from postdeploy.target.leftovers import owned_tempdir
from postdeploy.target.processes import spawn_service, stop_process, wait_ready

__all__ = [
    "PROMETHEUS_INSTALL_HINT",
    "EmbeddedPrometheus",
    "find_prometheus",
    "free_port",
    "prometheus_config",
]

log = logging.getLogger(__name__)

PROMETHEUS_INSTALL_HINT = (
    "the prometheus binary is not installed "
    "(apt-get install prometheus, or give POSTDEPLOY_PROMETHEUS_URL)"
)
READY_TIMEOUT_S = 30.0


def find_prometheus() -> str | None:
    """Path of the ``prometheus`` binary, or None."""
    return shutil.which("prometheus")


def free_port() -> int:
    """A loopback port that was free a moment ago (the caller retries if it is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prometheus_config(
    *,
    unimedia: str,
    node_exporter: str | None,
    scrape_interval_s: float,
    rule_files: Sequence[str] = (),
    ca_file: str | None = None,
) -> str:
    """The generated ``prometheus.yml`` (JSON is valid YAML: no templating of untrusted text).

    ``unimedia`` and ``node_exporter`` are ``host:port`` scrape addresses; ``rule_files``
    are alerting-rules files Prometheus loads (as a production one has them loaded).
    ``ca_file``: unimedia serves HTTPS with a certificate from this CA (the run's own):
    scraped over HTTPS, verifying against it.
    """
    interval = _duration(scrape_interval_s)
    unimedia_job: dict[str, object] = {
        "job_name": "unimedia",
        "metrics_path": "/metrics",
        "static_configs": [{"targets": [unimedia]}],
    }
    if ca_file:
        unimedia_job |= {"scheme": "https", "tls_config": {"ca_file": ca_file}}
    scrapes = [unimedia_job]
    if node_exporter:
        scrapes.append({"job_name": "node", "static_configs": [{"targets": [node_exporter]}]})
    config = {
        # scrape_timeout may not exceed the interval; Prometheus' default (10 s) would.
        "global": {
            "scrape_interval": interval,
            "scrape_timeout": interval,
            "evaluation_interval": interval,
        },
        "scrape_configs": scrapes,
    }
    if rule_files:
        config["rule_files"] = list(rule_files)
    return json.dumps(config, indent=2) + "\n"


def _duration(seconds: float) -> str:
    millis = max(1, round(seconds * 1000))
    return f"{millis // 1000}s" if millis % 1000 == 0 else f"{millis}ms"


class EmbeddedPrometheus:
    """Start Prometheus (+ node exporter) scraping ``unimedia``; restartable on the same TSDB.

    Start it from the main thread: the death signal fires when the *thread* that forked the
    child ends, so a worker thread would take Prometheus down with it.
    """

    def __init__(
        self,
        *,
        unimedia: str,
        scrape_interval_s: float = 1.0,
        log_path: Path | None = None,
        node_exporter: bool = True,
        binary: str | None = None,
        rules: str | None = None,
        ca_file: Path | None = None,
    ) -> None:
        """``rules``: the text of an alerting-rules file to load (``postdeploy rules``).
        ``ca_file``: scrape unimedia over HTTPS, trusting this CA."""
        self._unimedia = unimedia
        self._ca_file = ca_file
        self._scrape_interval_s = scrape_interval_s
        self._log_path = log_path
        self._want_node_exporter = node_exporter
        self._binary = binary if binary is not None else find_prometheus()
        self._rules = rules
        self._workdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._exporter: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        self.node_exporter: str | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("Prometheus has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> str:
        """Start Prometheus and wait until it is ready; return its URL."""
        if self._binary is None or shutil.which(self._binary) is None:
            raise MonitoringError(PROMETHEUS_INSTALL_HINT)
        self._workdir = owned_tempdir("prometheus")  # a later run removes it if we are killed
        self.node_exporter = self._start_node_exporter()
        config = self._workdir / "prometheus.yml"
        rule_files = []
        if self._rules is not None:
            (self._workdir / "rules.yml").write_text(self._rules, encoding="utf-8")
            rule_files.append(str(self._workdir / "rules.yml"))
        config.write_text(
            prometheus_config(
                unimedia=self._unimedia,
                node_exporter=self.node_exporter,
                scrape_interval_s=self._scrape_interval_s,
                rule_files=rule_files,
                ca_file=str(self._ca_file) if self._ca_file else None,
            ),
            encoding="utf-8",
        )
        self.port = free_port()
        self._launch()
        return self.url

    def restart(self) -> None:
        """Start Prometheus again on the same port and TSDB (after it died or was killed)."""
        if self._workdir is None or self.port is None:
            raise RuntimeError("Prometheus was never started")
        if self.alive():
            return
        self._launch()

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as an operator's mistake or the OOM killer would (for the proofs)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def stop(self) -> None:
        """Quit over HTTP (clean TSDB shutdown), then SIGTERM/SIGKILL; remove the TSDB."""
        if self._process is not None and self._process.poll() is None:
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(f"{self.url}/-/quit", timeout=2.0)
            stop_process(self._process, ask=False)  # /-/quit asked it
        self._process = None
        if self._exporter is not None:
            stop_process(self._exporter)
            self._exporter = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> EmbeddedPrometheus:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _launch(self) -> None:
        assert self._workdir is not None  # noqa: S101 - start() set it
        command = [
            str(self._binary),
            f"--config.file={self._workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={self._workdir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--web.enable-lifecycle",
            "--storage.tsdb.retention.time=3d",
            "--log.level=warn",
        ]
        self._process = self._spawn(command, "prometheus.log")
        self._wait_ready()
        log.info("embedded Prometheus at %s (pid %s)", self.url, self._process.pid)

    def _start_node_exporter(self) -> str | None:
        binary = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
        if not self._want_node_exporter or binary is None:
            return None
        port = free_port()
        # Only the collectors the rules and the timeline read: cheap to scrape every second.
        command = [
            binary,
            f"--web.listen-address=127.0.0.1:{port}",
            "--collector.disable-defaults",
            "--collector.cpu",
            "--collector.meminfo",
            "--collector.filesystem",
            "--collector.netdev",
            "--collector.loadavg",
        ]
        self._exporter = self._spawn(command, "node-exporter.log")
        address = f"127.0.0.1:{port}"
        if not wait_ready(f"http://{address}/metrics", self._exporter, 10.0):
            log.warning("node exporter did not start; disk and network are not scraped")
            stop_process(self._exporter)
            self._exporter = None
            return None
        return address

    def _spawn(self, command: Sequence[str], log_name: str) -> subprocess.Popen[bytes]:
        assert self._workdir is not None  # noqa: S101 - start() set it
        log_path = (
            self._log_path.with_name(log_name) if self._log_path else self._workdir / log_name
        )
        return spawn_service(command, log_path)

    def _wait_ready(self) -> None:
        assert self._process is not None  # noqa: S101
        if wait_ready(f"{self.url}/-/ready", self._process, READY_TIMEOUT_S):
            return
        why = "exited" if self._process.poll() is not None else "not ready in time"
        self.stop()
        raise MonitoringError(f"Prometheus did not start ({why}); see prometheus.log")
