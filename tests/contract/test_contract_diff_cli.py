"""``postdeploy contract diff OLD NEW``: exit codes, text and JSON, on real unimedia specs."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from postdeploy.contract import diff_specs, parse_spec


@pytest.fixture(scope="module")
def unimedia_spec() -> dict:
    """unimedia's own OpenAPI document, as the clean release serves it."""
    from unimedia.app import create_app
    from unimedia.settings import Settings

    with tempfile.TemporaryDirectory() as data:
        return create_app(Settings(data_dir=Path(data), token_secret="s" * 40)).openapi()


def write(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_same_spec_exits_0(run_cli, tmp_path: Path, unimedia_spec: dict) -> None:
    spec = write(tmp_path / "a.json", unimedia_spec)
    result = run_cli("contract", "diff", str(spec), str(spec))
    assert result.exit_code == 0, result.stderr
    assert "0 breaking, 0 warning(s), 0 safe change(s)" in result.stdout


def test_renamed_legacy_field_exits_1_with_its_path(
    run_cli, tmp_path: Path, unimedia_spec: dict
) -> None:
    new = json.loads(json.dumps(unimedia_spec))
    image = new["components"]["schemas"]["ImageOut"]
    image["properties"]["filename"] = image["properties"].pop("file_name")
    image["required"] = ["filename" if r == "file_name" else r for r in image["required"]]
    old_file, new_file = (
        write(tmp_path / "old.json", unimedia_spec),
        write(tmp_path / "new.json", new),
    )
    result = run_cli("contract", "diff", str(old_file), str(new_file), "--format", "json")
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    removed = [c for c in report["changes"] if c["rule"] == "response-property-removed"]
    assert {c["operation"] for c in removed} >= {
        "GET /api/v1/images/{image_id}", "POST /api/v1/images", "GET /api/v1/images"
    }  # fmt: skip
    assert all(c["breaking"] and c["path"].endswith(".file_name") for c in removed)
    assert report["breaking"] >= 3


def test_additive_change_exits_0_and_is_listed(
    run_cli, tmp_path: Path, unimedia_spec: dict
) -> None:
    new = json.loads(json.dumps(unimedia_spec))
    new["paths"]["/api/v2/albums"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    new["components"]["schemas"]["MediaOut"]["properties"]["width"] = {"type": "integer"}
    result = run_cli(
        "contract", "diff",
        str(write(tmp_path / "o.json", unimedia_spec)), str(write(tmp_path / "n.json", new)),
    )  # fmt: skip
    assert result.exit_code == 0, result.stdout
    assert "path-added" in result.stdout
    assert "response-property-added" in result.stdout


def test_yaml_input(run_cli, tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: {get: {responses: "
        "{'200': {description: ok}}}}\n  /b: {get: {responses: {'200': {description: ok}}}}\n"
    )
    new = tmp_path / "new.yml"
    new.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: {get: {responses: "
        "{'200': {description: ok}}}}\n"
    )
    result = run_cli("contract", "diff", str(old), str(new))
    assert result.exit_code == 1
    assert "path-removed" in result.stdout
    assert "GET /b" in result.stdout


@pytest.mark.parametrize("content", [None, "{not json", '{"openapi": "2.0"}'])
def test_unreadable_input_exits_2_with_one_line(
    run_cli, tmp_path: Path, content: str | None
) -> None:
    good = tmp_path / "good.json"
    good.write_text('{"openapi": "3.1.0", "paths": {}}')
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    result = run_cli("contract", "diff", str(good), str(bad))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_unimedia_v1_against_itself_in_3_0_spelling(unimedia_spec: dict) -> None:
    """A 3.1 document and its 3.0 rewrite (nullable: true) are the same contract."""

    def to_30(node: object) -> object:
        if isinstance(node, dict):
            branches = node.get("anyOf")
            if isinstance(branches, list) and {"type": "null"} in branches and len(branches) == 2:
                rest = dict(node)
                other = next(b for b in branches if b != {"type": "null"})
                del rest["anyOf"]
                if "$ref" in other:  # 3.0 ignores siblings of $ref: the allOf idiom
                    return {**rest, "allOf": [other], "nullable": True}
                return {**to_30(other), **rest, "nullable": True}  # type: ignore[dict-item]
            return {key: to_30(value) for key, value in node.items()}
        if isinstance(node, list):
            return [to_30(item) for item in node]
        return node

    old = parse_spec(json.dumps(unimedia_spec), "3.1")
    rewritten = to_30(unimedia_spec)
    assert isinstance(rewritten, dict)
    rewritten["openapi"] = "3.0.3"
    assert diff_specs(old, parse_spec(json.dumps(rewritten), "3.0")) == []


# --- the pipeline options, in process (the command line above runs in a subprocess) ------

WARNED = {  # one breaking, one warning, one safe change
    "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
    "paths": {
        "/a": {"get": {"responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "x": {"type": "string"}, "y": {"type": "string"}}}}}}}}},
        "/b": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                       "responses": {"200": {"description": "ok"}}}},
    },
}  # fmt: skip


def _variant(**edits: object) -> dict:
    doc = json.loads(json.dumps(WARNED))
    if edits.get("drop_y"):
        del doc["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"]["properties"]["y"]  # fmt: skip
    if edits.get("drop_q"):
        del doc["paths"]["/b"]["get"]["parameters"]
    if edits.get("add_path"):
        doc["paths"]["/c"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    if "rename" in edits:
        doc["paths"][str(edits["rename"])] = doc["paths"].pop("/b")
    return doc


def invoke(*args: str) -> object:
    from click.testing import CliRunner

    from postdeploy.cli import cli

    return CliRunner().invoke(cli, ["contract", "diff", *args], catch_exceptions=False)


@pytest.fixture
def pair(tmp_path: Path):
    def make(old: dict, new: dict) -> tuple[str, str]:
        return str(write(tmp_path / "old.json", old)), str(write(tmp_path / "new.json", new))

    return make


def test_fail_on_chooses_the_level_that_fails(pair) -> None:
    only_warning = pair(WARNED, _variant(drop_q=True, add_path=True))
    assert invoke(*only_warning).exit_code == 0
    assert invoke(*only_warning, "--fail-on", "warning").exit_code == 1
    assert invoke(*pair(WARNED, _variant(add_path=True)), "--fail-on", "warning").exit_code == 0
    breaking = pair(WARNED, _variant(drop_y=True))
    assert invoke(*breaking).exit_code == 1
    assert invoke(*breaking, "--fail-on", "warning").exit_code == 1


def test_json_names_levels_and_ignored(pair, tmp_path: Path) -> None:
    ignore = tmp_path / "accepted"
    ignore.write_text('response-property-removed $.paths["/a"]*.y  # agreed, API-1\n')
    result = invoke(*pair(WARNED, _variant(drop_y=True, drop_q=True)), "--format", "json",
                    "--ignore", str(ignore))  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["breaking"], report["warnings"], report["ignored"], report["failing"]) == (
        0, 1, 1, 0)  # fmt: skip
    levels = {(c["rule"], c["level"], c["ignored"]) for c in report["changes"]}
    assert levels == {("request-parameter-removed", "warning", False),
                      ("response-property-removed", "breaking", True)}  # fmt: skip


def test_an_ignore_entry_that_matches_nothing_is_reported(pair, tmp_path: Path) -> None:
    ignore = tmp_path / "accepted"
    ignore.write_text("# comment\n\npath-removed  $.paths*\n")
    result = invoke(*pair(WARNED, _variant(drop_y=True)), "--ignore", str(ignore))
    assert result.exit_code == 1
    assert "warning: " in result.stderr
    assert ":3: matched no change (path-removed $.paths*)" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [("path-removed\n", "expected '<rule> <JSON path>'"),
     ("no-such-rule  $.paths\n", "unknown rule 'no-such-rule'"),
     ("path-removed  paths.x\n", "must be a JSON path"),
     (None, "cannot read ignore file")],
)  # fmt: skip
def test_a_bad_ignore_file_is_exit_2(
    pair, tmp_path: Path, content: str | None, message: str
) -> None:
    ignore = tmp_path / "accepted"
    if content is not None:
        ignore.write_text(content)
    result = invoke(*pair(WARNED, WARNED), "--ignore", str(ignore))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ignore file" if content else "error: cannot read")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_markdown_is_a_table_for_a_step_summary(pair) -> None:
    result = invoke(*pair(WARNED, _variant(drop_y=True, drop_q=True, add_path=True)),
                    "--format", "markdown")  # fmt: skip
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "### API contract: breaking changes"
    assert "| level | rule | operation | change | where |" in lines
    rows = [line for line in lines if line.startswith("| ") and "`" in line]
    assert [row.split(" | ")[0] for row in rows] == ["| **breaking**", "| warning", "| safe"]


def test_github_annotations_escape_what_the_spec_says(pair) -> None:
    hostile = "/b\x1b[2J%0A::error::forged\nline"
    result = invoke(*pair(WARNED, _variant(drop_y=True, rename=hostile)), "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert annotations[0].startswith("::error file=")
    assert "title=response-property-removed (breaking)::GET /a: response property 'y' removed" \
        in annotations[0]  # fmt: skip
    # one line per change (the name's newline and "%0A" stay data: no forged command)
    assert len(annotations) == 3, lines
    assert len(lines) == 4
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in annotations)
    assert "\x1b" not in result.stdout
    assert "%250A" in result.stdout
    assert "\\nline" in result.stdout or "%0Aline" in result.stdout
    assert " → " in lines[-1]  # the plain summary last


def test_text_output_is_inert(pair) -> None:
    hostile = "/b\x1b]0;owned\x07\u202etxt"
    result = invoke(*pair(WARNED, _variant(rename=hostile)))
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout
    assert "\u202e" not in result.stdout
    assert "\\x1b]0;owned\\x07\\u202etxt" in result.stdout
