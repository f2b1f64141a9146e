"""docs/guarantees.md, "Configuration": bad configuration is one line and an INCONCLUSIVE
verdict, never the embedded demo's GO."""

from __future__ import annotations

from pathlib import Path

import pytest
from guarantee_support import assert_inconclusive, row

UNREACHABLE = "http://127.0.0.1:9"
PASSWORDS = {
    "POSTDEPLOY_PASSWORD_ALICE": "pw-alice-1",
    "POSTDEPLOY_PASSWORD_BOB": "pw-bob-1",
    "POSTDEPLOY_PASSWORD_ADMIN": "pw-admin-1",
}


# (config file text or None, extra args, env, what the error line says)
CASES = [
    row("C01", None, ["--target", ""], {}, "--target is empty"),
    row("C02", None, [], {"POSTDEPLOY_TARGET": ""}, "POSTDEPLOY_TARGET is empty"),
    row("C03", '[target]\nurl = ""\n', [], {}, "[target] url is empty"),
    row("C04", "", [], {}, "the file is empty and no target is given"),
    row("C06", "[target\nurl = 1\n", [], {}, "not valid TOML"),
    row("C07", "[target]\nbogus = 1\n", [], {}, "target.bogus: Extra inputs are not permitted"),
    row("C08", 'accounts = "alice"\n', [], {}, "accounts: Input should be a valid dictionary"),
    row(
        "C09",
        '[accounts.alice]\npassword = "hunter2-secret"\n',
        [],
        {},
        "passwords are never read from the config file",
    ),
    row(
        "C10",
        '[accounts.alice]\npassword_file = "missing.txt"\n',
        ["--target", UNREACHABLE],
        {},
        "accounts.alice.password_file: cannot read",
    ),
    row(
        "C11",
        '[accounts.alice]\npassword_file = "binary.txt"\n',
        ["--target", UNREACHABLE],
        {},
        "is not UTF-8 text",
    ),
    row(
        "C12",
        '[accounts.alice]\npassword_file = "empty.txt"\n',
        ["--target", UNREACHABLE],
        {},
        "empty.txt is empty",
    ),
    row("C13", None, ["--timeout", "abc"], {}, "timeout 'abc' is not a number of seconds"),
    row("C15", None, ["--profile", "thorough"], {}, "unknown profile 'thorough'"),
    row("C16", None, ["--stages", "smoke,fuzz"], {}, "unknown stage 'fuzz'"),
    row(
        "C17",
        None,
        ["--target", "ftp://deployer:ftp-pass-123@files.example/"],
        {},
        "target url 'ftp://***@files.example/' is not an http(s):// URL",
    ),
    row("C18", None, ["--config", "nowhere.toml"], {}, "config file not found: nowhere.toml"),
    row("C20", None, [], {"POSTDEPLOY_BLOCK_SEVERITY": "dire"}, "POSTDEPLOY_BLOCK_SEVERITY"),
    row("C21", "[load]\nmedian_ratio = 0.9\n", [], {}, "load.median_ratio"),
    row(
        "C22",
        None,
        [],
        {"POSTDEPLOY_DEPLOYED_AT": "yesterday"},
        "is neither unix seconds nor ISO 8601",
    ),
    row("C23", None, [], {"POSTDEPLOY_ACCOUNTS": "alice"}, "is not NAME:user or NAME:admin"),
    row(
        "C24",
        None,
        [],
        {"POSTDEPLOY_PROMETHEUS_URL": "prometheus:9090"},
        "prometheus_url 'prometheus:9090' is not an http(s):// URL",
    ),
    row("C25", None, [], {"POSTDEPLOY_ZAP_RULES": "no-rules.tsv"}, "ZAP rules file not found"),
]


@pytest.mark.parametrize(("config", "args", "env", "mentions"), CASES)
def test_config_rows(invoke, tmp_path: Path, config, args, env, mentions) -> None:
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\xfa secret")
    (tmp_path / "empty.txt").write_text("\n")
    if config is not None:
        (tmp_path / "postdeploy.toml").write_text(config)
    result = invoke("verify", *args, env={**PASSWORDS, **env})
    assert_inconclusive(result, mentions=mentions)
    everything = result.stdout + result.stderr + (result.run_dir / "verdict.json").read_text()
    for secret in ("hunter2-secret", "ftp-pass-123", *PASSWORDS.values()):
        assert secret not in everything


@pytest.mark.parametrize(
    ("value", "mentions"),
    [
        row("C14", "0", "outside 0-300 s"),
        pytest.param("301", "outside 0-300 s", id="C14-too-long"),
        pytest.param("nan", "outside 0-300 s", id="C14-nan"),
    ],
)
def test_timeout_out_of_bounds(invoke, value: str, mentions: str) -> None:
    result = invoke("verify", "--timeout", value, "--target", UNREACHABLE)
    assert_inconclusive(result, mentions=mentions)


@pytest.mark.parametrize("case", [row("C19", "ours")])
def test_bad_config_still_reports_where_configured(invoke, tmp_path: Path, case: str) -> None:
    (tmp_path / "postdeploy.toml").write_text(
        f'[run]\nreport_dir = "{case}"\n[target]\nbogus = 1\n'
    )
    result = invoke("verify", report_dir=False)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert len(result.errors) == 1
    verdict = tmp_path / case / "latest" / "verdict.json"
    assert '"INCONCLUSIVE"' in verdict.read_text()
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    ("args", "mentions", "writes_verdict"),
    [
        row(
            "C26",
            ["snapshot", "s.jsonl", "--database-url", "sqlite:///x.db", "--target", UNREACHABLE],
            "give --database-url or --target, not both",
            False,
        ),
        row(
            "C27",
            ["watch", "--target", UNREACHABLE, "--duration", "10s", "--interval", "1h"],
            "--interval 1h is longer than --duration 10s",
            True,
        ),
        row("C28", ["watch", "--target", UNREACHABLE, "--duration", "soon"], "soon", True),
    ],
)
def test_contradictions_and_bad_durations(invoke, args, mentions, writes_verdict) -> None:
    result = invoke(*args, env=PASSWORDS)
    if writes_verdict:
        assert_inconclusive(result, mentions=mentions)
    else:
        assert result.exit_code == 2
        assert len(result.errors) == 1
        assert mentions in result.errors[0]
