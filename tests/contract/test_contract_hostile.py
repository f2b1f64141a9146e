"""``contract diff`` on garbage and hostile input (issue 16): never a traceback, never past
its bounds, and never exit 0 or 1 for a document it could not read.

Hypothesis generates the inputs (derandomised, so CI sees the same ones every run); the
bounds are the work budget of :mod:`postdeploy.contract.limits`, checked as a count of
steps — no timing is asserted. The named cases are the ones the hardening report found.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postdeploy.cli import cli
from postdeploy.contract import (
    RULES,
    Spec,
    SpecError,
    SpecTooComplex,
    diff_specs,
    load_spec,
    parse_spec,
)
from postdeploy.contract.diff import _Differ

BASELINE = Path(__file__).resolve().parents[2] / "baselines" / "contract.json"
SMALL_BUDGET = 5_000
FUZZ = settings(
    max_examples=40, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip


def reference() -> dict[str, Any]:
    return json.loads(BASELINE.read_text(encoding="utf-8"))["openapi"]


REFERENCE = reference()
REFERENCE_SPEC = parse_spec(json.dumps(REFERENCE), "reference")  # views are cached: share it


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["contract", "diff", *args], catch_exceptions=False)


def judged_or_refused(old_text: str | Spec, new_text: str | Spec) -> list[Any] | None:
    """Diff two texts with a small budget: the changes, or None when refused — anything
    else (a traceback) fails the test. The walk must stay within its budget."""
    try:
        old = old_text if isinstance(old_text, Spec) else parse_spec(old_text, "old")
        new = new_text if isinstance(new_text, Spec) else parse_spec(new_text, "new")
    except SpecError:
        return None
    differ = _Differ(old, new, SMALL_BUDGET)
    try:
        changes = differ.run()
    except SpecError:
        changes = None
    assert differ.schemas.steps <= SMALL_BUDGET
    assert all(change.rule in RULES for change in changes or ())
    return changes


# --- what the hardening report found ---------------------------------------------------


def alias_bomb(depth: int, leaf: str = "string") -> str:
    """Properties aliasing each other ``depth`` deep: 10**depth paths in a few lines."""
    lines = ["openapi: 3.1.0", "info: {title: t, version: '1'}", "x-defs:",
             f"  l0: &l0 {{type: {leaf}}}"]  # fmt: skip
    for level in range(1, depth + 1):
        props = ", ".join(f"p{n}: *l{level - 1}" for n in range(10))
        lines.append(f"  l{level}: &l{level} {{type: object, properties: {{{props}}}}}")
    lines += ["paths:", "  /a: {get: {responses: {'200': {description: ok, content: "
              f"{{application/json: {{schema: *l{depth}}}}}}}}}}}}}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def test_alias_bomb_against_itself_is_one_walk(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(9))
    result = run(str(bomb), str(bomb))
    assert result.exit_code == 0, result.output
    differ = _Differ(load_spec(bomb), load_spec(bomb), SMALL_BUDGET)
    assert differ.run() == []
    assert differ.schemas.steps < 200  # each level walked once, its pairs remembered: not 10**9


def test_alias_bomb_with_a_change_at_the_bottom_is_refused_within_the_budget(
    tmp_path: Path,
) -> None:
    old, new = parse_spec(alias_bomb(9), "old"), parse_spec(alias_bomb(9, "integer"), "new")
    differ = _Differ(old, new, SMALL_BUDGET)
    with pytest.raises(SpecTooComplex, match="more than 5000 schema comparisons"):
        differ.run()
    assert differ.schemas.steps <= SMALL_BUDGET


def test_a_small_alias_bomb_with_a_change_is_judged() -> None:
    """Three levels: a thousand reports, within bounds — the change is found, not refused."""
    changes = diff_specs(
        parse_spec(alias_bomb(3), "old"), parse_spec(alias_bomb(3, "integer"), "new")
    )
    assert {change.rule for change in changes} == {"response-type-changed"}
    assert len(changes) == 1000


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("json 100 000 deep", '{"openapi": "3.1.0", "paths": {}, "x": ' + "[" * 100_000
         + "]" * 100_000 + "}", "nested too deeply to read"),
        ("yaml 600 deep", "openapi: 3.1.0\npaths: {}\nx: " + "[" * 600 + "]" * 600 + "\n",
         "nested more than 512 levels"),
        ("yaml alias cycle", "openapi: 3.1.0\npaths: {}\nx: &a [*a]\n", "refers to itself"),
        ("int of 5000 digits", "openapi: 3.1.0\npaths: {}\nx: " + "7" * 5000 + "\n",
         "unreadable YAML value"),
        ("not utf-8", None, "not UTF-8"),
        ("binary", "\x00\x01\x02\xff", None),
        ("empty", "", None),
        ("a list", "- 1\n- 2\n", "not an OpenAPI document"),
        ("responses a list", '{"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": [1]}}}}',
         r"responses at \$\.paths\[\"/a\"\]\.get\.responses is not a mapping"),
        ("unhashable yaml key", "openapi: 3.1.0\npaths: {}\n? [a, b]\n: c\n", None),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 30 else "",
)  # fmt: skip
def test_unreadable_input_is_exit_2_with_one_line(
    tmp_path: Path, name: str, text: str | None, message: str | None
) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(REFERENCE))
    bad = tmp_path / "bad.yaml"
    if text is None:
        bad.write_bytes(b"openapi: 3.1.0\npaths: {}\nx: \xff\xfe\n")
    else:
        bad.write_text(text, encoding="utf-8", errors="surrogatepass")
    for args in ((str(good), str(bad)), (str(bad), str(good))):
        result = run(*args)
        assert result.exit_code == 2, (name, result.output)
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: "), result.stderr
        if message:
            assert re.search(message, lines[0]), lines[0]


def test_deep_json_outside_the_schemas_is_read_and_judged() -> None:
    """JSON is read as deep as its parser goes; what the classifier walks is bounded by the
    schema depth, so 600 levels of extension data are no danger (and no verdict on them)."""
    deep = {"openapi": "3.1.0", "paths": {}, "x-deep": json.loads("[" * 600 + "]" * 600)}
    assert diff_specs(parse_spec(json.dumps(deep), "a"), parse_spec(json.dumps(deep), "b")) == []


def test_deep_schemas_through_refs_are_refused_not_a_recursion_error() -> None:
    """A chain of 2000 distinct components: deeper than any walk may go."""
    schemas = {f"S{i}": {"type": "object", "properties": {"next": {
        "$ref": f"#/components/schemas/S{i + 1}"}}} for i in range(2000)}  # fmt: skip
    schemas["S2000"] = {"type": "string"}
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}}
    doc = {"openapi": "3.1.0", "components": {"schemas": schemas}, "paths": {
        "/a": {"get": {"responses": {"200": {"description": "ok", "content": body}}}}}}  # fmt: skip
    other = json.loads(json.dumps(doc))
    other["components"]["schemas"]["S2000"] = {"type": "integer"}
    with pytest.raises(SpecTooComplex, match="nested more than 100 deep"):
        diff_specs(parse_spec(json.dumps(doc), "a"), parse_spec(json.dumps(other), "b"))


def test_a_file_over_the_size_bound_is_refused(tmp_path: Path, monkeypatch: Any) -> None:
    import postdeploy.contract.load as load

    monkeypatch.setattr(load, "MAX_DOCUMENT_BYTES", 1000)
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"openapi": "3.1.0", "paths": {}, "x": "y" * 2000}))
    result = run(str(big), str(big))
    assert result.exit_code == 2
    assert "larger than" in result.stderr


def test_a_directory_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(REFERENCE))
    for bad in (tmp_path, tmp_path / "missing.json"):
        result = run(str(good), str(bad))
        assert result.exit_code == 2
        assert result.stderr.startswith("error: cannot read")


# --- generated garbage -----------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=25,
)
# words the classifier reads, so that garbage reaches it rather than the first check
WORDS = st.sampled_from([
    "paths", "get", "post", "parameters", "requestBody", "responses", "200", "content",
    "application/json", "schema", "type", "properties", "required", "items", "allOf",
    "oneOf", "anyOf", "$ref", "#/components/schemas/A", "enum", "nullable", "in", "name",
    "query", "path", "header", "components", "schemas", "A", "security", "webhooks",
    "callbacks", "not", "if", "then", "contains", "prefixItems", "discriminator", "mapping",
    "string", "object", "array", "integer", "null", "additionalProperties", "readOnly",
])  # fmt: skip
SHAPED = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 300) | WORDS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(WORDS, children, max_size=4),
    max_leaves=30,
)


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash_and_are_never_a_verdict(
    tmp_path_factory: Any, data: bytes
) -> None:
    folder = tmp_path_factory.mktemp("bytes")
    bad, good = folder / "bad", folder / "good.json"
    bad.write_bytes(data)
    good.write_text(json.dumps(REFERENCE))
    try:
        load_spec(bad)
    except SpecError:
        result = run(str(good), str(bad))
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: ")
    else:  # pragma: no cover - random bytes that are an OpenAPI 3 document
        pass


@FUZZ
@given(text=st.text(max_size=300))
def test_random_text_never_crashes(text: str) -> None:
    judged_or_refused(REFERENCE_SPEC, text)
    judged_or_refused(text, text)


@FUZZ
@given(paths=SHAPED, components=SHAPED)
def test_documents_of_random_shape_never_crash(paths: Any, components: Any) -> None:
    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths,
           "components": components}  # fmt: skip
    text = json.dumps(doc)
    judged_or_refused(text, REFERENCE_SPEC)
    judged_or_refused(REFERENCE_SPEC, text)
    assert judged_or_refused(text, text) in (None, [])  # a document against itself: nothing


def _paths_of(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths_of(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths_of(value, (*path, index))
    return found


REFERENCE_PATHS = _paths_of(REFERENCE)[1:]


@FUZZ
@given(where=st.sampled_from(REFERENCE_PATHS), value=JSON_VALUES | SHAPED)
def test_a_real_spec_with_one_part_replaced_never_crashes(
    where: tuple[Any, ...], value: Any
) -> None:
    """unimedia's recorded contract with one subtree swapped for garbage, both ways round."""
    mutated = json.loads(json.dumps(REFERENCE))
    node = mutated
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    try:
        spec = parse_spec(json.dumps(mutated), "mutated")
    except SpecError:
        return
    judged_or_refused(REFERENCE_SPEC, spec)
    judged_or_refused(spec, REFERENCE_SPEC)


@FUZZ
@given(levels=st.integers(1, 6), fan=st.integers(1, 6), change=st.booleans())
def test_generated_alias_structures_stay_within_the_budget(
    levels: int, fan: int, change: bool
) -> None:
    lines = ["openapi: 3.1.0", "info: {title: t, version: '1'}", "x:", "  l0: &l0 {type: string}"]
    for level in range(1, levels + 1):
        props = ", ".join(f"p{n}: *l{level - 1}" for n in range(fan))
        lines.append(f"  l{level}: &l{level} {{type: object, properties: {{{props}}}, "
                     f"items: *l{level - 1}}}")  # fmt: skip
    lines.append(f"paths: {{/a: {{post: {{requestBody: {{content: {{application/json: "
                 f"{{schema: *l{levels}}}}}}}, responses: {{'200': {{description: ok, content: "
                 f"{{application/json: {{schema: *l{levels}}}}}}}}}}}}}}}")  # fmt: skip
    old = "\n".join(lines) + "\n"
    new = old.replace("l0: &l0 {type: string}", "l0: &l0 {type: integer}") if change else old
    changes = judged_or_refused(old, new)
    assert changes is None or bool(changes) is change
