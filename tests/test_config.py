"""Configuration precedence (file < environment < flags) and secrets handling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from postdeploy.config import Secret, load_config
from postdeploy.errors import ConfigError
from postdeploy.findings import Severity


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "postdeploy.toml"
    path.write_text(text)
    return path


def test_defaults_mean_the_embedded_target(tmp_path: Path) -> None:
    config = load_config(environ={}, cwd=tmp_path)
    assert config.target.embedded
    assert config.profile == "smoke"
    assert [a.username for a in config.target.accounts] == ["alice", "bob", "admin"]
    assert config.gate.block_severity is Severity.HIGH


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[target]\nurl = "https://file.example"\nexpected_version = "1"\n[run]\nprofile = "full"\n',
    )
    from_file = load_config(environ={}, cwd=tmp_path)
    assert (from_file.target.url, from_file.profile) == ("https://file.example", "full")
    env = {"POSTDEPLOY_TARGET": "https://env.example", "POSTDEPLOY_EXPECTED_VERSION": "2"}
    from_env = load_config(environ=env, cwd=tmp_path)
    assert from_env.target.url == "https://env.example"
    assert from_env.target.expected_version == "2"
    from_flags = load_config(
        environ=env, cwd=tmp_path, overrides={"url": "https://flag.example/", "profile": "smoke"}
    )
    assert from_flags.target.url == "https://flag.example"
    assert from_flags.profile == "smoke"


def test_passwords_come_from_environment_or_file_and_never_print(tmp_path: Path) -> None:
    (tmp_path / "bob.secret").write_text("bob-secret\n")
    write(
        tmp_path,
        '[accounts.alice]\nrole = "user"\n'
        '[accounts.bob]\nrole = "user"\npassword_file = "bob.secret"\n'
        '[accounts.root]\nrole = "admin"\npassword_env = "ROOT_PW"\n',
    )
    config = load_config(
        environ={"POSTDEPLOY_PASSWORD_ALICE": "alice-secret", "ROOT_PW": "root-secret"},
        cwd=tmp_path,
    )
    passwords = {a.username: a.password for a in config.target.accounts}
    assert passwords == {
        "alice": Secret("alice-secret"),
        "bob": Secret("bob-secret"),
        "root": Secret("root-secret"),
    }
    shown = repr(config) + str(config)
    for secret in ("alice-secret", "bob-secret", "root-secret"):
        assert secret not in shown


def test_accounts_from_environment(tmp_path: Path) -> None:
    config = load_config(
        environ={"POSTDEPLOY_ACCOUNTS": "u1:user,u2:user,boss:admin"}, cwd=tmp_path
    )
    assert [(a.username, a.role) for a in config.target.accounts] == [
        ("u1", "user"),
        ("u2", "user"),
        ("boss", "admin"),
    ]


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[target\n", {}, "not valid TOML"),
        ('[target]\nurl = "ftp://x"\n', {}, "is not an http(s):// URL"),
        ("[target]\ntimeout_s = -1\n", {}, "target.timeout_s"),
        ("[surprise]\n", {}, "surprise"),
        ('[accounts.a]\npassword = "x"\n', {}, "passwords are never read"),
        ('[accounts.a]\npassword_file = "missing"\n', {}, "cannot read"),
        ("", {"POSTDEPLOY_ACCOUNTS": "alice"}, "NAME:user or NAME:admin"),
        ("", {"POSTDEPLOY_TIMEOUT": "soon"}, "not a number"),
        ("", {"POSTDEPLOY_BLOCK_SEVERITY": "dire"}, "POSTDEPLOY_BLOCK_SEVERITY"),
        ("[load]\nmedian_ratio = 0.9\n", {}, "load.median_ratio"),
        ("[load]\nconfidence = 0.5\n", {}, "load.confidence"),
        ("[load]\nmedian_ration = 1.3\n", {}, "load.median_ration"),
    ],
)
def test_bad_configuration_is_one_clear_error(tmp_path, text, env, message) -> None:
    write(tmp_path, text)
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        load_config(environ=env, cwd=tmp_path)
    assert "\n" not in str(caught.value)


def test_explicit_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(config_file=tmp_path / "nope.toml", environ={}, cwd=tmp_path)


def test_browser_path_from_the_file_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "postdeploy.toml").write_text('[browser]\npath = "bin/chromium"\n')
    config = load_config(environ={}, cwd=tmp_path)
    assert config.browser_path == tmp_path / "bin" / "chromium"
    assert load_config(environ={}, cwd=tmp_path / "..").browser_path is None


def test_load_table_sets_profile_critical_endpoints_and_tolerances(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[load]\nprofile = "soak"\ncritical_endpoints = ["GET /api/v2/media"]\n'
        "median_ratio = 1.3\nconfidence = 0.995\n",
    )
    load = load_config(environ={}, cwd=tmp_path).load
    assert load.profile == "soak"
    assert load.critical_endpoints == ("GET /api/v2/media",)
    assert dict(load.tolerances) == {"median_ratio": 1.3, "confidence": 0.995}


def test_tolerances_written_down_win_over_calibrated_ones() -> None:
    from postdeploy.baseline.judge import Tolerances
    from postdeploy.stages.load import tolerances_in_force

    calibrated = Tolerances(median_ratio=1.15, tail_ratio=1.4, source="calibrated by an A/A run")
    assert tolerances_in_force(None, {}) == Tolerances()
    assert tolerances_in_force(calibrated, {}) is calibrated
    chosen = tolerances_in_force(calibrated, {"median_ratio": 1.3})
    assert (chosen.median_ratio, chosen.tail_ratio) == (1.3, 1.4)
    assert chosen.source == "calibrated by an A/A run; postdeploy.toml [load] sets median_ratio"


def test_settings_stages_used_to_read_themselves_come_from_the_config(tmp_path: Path) -> None:
    """Baselines, the data snapshot, the suites' knobs, the deploy instant, the faults of the
    embedded target, the watch's webhooks: file < environment, like every other setting."""
    (tmp_path / "conf").mkdir()
    write(
        tmp_path / "conf",
        '[run]\nbaseline_dir = "recorded"\n[data]\nsnapshot = "snap.jsonl"\n'
        '[suites]\ncert_min_days = 30\nleftover_age_s = 60\n[load]\nprofile = "standard"\n',
    )
    config = load_config(
        config_file=tmp_path / "conf" / "postdeploy.toml", environ={}, cwd=tmp_path
    )
    assert config.baseline_dir == tmp_path / "recorded"  # like report_dir: the working dir
    assert config.data.snapshot == tmp_path / "conf" / "snap.jsonl"  # a file path: the file's
    assert (config.suites.cert_min_days, config.suites.leftover_age_s) == (30, 60.0)
    assert config.load.profile == "standard"
    assert config.deployed_at is None
    env = {
        "POSTDEPLOY_BASELINE_DIR": "/srv/baselines",
        "POSTDEPLOY_SNAPSHOT": "before.jsonl",
        "POSTDEPLOY_CERT_MIN_DAYS": "7",
        "POSTDEPLOY_LOAD_PROFILE": "soak",
        "POSTDEPLOY_DEPLOYED_AT": "2026-12-01T10:00:00Z",
        "POSTDEPLOY_SLACK_WEBHOOKS": "http://127.0.0.1:1/a, http://127.0.0.1:1/b",
        "UNIMEDIA_FAULTS": "slow_list:0.5",
    }
    config = load_config(
        config_file=tmp_path / "conf" / "postdeploy.toml", environ=env, cwd=tmp_path,
        overrides={"load_profile": "quick"},
    )  # fmt: skip
    assert config.baseline_dir == Path("/srv/baselines")
    assert config.data.snapshot == tmp_path / "before.jsonl"
    assert config.suites.cert_min_days == 7
    assert config.load.profile == "quick"  # the flag wins over the variable
    assert config.deployed_at == 1796119200.0
    assert config.slack_webhooks == ("http://127.0.0.1:1/a", "http://127.0.0.1:1/b")
    assert config.embedded_faults == "slow_list:0.5"
    assert config.environment["UNIMEDIA_FAULTS"] == "slow_list:0.5"  # children get it too


def test_faults_never_reach_a_real_target(tmp_path: Path) -> None:
    env = {"UNIMEDIA_FAULTS": "corrupt_upload", "POSTDEPLOY_TARGET": "https://prod.example"}
    assert load_config(environ=env, cwd=tmp_path).embedded_faults is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"POSTDEPLOY_DEPLOYED_AT": "yesterday"}, "neither unix seconds nor ISO 8601"),
        ({"POSTDEPLOY_DEPLOYED_AT": "2026-12-01T10:00:00"}, "needs a time zone"),
        ({"POSTDEPLOY_CERT_MIN_DAYS": "soon"}, "POSTDEPLOY_CERT_MIN_DAYS='soon' is not a number"),
        ({"POSTDEPLOY_CONTRACT_MAX_EXAMPLES": "0"}, "outside 1-1000"),
    ],
)
def test_bad_stage_settings_are_one_clear_error(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(environ=env, cwd=tmp_path)


def test_the_environment_is_captured_not_read_later(tmp_path: Path) -> None:
    """What a child process starts from is the environment the run was configured with."""
    env = {"PATH": "/usr/bin", "LANG": "C.UTF-8", "POSTDEPLOY_PASSWORD_ALICE": "s3cret-pw"}
    config = load_config(environ=env, cwd=tmp_path)
    assert dict(config.environment) == env
    assert "s3cret-pw" not in repr(config)  # the environment holds secrets: never shown


def test_the_embedded_target_is_https_unless_asked_for_plain_http(tmp_path: Path) -> None:
    assert load_config(environ={}, cwd=tmp_path).embedded_http is False
    assert load_config(environ={"POSTDEPLOY_EMBEDDED_HTTP": "1"}, cwd=tmp_path).embedded_http
    flag = load_config(environ={}, cwd=tmp_path, overrides={"embedded_http": True})
    assert flag.embedded_http is True
    with pytest.raises(ConfigError, match="POSTDEPLOY_EMBEDDED_HTTP='maybe' is not 1 or 0"):
        load_config(environ={"POSTDEPLOY_EMBEDDED_HTTP": "maybe"}, cwd=tmp_path)


def test_a_private_ca_is_the_targets_for_every_client(tmp_path: Path) -> None:
    env = {"POSTDEPLOY_TARGET": "https://media.example.com", "POSTDEPLOY_CA_FILE": "ca.pem"}
    config = load_config(environ=env, cwd=tmp_path)
    assert config.target.ca_file == tmp_path / "ca.pem"
    assert config.suites.ca_file == config.target.ca_file
