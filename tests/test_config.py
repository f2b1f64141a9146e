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
