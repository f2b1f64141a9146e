"""The load test: a realistic mix of the unified media API's traffic.

Works three ways:

* ``postdeploy load`` / the load stage of ``postdeploy verify`` (headless, judged against
  the baseline of the last good release);
* plain ``locust -f load/locustfile.py --host URL`` (web UI or ``--headless``);
* distributed: ``--processes N`` on one machine, or ``--master`` here and
  ``locust -f load/locustfile.py --worker --master-host HOST`` on other machines.

Accounts come from the same variables postdeploy uses: ``POSTDEPLOY_ACCOUNTS``
(``alice:user,bob:user``; default alice and bob) and ``POSTDEPLOY_PASSWORD_<NAME>``.
Every simulated user logs in, uploads two files of its own (tagged with the run id, deleted
when it stops) and then lists, reads metadata, downloads (some with ``Range``) and uploads
small files, with think time. Request names collapse ids (``/api/v2/media/{id}``), one name
per endpoint, so the statistics and the baseline compare like with like.

When ``POSTDEPLOY_SAMPLES_DIR`` is set, every request's latency is written there (one file
per process) so the judge sees the whole distribution, not Locust's rounded percentiles.

When ``POSTDEPLOY_REFERENCE_HOST`` is set too, the run is *paired*: every other simulated
user works against that reference release instead of ``--host``, in the same process and
at the same moments, and each sample says which side it came from. Whatever slows the
load generator or the machine then slows both sides alike instead of passing for a
regression (Locust's own statistics mix the two sides; the samples keep them apart).

Samples are flushed while the run goes on (at most half a second late), each with the time
it completed, so the load stage can judge the run in rounds and stop it as soon as it is
decided (``docs/load.md``). At the end every process also writes ``meta-<pid>.json``: its
own CPU use as Locust's usage monitor saw it, and whether Locust warned that its CPU was
above 90 % — a saturated load generator measures itself, not the server.

``GET /healthz [control]`` is the *control* request: its cost does not depend on the
release, so when it is slower than in a recorded baseline, the machine is (issue 23).

With ``POSTDEPLOY_ARRIVAL_RATE`` (requests per second, per side) the load is *open loop*:
requests start at Poisson arrival times whether or not earlier ones have answered, so a
slower release meets the same offered load instead of a politely waiting client. Each
simulated user then keeps at most ``OPEN_LOOP_IN_FLIGHT`` requests in flight (beyond that
an arrival waits: the traffic stays bounded).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
from gevent.pool import Pool
from locust import HttpUser, between, events, task
from locust.runners import WorkerRunner

from postdeploy.checks.sample_files import png

MEDIA = "/api/v2/media"
RUN_ID = os.environ.get("POSTDEPLOY_RUN_ID", "locust")
# Its own tag: other stages of the same run sweep their tag while the load is running.
TAG = f"postdeploy-run={RUN_ID}-load"
LARGE = 512 * 1024
SETUP = " [setup]"


def _accounts() -> list[tuple[str, str]]:
    declared = os.environ.get("POSTDEPLOY_ACCOUNTS", "alice:user,bob:user")
    names = [item.split(":")[0] for item in declared.split(",") if item.endswith(":user")]
    return [
        (name, os.environ.get("POSTDEPLOY_PASSWORD_" + re.sub(r"\W", "_", name).upper(), ""))
        for name in names
    ]


_ACCOUNTS = itertools.cycle(_accounts() or [("alice", "")])
REFERENCE_HOST = os.environ.get("POSTDEPLOY_REFERENCE_HOST") or None
_SIDE_NAMES = ("candidate", "reference") if REFERENCE_HOST else ("candidate",)
_SIDES = itertools.cycle(_SIDE_NAMES)
ARRIVAL_RATE = float(os.environ.get("POSTDEPLOY_ARRIVAL_RATE") or 0)
# The CA each side's certificate chains to (the embedded target's run CA, or a private one),
# trusted instead of the default store; unset: the default store. Never verification off.
CA_FILES = {
    "candidate": os.environ.get("POSTDEPLOY_CA_FILE") or None,
    "reference": os.environ.get("POSTDEPLOY_REFERENCE_CA_FILE") or None,
}
OPEN_LOOP_IN_FLIGHT = 20


class MediaUser(HttpUser):
    """One person using the media repository through the unified API."""

    wait_time = between(0.05, 0.25)

    def __init__(self, environment: object) -> None:
        self.side = next(_SIDES)
        if self.side == "reference":
            self.host = REFERENCE_HOST  # before the client is made for it
        super().__init__(environment)
        if ca_file := CA_FILES[self.side]:
            self.client.verify = ca_file

    def context(self) -> dict[str, str]:
        """Passed with every request event: which side of a paired run it belongs to."""
        return {"side": self.side}

    def on_start(self) -> None:
        username, password = next(_ACCOUNTS)
        response = self.client.post(
            "/api/v2/auth/login", json={"username": username, "password": password},
            name="POST /api/v2/auth/login",
        )  # fmt: skip
        token = response.json().get("access_token", "") if response.ok else ""
        self.client.headers["Authorization"] = f"Bearer {token}"
        # Once per user, like the log-in: named apart so they do not blur the distribution
        # of the small uploads the judge compares.
        small = self._upload(png(48, 48), "small.png", "image/png", SETUP)  # visible in v1 too
        large = self._upload(
            random.randbytes(LARGE), "large.bin", "application/octet-stream", SETUP
        )
        self.own = [media_id for media_id in (small, large) if media_id]

    def on_stop(self) -> None:
        for media_id in self.own:
            self.client.delete(f"{MEDIA}/{media_id}", name=f"DELETE {MEDIA}/{{id}}")

    def _upload(
        self, body: bytes, filename: str, content_type: str, suffix: str = ""
    ) -> str | None:
        response = self.client.post(
            MEDIA,
            files={"file": (filename, body, content_type)},
            data={"tags": TAG},
            name=f"POST {MEDIA}{suffix}",
        )
        return str(response.json()["id"]) if response.status_code == 201 else None

    @task(5)
    def list_media(self) -> None:
        self.client.get(MEDIA, params={"limit": 20}, name=f"GET {MEDIA}")

    @task(2)
    def list_filtered(self) -> None:
        kind = random.choice(["image", "video", "document"])
        self.client.get(MEDIA, params={"limit": 20, "kind": kind}, name=f"GET {MEDIA}?kind")

    @task(4)
    def metadata(self) -> None:
        if self.own:
            self.client.get(f"{MEDIA}/{self.own[0]}", name=f"GET {MEDIA}/{{id}}")

    @task(3)
    def download_small(self) -> None:
        if self.own:
            self.client.get(f"{MEDIA}/{self.own[0]}/content", name=f"GET {MEDIA}/{{id}}/content")

    @task(1)
    def download_large_range(self) -> None:
        if len(self.own) > 1:
            start = random.randrange(0, LARGE - 65536)
            self.client.get(
                f"{MEDIA}/{self.own[1]}/content",
                headers={"Range": f"bytes={start}-{start + 65535}"},
                name=f"GET {MEDIA}/{{id}}/content [range]",
            )

    @task(2)  # uploads are critical: enough of them for the judge in a one-minute run
    def upload_and_delete(self) -> None:
        media_id = self._upload(random.randbytes(4096), "upload.bin", "application/octet-stream")
        if media_id:
            self.client.delete(f"{MEDIA}/{media_id}", name=f"DELETE {MEDIA}/{{id}}")

    # The legacy clients that still read through the pre-unification contracts.
    @task(2)
    def legacy_images(self) -> None:
        self.client.get("/api/v1/images", params={"page": 1, "per_page": 20},
                        name="GET /api/v1/images")  # fmt: skip

    @task(1)
    def legacy_videos(self) -> None:
        self.client.get("/api/v1/videos", params={"limit": 20}, name="GET /api/v1/videos")

    @task(1)
    def legacy_documents(self) -> None:
        self.client.get("/api/v1/documents", params={"offset": 0, "limit": 20},
                        name="GET /api/v1/documents")  # fmt: skip

    @task(4)  # enough of them to be decided before the endpoints it vouches for
    def control(self) -> None:
        """Costs the same in every release: the yardstick for the machine's speed."""
        self.client.get("/healthz", name="GET /healthz [control]")


if ARRIVAL_RATE > 0:

    class ArrivalUser(MediaUser):
        """Open loop: each user starts its share of the arrivals at exponential intervals
        and does not wait for the answers (up to ``OPEN_LOOP_IN_FLIGHT`` in flight)."""

        def __init__(self, environment: object) -> None:
            super().__init__(environment)
            users = max(1, getattr(environment.parsed_options, "num_users", 1) or 1)
            self.rate = ARRIVAL_RATE * len(_SIDE_NAMES) / users
            self.pool = Pool(OPEN_LOOP_IN_FLIGHT)
            self.closed_loop_tasks = list(MediaUser.tasks)

        def wait_time(self) -> float:
            return random.expovariate(self.rate)

        def arrive(self) -> None:
            self.pool.spawn(random.choice(self.closed_loop_tasks), self)

        def on_stop(self) -> None:
            self.pool.join(timeout=5)
            super().on_stop()

    ArrivalUser.tasks = [ArrivalUser.arrive]
    MediaUser.abstract = True  # only the open-loop user runs


# --- every sample, for the judge ---------------------------------------------------------

_samples: list[str] = []
_last_flush = time.monotonic()
FLUSH_EVERY_S = 0.5
_cpu_usage: list[float] = []
_started = time.monotonic()


@events.request.add_listener
def _record(
    request_type: str,
    name: str,
    response_time: float,
    exception: object,
    context: dict | None = None,
    **_: object,
) -> None:
    global _last_flush
    if os.environ.get("POSTDEPLOY_SAMPLES_DIR"):
        side = (context or {}).get("side", "candidate")
        failed = 0 if exception is None else 1
        _samples.append(f"{name}\t{response_time:.3f}\t{failed}\t{side}\t{time.time():.3f}\n")
        if time.monotonic() - _last_flush > FLUSH_EVERY_S:
            _flush_samples()
            _last_flush = time.monotonic()


STOP_FILE = "stop"  # created in the samples directory by the load stage: end the run now


@events.init.add_listener
def _watch_for_stop(environment: object, **_: object) -> None:
    """The load stage ends a run it has decided by creating ``stop``: the run then ends as
    if its ``--run-time`` were over (users stop, delete their uploads, reports are
    written). Workers follow their master."""
    directory = os.environ.get("POSTDEPLOY_SAMPLES_DIR")
    runner = getattr(environment, "runner", None)
    if not directory or runner is None or isinstance(runner, WorkerRunner):
        return

    def watch() -> None:
        flag = Path(directory) / STOP_FILE
        while not flag.exists():
            gevent.sleep(0.2)
        runner.quit()

    gevent.spawn(watch)


@events.usage_monitor.add_listener
def _usage(cpu_usage: float, **_: object) -> None:
    _cpu_usage.append(float(cpu_usage))


def _flush_samples() -> None:
    directory = os.environ.get("POSTDEPLOY_SAMPLES_DIR")
    if directory and _samples:
        path = Path(directory) / f"samples-{os.getpid()}.tsv"
        with path.open("a", encoding="utf-8") as out:
            out.writelines(_samples)
        _samples.clear()


@events.quitting.add_listener
def _flush(environment: object = None, **_: object) -> None:
    _flush_samples()
    directory = os.environ.get("POSTDEPLOY_SAMPLES_DIR")
    if directory:
        runner = getattr(environment, "runner", None)
        meta = {
            "cpu_warning": bool(getattr(runner, "cpu_warning_emitted", False)),
            "cpu_percent_mean": sum(_cpu_usage) / len(_cpu_usage) if _cpu_usage else None,
            "cpu_percent_max": max(_cpu_usage) if _cpu_usage else None,
            "process_cpu_s": time.process_time(),
            "wall_s": time.monotonic() - _started,
        }
        (Path(directory) / f"meta-{os.getpid()}.json").write_text(json.dumps(meta))
