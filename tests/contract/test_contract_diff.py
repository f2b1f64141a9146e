"""The classifier on spec pairs built in code: each case changes one thing and names the rule
it must report and whether that is breaking (the labelled corpus of every rule is
``test_contract_corpus.py``). Cases marked "users report" are where the popular
detectors have been reported wrong (readOnly properties in requests, spelling changes of
nullable, renamed path parameters, parameters moved between path and operation level)."""

from __future__ import annotations

from typing import Any

import pytest
from contract_specs import JSON, changed, document, get, obj, post, spec

from postdeploy.contract import SpecError, diff_specs, parse_spec

STR = {"type": "string"}
INT = {"type": "integer"}


def rules(old: dict[str, Any], new: dict[str, Any]) -> dict[str, bool]:
    """rule id → breaking, for every change from ``old`` to ``new``."""
    return {change.rule: change.breaking for change in diff_specs(spec(old), spec(new))}


def one_get(schema: Any, **kw: Any) -> dict[str, Any]:
    return document({"/items/{id}": {"get": get(schema, **kw)}})


def one_post(schema: Any, **kw: Any) -> dict[str, Any]:
    return document({"/items": {"post": post(schema, **kw)}})


# (case id, old document, new document, the rule that must be reported, breaking?)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, bool]] = [
    ("path removed", document({"/a": {"get": get(STR)}, "/b": {"get": get(STR)}}),
     document({"/a": {"get": get(STR)}}), "path-removed", True),
    ("operation removed", document({"/a": {"get": get(STR), "delete": get(STR)}}),
     document({"/a": {"get": get(STR)}}), "operation-removed", True),
    ("path added", document({"/a": {"get": get(STR)}}),
     document({"/a": {"get": get(STR)}, "/b": {"get": get(STR)}}), "path-added", False),
    ("operation added", document({"/a": {"get": get(STR)}}),
     document({"/a": {"get": get(STR), "post": post(STR)}}), "operation-added", False),
    ("deprecated", document({"/a": {"get": get(STR)}}),
     document({"/a": {"get": get(STR, deprecated=True)}}), "operation-deprecated", False),
    # --- response properties
    ("response property removed", one_get(obj(("a", "b"), a=STR, b=INT)),
     one_get(obj(("a",), a=STR)), "response-property-removed", True),
    ("optional response property removed", one_get(obj((), a=STR, b=INT)),
     one_get(obj((), a=STR)), "response-property-removed", True),
    ("response property renamed", one_get(obj(("file_name",), file_name=STR)),
     one_get(obj(("filename",), filename=STR)), "response-property-removed", True),
    ("response property added to closed schema", one_get(obj(("a",), closed=True, a=STR)),
     one_get(obj(("a",), closed=True, a=STR, b=INT)), "response-property-added", False),
    ("response property became optional", one_get(obj(("a",), a=STR)),
     one_get(obj((), a=STR)), "response-property-became-optional", True),
    ("response property became required", one_get(obj((), a=STR)),
     one_get(obj(("a",), a=STR)), "response-property-became-required", False),
    ("response type changed", one_get(obj(("id",), id=INT)),
     one_get(obj(("id",), id=STR)), "response-type-changed", True),
    ("response integer → number widens", one_get({"type": "integer"}),
     one_get({"type": "number"}), "response-type-changed", True),
    ("response number → integer narrows", one_get({"type": "number"}),
     one_get({"type": "integer"}), "response-type-narrowed", False),
    ("response nullable (3.0)", one_get(STR, ) | {"openapi": "3.0.3"},
     one_get({"type": "string", "nullable": True}) | {"openapi": "3.0.3"},
     "response-became-nullable", True),
    ("response nullable (3.1 anyOf)", one_get(STR),
     one_get({"anyOf": [STR, {"type": "null"}]}), "response-became-nullable", True),
    ("response no longer nullable", one_get({"type": ["string", "null"]}),
     one_get(STR), "response-became-not-nullable", False),
    ("response format dropped", one_get({"type": "string", "format": "date-time"}),
     one_get(STR), "response-format-changed", True),
    ("response format changed", one_get({"type": "string", "format": "date-time"}),
     one_get({"type": "string", "format": "date"}), "response-format-changed", True),
    ("response int64 → int32 narrows", one_get({"type": "integer", "format": "int64"}),
     one_get({"type": "integer", "format": "int32"}), "response-format-added", False),
    ("response enum value added", one_get({"type": "string", "enum": ["a", "b"]}),
     one_get({"type": "string", "enum": ["a", "b", "c"]}), "response-enum-widened", True),
    ("response enum value removed", one_get({"type": "string", "enum": ["a", "b"]}),
     one_get({"type": "string", "enum": ["a"]}), "response-enum-narrowed", False),
    ("response maxLength removed", one_get({"type": "string", "maxLength": 10}),
     one_get(STR), "response-constraint-loosened", True),
    ("response pattern added", one_get(STR),
     one_get({"type": "string", "pattern": "^img_"}), "response-constraint-tightened", False),
    ("response pattern changed", one_get({"type": "string", "pattern": "^img_"}),
     one_get({"type": "string", "pattern": "^image-"}), "response-constraint-loosened", True),
    ("response maximum raised", one_get({"type": "integer", "maximum": 10}),
     one_get({"type": "integer", "maximum": 11}), "response-constraint-loosened", True),
    ("response array items retyped", one_get({"type": "array", "items": INT}),
     one_get({"type": "array", "items": STR}), "response-type-changed", True),
    ("response union branch added",
     one_get({"oneOf": [{"$ref": "#/components/schemas/A"}]}) | {
         "components": {"schemas": {"A": obj(a=STR), "B": obj(b=STR)}}},
     one_get({"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]})
     | {"components": {"schemas": {"A": obj(a=STR), "B": obj(b=STR)}}},
     "response-union-branch-added", True),
    ("response union branch removed",
     one_get({"oneOf": [obj(("a",), a=STR) | {"title": "A"},
                        obj(("b",), b=INT) | {"title": "B"}]}),
     one_get({"oneOf": [obj(("a",), a=STR) | {"title": "A"}]}), "response-union-branch-removed",
     False),
    # --- request bodies and their properties
    ("new required request property", one_post(obj(("a",), a=STR)),
     one_post(obj(("a", "b"), a=STR, b=STR)), "request-property-added-required", True),
    ("new required request property with a default", one_post(obj(("a",), a=STR)),
     one_post(obj(("a", "b"), a=STR, b={"type": "string", "default": "x"})),
     "request-property-added-required", True),
    ("new optional request property", one_post(obj(("a",), a=STR)),
     one_post(obj(("a",), a=STR, b=STR)), "request-property-added", False),
    ("request property became required", one_post(obj((), a=STR)),
     one_post(obj(("a",), a=STR)), "request-property-became-required", True),
    ("request property became optional", one_post(obj(("a",), a=STR)),
     one_post(obj((), a=STR)), "request-property-became-optional", False),
    ("request property removed (open schema)", one_post(obj((), a=STR, b=STR)),
     one_post(obj((), a=STR)), "request-property-removed", False),
    ("request property removed (closed schema)", one_post(obj((), closed=True, a=STR, b=STR)),
     one_post(obj((), closed=True, a=STR)), "request-property-removed-closed", True),
    ("request now closed", one_post(obj((), a=STR)), one_post(obj((), closed=True, a=STR)),
     "request-additional-properties-forbidden", True),
    ("request type narrowed", one_post(obj((), n={"type": "number"})),
     one_post(obj((), n=INT)), "request-type-changed", True),
    ("request type widened", one_post(obj((), n=INT)),
     one_post(obj((), n={"type": "number"})), "request-type-widened", False),
    ("request no longer nullable", one_post(obj((), a={"type": ["string", "null"]})),
     one_post(obj((), a=STR)), "request-became-not-nullable", True),
    ("request format added", one_post(obj((), a=STR)),
     one_post(obj((), a={"type": "string", "format": "uuid"})), "request-format-changed", True),
    ("request int32 → int64 widens", one_post(obj((), a={"type": "integer", "format": "int32"})),
     one_post(obj((), a={"type": "integer", "format": "int64"})), "request-format-removed", False),
    ("request enum narrowed", one_post(obj((), k={"enum": ["image", "video"]})),
     one_post(obj((), k={"enum": ["image"]})), "request-enum-narrowed", True),
    ("request enum introduced", one_post(obj((), k=STR)),
     one_post(obj((), k={"type": "string", "enum": ["image"]})), "request-enum-narrowed", True),
    ("request enum widened", one_post(obj((), k={"enum": ["image"]})),
     one_post(obj((), k={"enum": ["image", "video"]})), "request-enum-widened", False),
    ("request maxLength lowered", one_post(obj((), a={"type": "string", "maxLength": 10})),
     one_post(obj((), a={"type": "string", "maxLength": 5})), "request-constraint-tightened",
     True),
    ("request minimum added", one_post(obj((), a=INT)),
     one_post(obj((), a={"type": "integer", "minimum": 1})), "request-constraint-tightened",
     True),
    ("request maxItems raised", one_post({"type": "array", "items": STR, "maxItems": 5}),
     one_post({"type": "array", "items": STR, "maxItems": 50}), "request-constraint-loosened",
     False),
    ("request exclusive bound", one_post(obj((), a={"type": "integer", "maximum": 5})),
     one_post(obj((), a={"type": "integer", "exclusiveMaximum": 5})),
     "request-constraint-tightened", True),
    ("request union branch removed", one_post({"anyOf": [obj(closed=True, a=STR) | {"title": "A"},
                                                        obj(b=INT) | {"title": "B"}]}),
     one_post({"anyOf": [obj(closed=True, a=STR) | {"title": "A"}]}),
     "request-union-branch-removed", True),
    ("request union branch added", one_post(obj(a=STR) | {"title": "A"}),
     one_post({"anyOf": [obj(a=STR) | {"title": "A"}, obj(b=INT) | {"title": "B"}]}),
     "request-union-branch-added", False),
    ("request body became required", one_post(obj(a=STR), required=False),
     one_post(obj(a=STR)), "request-body-became-required", True),
    ("request body added, required", document({"/items": {"post": {"responses": {"201": {
        "description": "x"}}}}}), one_post(obj(a=STR)), "request-body-added-required", True),
    ("request media type removed",
     document({"/items": {"post": {"requestBody": {"content": {
         JSON: {"schema": STR}, "text/plain": {"schema": STR}}}, "responses": {}}}}),
     document({"/items": {"post": {"requestBody": {"content": {JSON: {"schema": STR}}},
                                   "responses": {}}}}),
     "request-media-type-removed", True),
    # --- parameters
    ("new required query parameter", one_get(STR),
     one_get(STR, parameters=[{"name": "q", "in": "query", "required": True, "schema": STR}]),
     "request-parameter-added-required", True),
    ("new optional query parameter", one_get(STR),
     one_get(STR, parameters=[{"name": "q", "in": "query", "schema": STR}]),
     "request-parameter-added", False),
    ("query parameter became required",
     one_get(STR, parameters=[{"name": "q", "in": "query", "schema": STR}]),
     one_get(STR, parameters=[{"name": "q", "in": "query", "required": True, "schema": STR}]),
     "request-parameter-became-required", True),
    ("query parameter removed",
     one_get(STR, parameters=[{"name": "q", "in": "query", "schema": STR}]), one_get(STR),
     "request-parameter-removed", False),
    ("query parameter's maximum lowered",
     one_get(STR, parameters=[{"name": "limit", "in": "query",
                               "schema": {"type": "integer", "maximum": 200}}]),
     one_get(STR, parameters=[{"name": "limit", "in": "query",
                               "schema": {"type": "integer", "maximum": 100}}]),
     "request-constraint-tightened", True),
    ("operation-level override makes a path-level parameter required",
     document({"/a": {"parameters": [{"name": "q", "in": "query", "schema": STR}],
                      "get": get(STR)}}),
     document({"/a": {"parameters": [{"name": "q", "in": "query", "schema": STR}],
                      "get": get(STR, parameters=[{"name": "q", "in": "query",
                                                   "required": True, "schema": STR}])}}),
     "request-parameter-became-required", True),
    # --- responses
    ("success status removed (DELETE 200 → 204)",
     document({"/a/{id}": {"delete": {"responses": {"200": {"description": "x"}}}}}),
     document({"/a/{id}": {"delete": {"responses": {"204": {"description": "x"}}}}}),
     "response-success-status-removed", True),
    ("error status removed",
     document({"/a": {"get": {"responses": {"200": {"description": "x"},
                                            "404": {"description": "x"}}}}}),
     document({"/a": {"get": {"responses": {"200": {"description": "x"}}}}}),
     "response-status-removed", False),
    ("response media type removed",
     document({"/a": {"get": {"responses": {"200": {"description": "x", "content": {
         JSON: {"schema": STR}, "text/csv": {"schema": STR}}}}}}}),
     document({"/a": {"get": get(STR)}}), "response-media-type-removed", True),
    ("response header removed",
     document({"/a": {"get": {"responses": {"200": {"description": "x", "headers": {
         "ETag": {"schema": STR}}}}}}}),
     document({"/a": {"get": {"responses": {"200": {"description": "x"}}}}}),
     "response-header-removed", True),
    # --- security
    ("authentication added where there was none", one_get(STR),
     one_get(STR, security=[{"bearer": []}]), "security-requirement-changed", True),
    ("scope added", one_get(STR, security=[{"oauth": ["read"]}]),
     one_get(STR, security=[{"oauth": ["read", "write"]}]), "security-requirement-changed", True),
    ("scheme swapped", one_get(STR, security=[{"bearer": []}]),
     one_get(STR, security=[{"apikey": []}]), "security-requirement-changed", True),
    ("alternative added", one_get(STR, security=[{"bearer": []}]),
     one_get(STR, security=[{"bearer": []}, {"apikey": []}]), "security-requirement-relaxed",
     False),
    ("authentication made optional", one_get(STR, security=[{"bearer": []}]),
     one_get(STR, security=[{"bearer": []}, {}]), "security-requirement-relaxed", False),
    ("global security added", one_get(STR), one_get(STR) | {"security": [{"bearer": []}]},
     "security-requirement-changed", True),
    ("security scheme changed",
     one_get(STR, security=[{"auth": []}]) | {"components": {"securitySchemes": {
         "auth": {"type": "http", "scheme": "bearer"}}}},
     one_get(STR, security=[{"auth": []}]) | {"components": {"securitySchemes": {
         "auth": {"type": "apiKey", "in": "header", "name": "X-Key"}}}},
     "security-scheme-changed", True),
    ("request became nullable", one_post(obj((), a=STR)),
     one_post(obj((), a={"type": ["string", "null"]})), "request-became-nullable", False),
    ("optional request body added", document({"/items": {"post": {"responses": {"201": {
        "description": "x"}}}}}), one_post(obj(a=STR), required=False), "request-body-added",
     False),
    ("request body removed", one_post(obj(a=STR), required=False),
     document({"/items": {"post": {"responses": {"201": {"description": "created"}}}}}),
     "request-body-removed", False),
    ("request media type added",
     document({"/items": {"post": {"requestBody": {"content": {JSON: {"schema": STR}}},
                                   "responses": {}}}}),
     document({"/items": {"post": {"requestBody": {"content": {
         JSON: {"schema": STR}, "text/plain": {"schema": STR}}}, "responses": {}}}}),
     "request-media-type-added", False),
    ("query parameter became optional",
     one_get(STR, parameters=[{"name": "q", "in": "query", "required": True, "schema": STR}]),
     one_get(STR, parameters=[{"name": "q", "in": "query", "schema": STR}]),
     "request-parameter-became-optional", False),
    ("response header added",
     document({"/a": {"get": {"responses": {"200": {"description": "x"}}}}}),
     document({"/a": {"get": {"responses": {"200": {"description": "x", "headers": {
         "ETag": {"schema": STR}}}}}}}), "response-header-added", False),
    ("response header became optional",
     document({"/a": {"get": {"responses": {"200": {"description": "x", "headers": {
         "ETag": {"required": True, "schema": STR}}}}}}}),
     document({"/a": {"get": {"responses": {"200": {"description": "x", "headers": {
         "ETag": {"schema": STR}}}}}}}), "response-header-became-optional", True),
    ("response media type added", document({"/a": {"get": get(STR)}}),
     document({"/a": {"get": {"responses": {"200": {"description": "x", "content": {
         JSON: {"schema": STR}, "text/csv": {"schema": STR}}}}}}}),
     "response-media-type-added", False),
    ("status added", document({"/a": {"get": get(STR)}}),
     document({"/a": {"get": get(STR) | {"responses": {**get(STR)["responses"],
                                                        "404": {"description": "x"}}}}}),
     "response-status-added", False),
    # --- composition and references
    ("property removed inside a component",
     one_get({"$ref": "#/components/schemas/Item"}) | {
         "components": {"schemas": {"Item": obj(("a", "b"), a=STR, b=STR)}}},
     one_get({"$ref": "#/components/schemas/Item"}) | {
         "components": {"schemas": {"Item": obj(("a",), a=STR)}}},
     "response-property-removed", True),
    ("allOf conjunct dropped removes a property",
     one_get({"allOf": [obj(("a",), a=STR), obj(("b",), b=STR)]}),
     one_get({"allOf": [obj(("a",), a=STR)]}), "response-property-removed", True),
    ("nested property retyped through a $ref chain",
     one_get(obj(("item",), item={"$ref": "#/components/schemas/Alias"})) | {"components": {
         "schemas": {"Alias": {"$ref": "#/components/schemas/Item"}, "Item": obj(("n",), n=INT)}}},
     one_get(obj(("item",), item={"$ref": "#/components/schemas/Alias"})) | {"components": {
         "schemas": {"Alias": {"$ref": "#/components/schemas/Item"}, "Item": obj(("n",), n=STR)}}},
     "response-type-changed", True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "rule", "breaking"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_change_is_classified(old: dict, new: dict, rule: str, breaking: bool) -> None:
    found = rules(old, new)
    assert rule in found, found
    assert found[rule] is breaking
    assert any(found.values()) is breaking, f"other rules disagree: {found}"


# (case id, old, new): spelling changes that must report nothing at all
SAME: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("identical", one_get(obj(("a",), a=STR)), one_get(obj(("a",), a=STR))),
    ("path parameter renamed (users report)",
     document({"/a/{id}": {"get": get(STR, parameters=[
         {"name": "id", "in": "path", "required": True, "schema": STR}])}}),
     document({"/a/{media_id}": {"get": get(STR, parameters=[
         {"name": "media_id", "in": "path", "required": True, "schema": STR}])}})),
    ("parameter moved from operation to path level (users report)",
     document({"/a": {"get": get(STR, parameters=[{"name": "q", "in": "query", "schema": STR}])}}),
     document({"/a": {"parameters": [{"name": "q", "in": "query", "schema": STR}],
                      "get": get(STR)}})),
    ("header parameter name case", one_get(STR, parameters=[
        {"name": "X-Trace", "in": "header", "schema": STR}]),
     one_get(STR, parameters=[{"name": "x-trace", "in": "header", "schema": STR}])),
    ("nullable 3.0 → 3.1 spelling (users report)",
     one_get({"type": "string", "nullable": True}) | {"openapi": "3.0.3"},
     one_get({"anyOf": [STR, {"type": "null"}]})),
    ("nullable 3.1 type list ↔ anyOf", one_get({"type": ["integer", "null"]}),
     one_get({"anyOf": [INT, {"type": "null"}], "title": "Width"})),
    ("inline schema moved to a component",
     one_get(obj(("a",), a=STR)),
     one_get({"$ref": "#/components/schemas/A"}) | {"components": {"schemas": {
         "A": obj(("a",), a=STR)}}}),
    ("object split into allOf", one_get(obj(("a", "b"), a=STR, b=INT)),
     one_get({"allOf": [obj(("a",), a=STR), obj(("b",), b=INT)]})),
    ("3.0 boolean exclusiveMaximum → 3.1 number",
     one_get({"type": "integer", "maximum": 5, "exclusiveMaximum": True}) | {"openapi": "3.0.3"},
     one_get({"type": "integer", "exclusiveMaximum": 5})),
    ("descriptions, titles, examples, operationId", one_get(obj(("a",), a=STR)),
     one_get(obj(("a",), a=STR | {"description": "d", "examples": ["x"]}) | {"title": "T"},
             operationId="x", summary="s")),
    ("readOnly required property added: requests unaffected (users report)",
     document({"/g": {"post": post({"$ref": "#/components/schemas/G"})}},
              schemas={"G": obj(("name",), name=STR)}),
     document({"/g": {"post": post({"$ref": "#/components/schemas/G"})}},
              schemas={"G": obj(("name", "id"), name=STR, id=STR | {"readOnly": True})})),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new"), [c[1:] for c in SAME], ids=[c[0] for c in SAME])
def test_equivalent_spellings_report_nothing(old: dict, new: dict) -> None:
    assert diff_specs(spec(old), spec(new)) == []


def test_readonly_property_added_is_only_a_response_addition() -> None:
    old = document({"/g": {"post": post({"$ref": "#/components/schemas/G"}),
                           "get": get({"$ref": "#/components/schemas/G"})}},
                   schemas={"G": obj(("name",), name=STR)})  # fmt: skip
    new = changed(old, lambda d: d["components"]["schemas"]["G"]["properties"].update(
        id=STR | {"readOnly": True}))  # fmt: skip
    found = diff_specs(spec(old), spec(new))
    assert [(c.rule, c.operation, c.breaking) for c in found] == [
        ("response-property-added", "GET /g", False)
    ]


def test_writeonly_property_removed_is_not_a_response_change() -> None:
    old = one_get(obj((), a=STR, secret=STR | {"writeOnly": True}))
    new = one_get(obj((), a=STR))
    assert diff_specs(spec(old), spec(new)) == []


def test_evidence_names_the_json_path_and_both_values() -> None:
    old = one_get(obj(("id",), id=INT))
    new = one_get(obj(("id",), id=STR))
    (change,) = diff_specs(spec(old), spec(new))
    assert change.path == (
        '$.paths["/items/{id}"].get.responses["200"].content["application/json"]'
        ".schema.properties.id.type"
    )
    assert (change.old, change.new) == ("integer", "string")
    assert change.operation == "GET /items/{id}"


def test_rename_is_hinted() -> None:
    (change, *_rest) = diff_specs(spec(one_get(obj(("file_name",), file_name=STR))),
                                  spec(one_get(obj(("filename",), filename=STR))))  # fmt: skip
    assert "renamed to 'filename'" in change.message


def test_recursive_schema_terminates_and_finds_a_deep_change() -> None:
    def tree(leaf_type: str) -> dict[str, Any]:
        node = obj(
            ("value",),
            value={"type": leaf_type},
            children={"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
        )
        return one_get({"$ref": "#/components/schemas/Node"}) | {
            "components": {"schemas": {"Node": node}}}  # fmt: skip

    assert diff_specs(spec(tree("string")), spec(tree("string"))) == []
    assert {c.rule for c in diff_specs(spec(tree("string")), spec(tree("integer")))} == {
        "response-type-changed"
    }


def test_dangling_ref_is_an_error() -> None:
    bad = one_get({"$ref": "#/components/schemas/Missing"})
    with pytest.raises(SpecError, match="points nowhere"):
        diff_specs(spec(bad), spec(bad))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "not a mapping"),
        ('{"swagger": "2.0", "paths": {}}', "2.0 is not supported"),
        ('{"openapi": "4.0", "paths": {}}', "unsupported"),
        ('{"openapi": "3.1.0", "paths": []}', r"paths at \$\.paths is not a mapping"),
        ("openapi: [unclosed", "neither JSON nor YAML"),
    ],
)
def test_unreadable_documents(text: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec(text, "x")


def test_yaml_and_json_read_alike() -> None:
    yaml_text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n" \
        "      responses:\n        '200':\n          description: ok\n"  # fmt: skip
    parsed = parse_spec(yaml_text, "y")
    assert parsed.version == "3.0.3"
    assert list(parsed.document["paths"]) == ["/a"]
