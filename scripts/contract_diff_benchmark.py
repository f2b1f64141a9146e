"""How long ``postdeploy contract diff`` takes on a large spec (issue 17: a 5 MB spec in
under 2 s). A measurement, not a test: no timing is asserted anywhere in ``tests/``.

It generates a realistic API description of about ``--size-mb`` MB — resources with
CRUD operations, path, query and header parameters, request bodies, paged list responses,
error responses sharing one schema, components that refer to each other (nested objects,
arrays, enums, nullable fields, a oneOf with a discriminator, a recursive tree) — then a
second release of it with a handful of changes (a property removed, a new required
parameter, an enum value added, a new path), writes both as JSON and YAML, and times the
real command line, each format ``--runs`` times::

    .venv/bin/python scripts/contract_diff_benchmark.py --size-mb 5 --runs 5

It prints the medians and ranges of the wall time (what a pipeline waits for) and of the
command's CPU time (what it costs when it need not wait for a core: on a shared machine the
two differ), the size of each file, and how many changes the diff found (the same number
every run, or the figure is not worth having).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ENUM = ["draft", "review", "published", "archived"]


def _resource(index: int, count: int) -> dict[str, Any]:
    """One component schema with nested parts and references to two neighbours."""
    neighbour = f"Resource{(index + 1) % count}"
    other = f"Resource{(index * 7 + 3) % count}"
    return {
        "type": "object",
        "required": ["id", "name", "state", "created_at"],
        "properties": {
            "id": {"type": "string", "format": "uuid", "readOnly": True},
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": {"type": ["string", "null"], "maxLength": 4000},
            "state": {"type": "string", "enum": list(ENUM)},
            "priority": {"type": "integer", "minimum": 0, "maximum": 10},
            "score": {"type": "number", "format": "double"},
            "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                     "maxItems": 50, "uniqueItems": True},
            "owner": {"$ref": "#/components/schemas/User"},
            "parent": {"anyOf": [{"$ref": f"#/components/schemas/{neighbour}Ref"},
                                 {"type": "null"}]},
            "related": {"type": "array", "items": {"$ref": f"#/components/schemas/{other}Ref"}},
            "attributes": {"type": "object", "additionalProperties": {"type": "string"}},
            "location": {"type": "object", "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "label": {"type": "string"}}},
            "attachment": {"oneOf": [{"$ref": "#/components/schemas/ImageAttachment"},
                                     {"$ref": "#/components/schemas/FileAttachment"}],
                           "discriminator": {"propertyName": "kind"}},
            "tree": {"$ref": "#/components/schemas/Node"},
            "created_at": {"type": "string", "format": "date-time", "readOnly": True},
            "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
            **{f"field_{n}": {"type": "string", "description": f"field {n} of resource {index}",
                              "maxLength": 100 + n} for n in range(12)},
        },
    }  # fmt: skip


def _shared() -> dict[str, Any]:
    return {
        "User": {"type": "object", "required": ["id", "email"], "properties": {
            "id": {"type": "string"}, "email": {"type": "string", "format": "email"},
            "display_name": {"type": "string"}, "roles": {"type": "array", "items": {
                "type": "string", "enum": ["viewer", "editor", "admin"]}}}},
        "Error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "details": {"type": "array", "items": {"type": "object", "properties": {
                "field": {"type": "string"}, "problem": {"type": "string"}}}}}},
        "ImageAttachment": {"type": "object", "required": ["kind", "url"], "properties": {
            "kind": {"const": "image"}, "url": {"type": "string", "format": "uri"},
            "width": {"type": "integer"}, "height": {"type": "integer"}}},
        "FileAttachment": {"type": "object", "required": ["kind", "url"], "properties": {
            "kind": {"const": "file"}, "url": {"type": "string", "format": "uri"},
            "size": {"type": "integer", "minimum": 0}}},
        "Node": {"type": "object", "properties": {"label": {"type": "string"}, "children": {
            "type": "array", "items": {"$ref": "#/components/schemas/Node"}}}},
    }  # fmt: skip


def _operations(name: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{name}"}
    error = {
        "description": "error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    errors = {"400": error, "401": error, "404": error, "429": error, "500": error}
    id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    tenant = {"name": "X-Tenant", "in": "header", "schema": {"type": "string"}}
    body = {"required": True, "content": {"application/json": {"schema": ref}}}
    item = {
        "description": "ok",
        "headers": {"ETag": {"schema": {"type": "string"}}},
        "content": {"application/json": {"schema": ref}},
    }
    page = {
        "description": "a page",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["items", "total"],
                    "properties": {
                        "items": {"type": "array", "items": ref},
                        "total": {"type": "integer"},
                        "next": {"type": ["string", "null"]},
                    },
                }
            }
        },
    }
    lower = name.lower()
    return {
        f"/{lower}s": {
            "get": {"operationId": f"list{name}", "parameters": [
                tenant,
                {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 200}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(ENUM)}},
            ], "responses": {"200": page, **errors}},
            "post": {"operationId": f"create{name}", "parameters": [tenant], "requestBody": body,
                     "responses": {"201": item, **errors}},
        },
        f"/{lower}s/{{id}}": {
            "parameters": [id_param],
            "get": {"operationId": f"get{name}", "responses": {"200": item, **errors}},
            "put": {"operationId": f"replace{name}", "requestBody": body,
                    "responses": {"200": item, **errors}},
            "delete": {"operationId": f"delete{name}", "responses": {"204": {
                "description": "deleted"}, **errors}},
        },
    }  # fmt: skip


def generate(size_mb: float) -> dict[str, Any]:
    """A spec whose JSON is about ``size_mb`` MB."""
    count = 10
    while True:
        spec = _spec(count)
        size = len(json.dumps(spec))
        if size >= size_mb * 1_000_000:
            return spec
        count = max(count + 1, int(count * size_mb * 1_000_000 / size * 1.02))


def _spec(count: int) -> dict[str, Any]:
    schemas = _shared()
    paths: dict[str, Any] = {}
    for index in range(count):
        name = f"Resource{index}"
        schemas[name] = _resource(index, count)
        schemas[f"{name}Ref"] = {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}}}  # fmt: skip
        paths.update(_operations(name))
    return {
        "openapi": "3.1.0",
        "info": {"title": "benchmark", "version": "1.0.0"},
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def next_release(spec: dict[str, Any]) -> dict[str, Any]:
    """The same API with a few changes, breaking and not."""
    new = copy.deepcopy(spec)
    schemas = new["components"]["schemas"]
    del schemas["Resource0"]["properties"]["field_3"]  # breaking in responses
    schemas["Resource1"]["properties"]["state"]["enum"].append("deleted")  # breaking
    schemas["User"]["properties"]["avatar"] = {"type": "string"}  # safe
    new["paths"]["/resource2s"]["get"]["parameters"].append(
        {"name": "region", "in": "query", "required": True, "schema": {"type": "string"}}
    )  # breaking
    new["paths"]["/health"] = {"get": {"responses": {"200": {"description": "ok"}}}}  # safe
    return new


def _time(command: list[str], runs: int) -> tuple[list[float], list[float], str]:
    """Wall time and CPU time (user + system, of the child) of each run; the last output.

    On a shared machine the wall time is the one a pipeline waits for, and the CPU time
    the one that says what the command costs when it is not waiting for a core."""
    walls, cpus, output = [], [], ""
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode not in (0, 1):
            sys.exit(f"contract diff failed ({done.returncode}): {done.stderr.strip()}")
        output = done.stdout
    return walls, cpus, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the specs here and keep them")
    args = parser.parse_args()
    old = generate(args.size_mb)
    new = next_release(old)
    postdeploy = Path(sys.executable).with_name("postdeploy")
    with tempfile.TemporaryDirectory(prefix="contract-bench-") as scratch:
        where = args.keep or Path(scratch)
        where.mkdir(parents=True, exist_ok=True)
        files = {}
        for label, document in (("old", old), ("new", new)):
            files[(label, "json")] = where / f"{label}.json"
            files[(label, "json")].write_text(json.dumps(document), encoding="utf-8")
            files[(label, "yaml")] = where / f"{label}.yaml"
            files[(label, "yaml")].write_text(
                yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                          sort_keys=False), encoding="utf-8")  # fmt: skip
        print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
        for fmt in ("json", "yaml"):
            sizes = [files[(side, fmt)].stat().st_size / 1e6 for side in ("old", "new")]
            command = [str(postdeploy), "contract", "diff", str(files[("old", fmt)]),
                       str(files[("new", fmt)]), "--format", "json"]  # fmt: skip
            walls, cpus, output = _time(command, args.runs)
            report = json.loads(output)
            print(
                f"{fmt:4}: {sizes[0]:.2f} MB + {sizes[1]:.2f} MB, "
                f"{len(old['paths'])} paths, {len(old['components']['schemas'])} schemas; "
                f"{len(report['changes'])} changes ({report['breaking']} breaking); "
                f"wall median {statistics.median(walls):.2f} s "
                f"(min {min(walls):.2f}, max {max(walls):.2f}); "
                f"CPU median {statistics.median(cpus):.2f} s; {args.runs} runs"
            )
        print(f"load: {os.getloadavg()[0]:.2f} (1 min) after the runs")


if __name__ == "__main__":
    main()
