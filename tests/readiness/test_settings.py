"""The [preflight] and [serve] settings: file < environment, bad values one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from postdeploy.config import load_config
from postdeploy.errors import ConfigError


def test_preflight_thresholds_from_file_and_environment(tmp_path: Path) -> None:
    (tmp_path / "postdeploy.toml").write_text(
        "[preflight]\nmin_disk_free_ratio = 0.3\n[suites]\ncert_min_days = 30\n"
        '[serve]\nallowed_targets = ["https://media.example.com/"]\nqueue_size = 3\n'
    )
    config = load_config(cwd=tmp_path, environ={"POSTDEPLOY_SERVE_TOKEN": "tok-3f9a"})
    assert config.readiness.min_disk_free_ratio == 0.3
    # one threshold for the certificate, before the deploy and after it
    assert config.readiness.cert_min_days == config.suites.cert_min_days == 30
    assert config.serve.allowed_targets == ("https://media.example.com",)
    assert config.serve.queue_size == 3
    assert config.serve.token is not None
    assert config.serve.token.reveal() == "tok-3f9a"
    assert "tok-3f9a" not in repr(config.serve)
    env = {"POSTDEPLOY_CERT_MIN_DAYS": "7", "POSTDEPLOY_SERVE_ALLOWED_TARGETS": "http://a:1,"}
    overridden = load_config(cwd=tmp_path, environ=env)
    assert overridden.readiness.cert_min_days == 7
    assert overridden.serve.allowed_targets == ("http://a:1",)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"POSTDEPLOY_CERT_MIN_DAYS": "soon"}, "POSTDEPLOY_CERT_MIN_DAYS='soon' is not a number"),
        ({"POSTDEPLOY_SERVE_ALLOWED_TARGETS": "ftp://x"}, "is not an http(s):// URL"),
    ],
)
def test_bad_values_are_one_line(tmp_path: Path, environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(cwd=tmp_path, environ=environ)


def test_a_bad_threshold_in_the_file_names_its_key(tmp_path: Path) -> None:
    (tmp_path / "postdeploy.toml").write_text("[preflight]\nmin_cpu_idle_ratio = 2\n")
    with pytest.raises(ConfigError, match=r"preflight\.min_cpu_idle_ratio"):
        load_config(cwd=tmp_path, environ={})
