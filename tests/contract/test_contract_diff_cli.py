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
    assert "0 breaking, 0 non-breaking" in result.stdout


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
