"""Load profiles, baseline files and A/A calibration: the pure parts of the load stage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from postdeploy.baseline.calibrate import (
    FLOOR,
    propose_tolerances,
    read_tolerances,
    write_tolerances,
)
from postdeploy.baseline.judge import EndpointSample
from postdeploy.baseline.store import read_load_baseline, write_load_baseline
from postdeploy.errors import BaselineError, ConfigError
from postdeploy.load.locust_runner import read_samples
from postdeploy.load.profiles import LoadProfile, load_profile


def sample(seed: int, n: int = 500, factor: float = 1.0, failures: int = 0) -> EndpointSample:
    values = np.random.default_rng(seed).lognormal(np.log(10), 0.3, n) * factor
    return EndpointSample(tuple(float(v) for v in values), failures, 30.0)


def test_named_and_ad_hoc_profiles() -> None:
    assert load_profile("standard").processes == 2
    adhoc = load_profile("10u8s2p")
    assert (adhoc.users, adhoc.duration_s, adhoc.processes) == (10, 8, 2)
    with pytest.raises(ConfigError, match="unknown load profile 'huge'"):
        load_profile("huge")
    with pytest.raises(ConfigError, match="duration"):
        load_profile("10u999999s")


def test_baseline_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "load-quick.json"
    endpoints = {"GET /api/v2/media": sample(1, failures=2)}
    write_load_baseline(path, release="2.0.0", profile="quick", target="http://x",
                        endpoints=endpoints)  # fmt: skip
    baseline = read_load_baseline(path, profile="quick")
    assert baseline.release == "2.0.0"
    assert baseline.host["cpus"]
    restored = baseline.endpoints["GET /api/v2/media"]
    assert restored.failures == 2
    assert restored.latencies_ms == pytest.approx(endpoints["GET /api/v2/media"].latencies_ms,
                                                  abs=1e-3)  # fmt: skip


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no load baseline at"),
        ("{not json", "not a readable JSON baseline"),
        ('{"kind": "something-else"}', "not a load baseline"),
        ('{"kind": "postdeploy-load-baseline", "version": 99}', "version 99 unknown"),
        ('{"kind": "postdeploy-load-baseline", "version": 1, "profile": "quick"}', "malformed"),
    ],
)
def test_bad_baselines_are_clear_errors(tmp_path: Path, content, message) -> None:
    path = tmp_path / "load-quick.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(BaselineError, match=message):
        read_load_baseline(path)


def test_baseline_of_another_profile_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "load-quick.json"
    write_load_baseline(path, release=None, profile="standard", target="",
                        endpoints={"GET /": sample(1)})  # fmt: skip
    with pytest.raises(BaselineError, match="recorded with load profile 'standard'"):
        read_load_baseline(path, profile="quick")


def test_calibration_widens_observed_noise_and_keeps_a_floor(tmp_path: Path) -> None:
    first = {"a": sample(1), "b": sample(2)}
    quiet = {"a": sample(3), "b": sample(4)}
    tolerances, observed = propose_tolerances(first, quiet)
    assert tolerances.median_ratio == FLOOR.median_ratio  # tiny A/A drift: the floor holds
    assert set(observed) == {"a", "b"}
    noisy = {"a": sample(3, factor=1.3), "b": sample(4)}
    wider, _ = propose_tolerances(first, noisy)
    assert wider.median_ratio > 1.3  # the observed drift, stretched by the safety margin
    assert "A/A run" in wider.source
    path = tmp_path / "tol.json"
    write_tolerances(path, wider, observed)
    assert read_tolerances(path) == wider
    assert read_tolerances(tmp_path / "missing.json") is None
    path.write_text(json.dumps({"tolerances": {"bogus": 1}}))
    with pytest.raises(BaselineError, match="malformed tolerances"):
        read_tolerances(path)


def test_calibration_without_samples_is_an_error() -> None:
    with pytest.raises(BaselineError, match="no endpoint had enough samples"):
        propose_tolerances({"a": sample(1, n=5)}, {"a": sample(2, n=5)})


def test_samples_from_several_processes_are_merged(tmp_path: Path) -> None:
    (tmp_path / "samples-1.tsv").write_text("GET /a\t10.5\t0\nGET /a\t12.0\t1\n")
    (tmp_path / "samples-2.tsv").write_text("GET /a\t11.0\t0\nPOST /b\t30.0\t0\n")
    endpoints = read_samples(tmp_path, duration_s=10.0)
    assert endpoints["GET /a"].latencies_ms == (10.5, 11.0)
    assert endpoints["GET /a"].failures == 1
    assert endpoints["GET /a"].requests == 3
    assert endpoints["POST /b"].throughput == pytest.approx(0.1)


def test_samples_of_a_paired_run_are_kept_apart(tmp_path: Path) -> None:
    from postdeploy.load.locust_runner import read_samples

    (tmp_path / "samples-1.tsv").write_text(
        "GET /a\t10.0\t0\treference\nGET /a\t30.0\t0\tcandidate\nGET /a\t0\t1\tcandidate\n"
        "GET /a\t20.0\t0\n",  # written before sides existed: the candidate's
        encoding="utf-8",
    )
    reference = read_samples(tmp_path, duration_s=1.0, side="reference")["GET /a"]
    candidate = read_samples(tmp_path, duration_s=1.0)["GET /a"]
    assert (reference.latencies_ms, reference.failures) == ((10.0,), 0)
    assert (sorted(candidate.latencies_ms), candidate.failures) == ([20.0, 30.0], 1)


def test_samples_are_read_while_they_are_written(tmp_path: Path) -> None:
    from postdeploy.load.samples import SampleStream

    path = tmp_path / "samples-7.tsv"
    path.write_text("GET /a\t10.0\t0\tcandidate\t100.5\nGET /a\t11.0\t1\treference\t100.")
    stream = SampleStream(tmp_path)
    assert stream.read_new() == 1  # the second line is still being written
    with path.open("a") as out:
        out.write("7\nGET /a\t12.0\t0\tcandidate\t101.0\n")
    assert stream.read_new() == 2
    sides = stream.series()
    assert list(sides["candidate"]["GET /a"].times_s) == [100.5, 101.0]
    reference = sides["reference"]["GET /a"]
    assert (list(reference.times_s), list(reference.failed)) == ([100.7], [True])
    assert stream.read_new() == 0


def test_the_load_generators_own_cpu_is_read_from_its_meta_files(tmp_path: Path) -> None:
    from postdeploy.load.samples import SampleStream

    (tmp_path / "meta-1.json").write_text(
        json.dumps({"cpu_warning": False, "cpu_percent_mean": 40.0, "cpu_percent_max": 70.0})
    )
    (tmp_path / "meta-2.json").write_text(
        json.dumps({"cpu_warning": True, "cpu_percent_mean": 95.0, "cpu_percent_max": 99.0})
    )
    usage = SampleStream(tmp_path).usage()
    assert (usage.cpu_warning, usage.cpu_percent_mean, usage.processes) == (True, 95.0, 2)
    assert SampleStream(tmp_path / "none").usage().processes == 0


def test_a_baseline_keeps_every_request_and_the_machines_speed(tmp_path: Path) -> None:
    from postdeploy.baseline.conditions import MeasuringConditions
    from postdeploy.baseline.pairing import RequestSeries

    path = tmp_path / "load-quick.json"
    series = RequestSeries.of([1000.0, 1000.5, 1001.0], [10.0, 12.0, 11.0], [False, True, False])
    conditions = MeasuringConditions(calibration_ms=21.5, generator_cpu_percent=33.0)
    write_load_baseline(
        path, release="2.0.0", profile="quick", target="http://x",
        endpoints={"GET /a": sample(1)}, series={"GET /a": series}, conditions=conditions,
    )  # fmt: skip
    baseline = read_load_baseline(path, profile="quick")
    assert baseline.version == 2
    assert baseline.conditions == conditions
    restored = baseline.series["GET /a"]
    assert list(restored.times_s) == [0.0, 0.5, 1.0]  # relative to the run's first request
    assert list(restored.failed) == [False, True, False]


def test_a_version_1_baseline_still_reads_for_the_fixed_judge(tmp_path: Path) -> None:
    path = tmp_path / "load-quick.json"
    document = {
        "kind": "postdeploy-load-baseline", "version": 1, "release": None,
        "profile": "quick", "recorded_at": "2026-01-01T00:00:00+00:00", "target": "",
        "host": {}, "endpoints": {"GET /a": {
            "latencies_ms": [1.0, 2.0], "failures": 0, "duration_s": 1.0}},
    }  # fmt: skip
    path.write_text(json.dumps(document))
    baseline = read_load_baseline(path)
    assert (baseline.version, baseline.series, baseline.conditions) == (1, {}, None)
    assert baseline.endpoints["GET /a"].latencies_ms == (1.0, 2.0)


def test_sequential_profiles_are_bounded_and_consistent() -> None:
    quick = load_profile("quick")
    assert (quick.shortest_s, quick.duration_s, quick.longest_s) == (30, 90, 180)
    soak = load_profile("soak")
    assert soak.shortest_s == soak.longest_s == 1800  # a soak lasts: no early GO
    adhoc = load_profile("10u30s")
    assert (adhoc.shortest_s, adhoc.longest_s) == (10, 30)
    with pytest.raises(ConfigError, match="minimum above maximum"):
        LoadProfile("x", users=1, spawn_rate=1, duration_s=10, min_duration_s=20)


def test_load_settings_from_the_file_and_the_flag(tmp_path: Path) -> None:
    from postdeploy.config import load_config

    path = tmp_path / "postdeploy.toml"
    path.write_text(
        '[load]\nmode = "fixed"\narrival_rate = 40\nmachine_ratio = 1.5\ntail_excess = 0.01\n'
        'baseline_target = "http://127.0.0.1:9/"\n'
    )
    config = load_config(config_file=path, environ={})
    assert (config.load.mode, config.load.arrival_rate) == ("fixed", 40.0)
    assert config.load.baseline_target == "http://127.0.0.1:9"
    assert config.load.tolerances == {"machine_ratio": 1.5, "tail_excess": 0.01}
    flagged = load_config(
        config_file=path, environ={}, overrides={"baseline_target": "http://127.0.0.1:8"}
    )
    assert flagged.load.baseline_target == "http://127.0.0.1:8"  # the flag wins
    assert load_config(environ={}, cwd=tmp_path / "none").load.mode == "sequential"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[load]\nmode = "guess"\n', "mode"),
        ("[load]\nmachine_ratio = 0.9\n", "machine_ratio"),
        ("[load]\narrival_rate = -1\n", "arrival_rate"),
        ('[load]\nbaseline_target = "ftp://old"\n', "baseline target"),
    ],
)
def test_bad_load_settings_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    from postdeploy.config import load_config

    path = tmp_path / "postdeploy.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(config_file=path, environ={})
