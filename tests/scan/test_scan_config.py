"""``[scan]``, ``--active-scan``/``--max-scan-time`` and ``gate.require_scan`` (its old name
still read, with a warning)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from postdeploy.config import SCAN_CHECK, WAPITI_SCAN_CHECK, ZAP_SCAN_CHECK, load_config
from postdeploy.errors import ConfigError


def config(tmp_path: Path, text: str = "", overrides: dict | None = None, **env: str):
    """The Config of ``text`` (no text: no config file at all — the embedded target; an
    empty file is an error of its own, issue 16)."""
    path = None
    if text:
        path = tmp_path / "postdeploy.toml"
        path.write_text(text, encoding="utf-8")
    return load_config(config_file=path, environ=env, overrides=overrides, cwd=tmp_path)


def test_scan_defaults_are_bounded_and_passive_unless_asked(tmp_path: Path) -> None:
    scan = config(tmp_path).scan
    assert scan.wapiti is True
    assert scan.active_scan is False
    assert scan.max_scan_time_s == 300
    assert (scan.modules, scan.rules_file, scan.wapiti_path) == (None, None, None)


def test_scan_settings_from_file_environment_and_flags(tmp_path: Path) -> None:
    (tmp_path / "rules.tsv").write_text("SQL Injection\tFAIL\n", encoding="utf-8")
    text = (
        '[scan]\nmax_scan_time_s = 120\nmodules = ["xss", "sql"]\nrules_file = "rules.tsv"\n'
        'exclude = ["admin/*"]\n'
    )
    from_file = config(tmp_path, text).scan
    assert from_file.max_scan_time_s == 120
    assert from_file.modules == ("xss", "sql")
    assert from_file.rules_file == tmp_path / "rules.tsv"
    assert from_file.exclude == ("admin/*",)
    from_env = config(
        tmp_path,
        text,
        POSTDEPLOY_MAX_SCAN_TIME="90",
        POSTDEPLOY_WAPITI_MODULES="redirect",
        POSTDEPLOY_ACTIVE_SCAN="1",
        POSTDEPLOY_WAPITI="0",
    ).scan
    assert (from_env.max_scan_time_s, from_env.modules) == (90, ("redirect",))
    assert from_env.active_scan is True
    assert from_env.wapiti is False
    flagged = config(tmp_path, text, {"active_scan": True, "max_scan_time_s": 45.0})
    assert flagged.scan.max_scan_time_s == 45
    assert flagged.scan.active_scan is True
    assert flagged.zap.active_scan is True  # one flag for both scanners


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[scan]\nmodules = []\n", {}, "scan.modules"),
        ("", {"POSTDEPLOY_WAPITI_MODULES": "xss;rm -rf"}, "scan.modules"),
        ("[scan]\nmax_scan_time_s = 0\n", {}, "max_scan_time_s"),
        ("", {"POSTDEPLOY_MAX_SCAN_TIME": "soon"}, "POSTDEPLOY_MAX_SCAN_TIME"),
        ('[scan]\nwapiti_path = "no/such/wapiti"\n', {}, "Wapiti not found"),
        ("", {"POSTDEPLOY_WAPITI_RULES": "/no/rules.tsv"}, "Wapiti rules file not found"),
        ("[scan]\nwapity = true\n", {}, "wapity"),
    ],
)
def test_bad_scan_settings_are_one_line_errors(
    tmp_path: Path, text: str, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        config(tmp_path, text, **env)


@pytest.mark.parametrize(
    ("text", "env", "required"),
    [
        ("", {}, True),  # auto, on a real target
        ("[gate]\nrequire_scan = false\n", {}, False),
        ("", {"POSTDEPLOY_REQUIRE_SCAN": "false"}, False),
        ("[gate]\nrequire_scan = false\n", {"POSTDEPLOY_REQUIRE_SCAN": "true"}, True),
    ],
)
def test_require_scan_requires_whichever_scanner_ran(
    tmp_path: Path, text: str, env: dict[str, str], required: bool
) -> None:
    gate = config(tmp_path, '[target]\nurl = "https://m.example"\n' + text, **env).gate
    for check in (SCAN_CHECK, ZAP_SCAN_CHECK, WAPITI_SCAN_CHECK):
        assert (check in gate.required_checks) is required


def test_the_embedded_target_does_not_require_a_scan_by_default(tmp_path: Path) -> None:
    assert config(tmp_path).gate.required_checks == ()


@pytest.mark.parametrize(
    ("text", "env"),
    [
        ('[target]\nurl = "https://m.example"\n[gate]\nrequire_zap_scan = false\n', {}),
        ('[target]\nurl = "https://m.example"\n', {"POSTDEPLOY_REQUIRE_ZAP_SCAN": "false"}),
    ],
)
def test_the_old_require_zap_scan_still_works_with_a_deprecation_note(
    tmp_path: Path, text: str, env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="postdeploy.config"):
        gate = config(tmp_path, text, **env).gate
    assert gate.required_checks == ()
    (record,) = caplog.records
    assert "deprecated" in record.getMessage()
    assert "require_scan" in record.getMessage().replace("REQUIRE_SCAN", "require_scan")


def test_the_new_key_wins_over_the_old_one(tmp_path: Path) -> None:
    text = (
        '[target]\nurl = "https://m.example"\n'
        "[gate]\nrequire_scan = true\nrequire_zap_scan = false\n"
    )
    assert ZAP_SCAN_CHECK in config(tmp_path, text).gate.required_checks
