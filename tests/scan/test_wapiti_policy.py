"""What the scan may do to a target: the production-safety table (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from postdeploy.config import ScanSettings
from postdeploy.errors import ConfigError
from postdeploy.scan.command import SINK_ENDPOINT, wapiti_argv
from postdeploy.scan.policy import (
    ATTACK_MODULES,
    FORBIDDEN_MODULES,
    PASSIVE_MODULES,
    is_loopback,
    plan_scan,
)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.3.4.5", True),
        ("http://[::1]:9000/", True),
        ("http://localhost:8000", True),
        ("https://media.example.com", False),
        ("http://10.0.0.5", False),
        ("http://127.0.0.1.example.com", False),
    ],
)
def test_loopback_is_this_machine_only(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


@pytest.mark.parametrize(
    ("url", "active", "attacks", "expected"),
    [
        ("http://127.0.0.1:8000", False, True, (*PASSIVE_MODULES, *ATTACK_MODULES)),
        ("https://media.example.com", False, False, (*PASSIVE_MODULES, "ssl")),
        ("http://media.example.com", False, False, PASSIVE_MODULES),
        ("https://media.example.com", True, True, (*PASSIVE_MODULES, *ATTACK_MODULES, "ssl")),
    ],
)
def test_attacks_only_on_loopback_or_when_asked(
    url: str, active: bool, attacks: bool, expected: tuple[str, ...]
) -> None:
    plan = plan_scan(url, ScanSettings(active_scan=active))
    assert plan.modules == expected
    assert plan.attacks is attacks
    assert ("passive" in plan.why) is not attacks


def test_scope_keeps_logins_logouts_uploads_and_deletes_out() -> None:
    plan = plan_scan("https://media.example.com/", ScanSettings(exclude=("admin/*",)))
    assert plan.target_url == "https://media.example.com/"
    for pattern in ("/login", "/logout*", "/upload*", "/media/*/delete*", "/api/v2/auth/*"):
        assert "https://media.example.com" + pattern in plan.exclude
    assert "https://media.example.com/admin/*" in plan.exclude
    assert "/admin/*" in plan.excluded_paths
    # the return address of a login page stays in scope: only the form's POST URL is out
    assert "https://media.example.com/login*" not in plan.exclude


def test_the_budget_bounds_crawl_and_modules() -> None:
    plan = plan_scan("http://127.0.0.1:1", ScanSettings(max_scan_time_s=100))
    assert plan.deadline_s == 100
    assert plan.crawl_time_s == 25
    assert 0 < plan.module_time_s <= 100 - plan.crawl_time_s
    assert plan_scan("http://127.0.0.1:1", ScanSettings(max_scan_time_s=3600)).crawl_time_s == 60


@pytest.mark.parametrize("module", sorted(FORBIDDEN_MODULES))
def test_modules_that_reach_outside_or_write_never_run(module: str) -> None:
    with pytest.raises(ConfigError, match=f"never runs {module}"):
        plan_scan("http://127.0.0.1:1", ScanSettings(modules=(module,)))


def test_attack_modules_on_a_remote_target_need_the_flag() -> None:
    with pytest.raises(ConfigError, match="--active-scan"):
        plan_scan("https://media.example.com", ScanSettings(modules=("xss", "csp")))
    plan = plan_scan("https://media.example.com", ScanSettings(modules=("xss",), active_scan=True))
    assert plan.modules == ("xss",)
    assert plan.attacks
    passive = plan_scan("https://media.example.com", ScanSettings(modules=("csp",)))
    assert not passive.attacks


def test_the_command_line_holds_no_secret_and_points_payloads_home(tmp_path: Path) -> None:
    plan = plan_scan("http://127.0.0.1:8000", ScanSettings(modules=("xss", "redirect")))
    argv = wapiti_argv(
        Path("/opt/wapiti"), plan, report=tmp_path / "r.json", store=tmp_path, openapi=None
    )
    assert argv[0] == "/opt/wapiti"
    joined = " ".join(argv)
    assert "--module xss,redirect" in joined
    assert "--no-bugreport" in argv
    assert f"--external-endpoint {SINK_ENDPOINT}" in joined
    assert "--dns-endpoint localhost" in joined  # never resolves dns.wapiti3.ovh
    assert "--swagger" not in argv
    assert argv.count("--exclude") == len(plan.exclude)
    assert not any("Bearer" in part or "password" in part.lower() for part in argv)
    with_api = wapiti_argv(
        Path("w"), plan, report=tmp_path / "r", store=tmp_path, openapi=tmp_path / "api.json"
    )
    assert with_api[with_api.index("--swagger") + 1] == str(tmp_path / "api.json")
