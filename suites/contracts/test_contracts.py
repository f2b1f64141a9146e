"""Backward compatibility against the recorded contract of the last good release:
(a) the live OpenAPI document classified change by change, (b) the recorded example
requests replayed and their live answers validated against the *baseline's* schemas —
which catches drift the live document hides, since a release that renames a field in code
often still documents the old one — (c) a bounded property-based Schemathesis run over the
legacy API (GET only: production-safe) for server errors and schema violations."""

from __future__ import annotations

import httpx
import pytest

from postdeploy.config import Config, TargetSettings
from postdeploy.contract import Level, diff_specs, parse_spec
from postdeploy.contract.baseline import ContractBaseline
from postdeploy.contract.examples import EXAMPLES, perform
from postdeploy.contract.validate import response_schema_pointer, validate_body

pytestmark = pytest.mark.contract
BREAKS = pytest.mark.gate(trigger="critical_error", severity="high")


@BREAKS
def test_live_openapi_has_no_breaking_change(
    contract_baseline: ContractBaseline, postdeploy_anonymous: httpx.Client
) -> None:
    """The live OpenAPI document keeps every promise of the recorded contract"""
    response = postdeploy_anonymous.get("/openapi.json")
    assert response.status_code == 200, f"/openapi.json answered HTTP {response.status_code}"
    # the same classifier as `postdeploy contract diff`: a live document that cannot be read
    # or compared (SpecError) fails this check — a release must serve a readable contract
    changes = diff_specs(contract_baseline.spec, parse_spec(response.text, "live /openapi.json"))
    breaking = [c for c in changes if c.breaking]
    warnings = [c for c in changes if c.level is Level.WARNING]
    lines = [f"{c.rule} {c.operation}: {c.message}\n    at {c.path} ({c.old!r} → {c.new!r})"
             for c in breaking[:25]]  # fmt: skip
    assert not breaking, (
        f"{len(breaking)} breaking change(s) against {contract_baseline.source} "
        f"(release {contract_baseline.release}); {len(warnings)} warning(s), "
        f"{len(changes) - len(breaking) - len(warnings)} safe:\n" + "\n".join(lines)
    )


@BREAKS
@pytest.mark.parametrize("name", [example.name for example in EXAMPLES])
def test_recorded_example_answers_within_the_recorded_schema(
    name: str,
    contract_baseline: ContractBaseline,
    postdeploy_user: httpx.Client,
    postdeploy_anonymous: httpx.Client,
    example_values: dict[str, str],
) -> None:
    """Recorded requests still get answers the recorded contract allows"""
    example = next(e for e in EXAMPLES if e.name == name)
    recorded = contract_baseline.examples.get(name)
    if recorded is None:
        pytest.fail(f"postdeploy: the baseline has no example {name!r}; re-record it", False)
    path, response = perform(example, postdeploy_user, postdeploy_anonymous, example_values)
    status = recorded["response"]["status"]
    assert response.status_code == status, (
        f"{example.method} {path} answered HTTP {response.status_code}, recorded {status}"
    )
    pointer = response_schema_pointer(
        contract_baseline.spec, example.path, example.method, status,
        recorded["response"]["content_type"],
    )  # fmt: skip
    assert pointer is not None, f"the baseline documents no {status} answer for {example.path}"
    problems = validate_body(contract_baseline.spec, pointer, response.json())
    assert not problems, (
        f"{example.method} {path}: the answer violates the recorded schema "
        f"({contract_baseline.source}, {pointer}):\n" + "\n".join(problems)
    )


@BREAKS
def test_legacy_api_survives_generated_requests(
    contract_baseline: ContractBaseline,
    postdeploy_user: httpx.Client,
    example_values: dict[str, str],
    postdeploy_config: Config,
    postdeploy_target: TargetSettings,
) -> None:
    """Generated requests to the legacy API get no server error and no off-contract answer"""
    # Imported here: Schemathesis imports requests, which must never meet Locust's gevent
    # patching; this test runs only in the contract stage's own process.
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import CHECKS

    examples = postdeploy_config.suites.contract_max_examples
    schema = schemathesis.openapi.from_dict(contract_baseline.spec.document).include(
        path_regex="^/api/v1/", method="GET"
    )
    # looked up after loading a schema: the OpenAPI checks register themselves then
    checks = CHECKS.get_by_names(["not_a_server_error", "response_schema_conformance"])
    base_url = str(postdeploy_user.base_url).rstrip("/")
    headers = {"Authorization": postdeploy_user.headers["authorization"]}
    # requests verifies against the target's own CA when it has one (the embedded run CA)
    verify: str | bool = str(postdeploy_target.ca_file) if postdeploy_target.ca_file else True
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=examples, deadline=None, derandomize=True, database=None,
            phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=base_url, headers=headers, timeout=10, verify=verify)
            case.validate_response(response, checks=checks)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - every failure is evidence, collected below
            failures.append(f"{operation.label}: {str(exc).strip()[:800]}")
    assert not failures, "\n\n".join(failures)
