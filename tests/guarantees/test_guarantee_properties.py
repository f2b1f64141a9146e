"""docs/guarantees.md, the property rows (C29, B13-B15): garbage in any loader is one
error of postdeploy's own, never a crash, never a hang, never something that judges as fine.

Hypothesis runs derandomised (the same examples every run: a failure is reproducible, not a
flake) with a deadline far above any real parse — it is there to catch a hang, not to time.
"""

from __future__ import annotations

import json
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from guarantee_support import row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postdeploy.baseline.store import read_load_baseline
from postdeploy.config import Config, load_config
from postdeploy.contract.baseline import read_contract_baseline
from postdeploy.errors import BaselineError, ConfigError, PostdeployError
from postdeploy.snapshot.compare import compare_snapshot

BOUNDED = settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# TOML-shaped garbage: real tables and keys of the file format with values of every type
KEYS = {
    "target": ["url", "timeout_s", "expected_version", "prometheus_url", "zap_url", "bogus"],
    "accounts": ["alice", "bob"],
    "run": ["profile", "stages", "report_dir", "baseline_dir"],
    "gate": ["block_severity", "accept_risks", "require_zap_scan"],
    "load": ["median_ratio", "profile", "critical_endpoints"],
    "zap": ["timeout_s", "active_scan", "rules_file"],
    "suites": ["leftover_age_s"],
}
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
documents = st.dictionaries(
    st.sampled_from(sorted(KEYS)),
    st.one_of(
        values,
        st.fixed_dictionaries({}, optional={key: values for keys in KEYS.values() for key in keys}),
    ),
    max_size=4,
)


def _toml(document: dict) -> str | None:
    """``document`` as TOML, or None when TOML cannot express it (None values, …)."""
    try:
        import tomli_w  # type: ignore[import-not-found]
    except ImportError:
        tomli_w = None
    if tomli_w is not None:
        try:
            return tomli_w.dumps(document)
        except (TypeError, ValueError):
            return None
    return json.dumps(document)  # not TOML: the loader must say so


@pytest.mark.parametrize("case", [row("C29", "structured"), pytest.param("text", id="C29-text")])
@BOUNDED
@given(document=documents, text=st.text(max_size=200))
def test_config_loader_never_crashes(tmp_path: Path, case: str, document: dict, text: str) -> None:
    path = tmp_path / "postdeploy.toml"
    path.write_text(_toml(document) or "" if case == "structured" else text)
    try:
        config = load_config(config_file=path, environ={}, cwd=path.parent)
    except ConfigError:
        return
    assert isinstance(config, Config)
    # what loaded is a valid configuration: TOML, and (without a target) not an empty file
    tomllib.loads(path.read_text())
    assert config.target.url is not None or path.read_text().strip()


garbage_bytes = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=12,
    ).map(lambda value: json.dumps(value).encode()),
)


def _load_like(kind: str) -> st.SearchStrategy[bytes]:
    """Documents that look like a baseline of ``kind`` and are wrong inside."""
    return st.fixed_dictionaries(
        {"kind": st.just(kind), "version": st.sampled_from([1, 2, 99, "1", None])},
        optional={
            "profile": scalars,
            "endpoints": values,
            "openapi": values,
            "examples": values,
            "release": scalars,
        },
    ).map(lambda value: json.dumps(value).encode())


@pytest.mark.parametrize("case", [row("B13", "load")])
@BOUNDED
@given(content=st.one_of(garbage_bytes, _load_like("postdeploy-load-baseline")))
def test_load_baseline_loader_never_crashes(tmp_path, case: str, content: bytes) -> None:
    path = tmp_path / "load-quick.json"
    path.write_bytes(content)
    try:
        baseline = read_load_baseline(path, profile="quick")
    except BaselineError:
        return
    assert baseline.endpoints, "a baseline that loads has something to judge against"


@pytest.mark.parametrize("case", [row("B15", "contract")])
@BOUNDED
@given(content=st.one_of(garbage_bytes, _load_like("postdeploy-contract-baseline")))
def test_contract_baseline_loader_never_crashes(tmp_path: Path, case: str, content: bytes) -> None:
    path = tmp_path / "contract.json"
    path.write_bytes(content)
    with pytest.raises(BaselineError):
        read_contract_baseline(path)


snapshot_lines = st.lists(
    st.one_of(
        st.just('{"kind": "postdeploy-data-snapshot", "version": 1, "total": 1}'),
        st.text(max_size=80),
        st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
        values.map(json.dumps),
    ),
    max_size=5,
)


@pytest.mark.parametrize("case", [row("B14", "snapshot")])
@BOUNDED
@given(lines=snapshot_lines, raw=st.binary(max_size=60))
def test_snapshot_loader_never_crashes(
    tmp_path: Path, case: str, lines: list[str], raw: bytes
) -> None:
    path = tmp_path / "before.jsonl"
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + raw)
    try:
        comparison = compare_snapshot(path, iter(()), lambda record: None)
    except PostdeployError:
        return
    # garbage that parses as a snapshot compares as lossless only when it holds nothing
    assert comparison.lossless
    assert comparison.before.total == 0
