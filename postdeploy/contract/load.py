"""Reading OpenAPI documents and following their ``$ref``\\ s.

A spec comes from a JSON or YAML file, or from a live ``/openapi.json``. Everything that
makes it unusable — not JSON/YAML, not a mapping, Swagger 2.0, a ``$ref`` that points
nowhere, a part of the wrong type, a file too large or nested too deep — is a
:class:`SpecError`, which ``postdeploy contract diff`` turns into exit 2 and the contract
stage into an error: a diff of a document we could not read is no evidence of
compatibility, and a traceback's exit code must never be read as a verdict.

After parsing YAML, one pass (:func:`_normalise`) makes its extra freedoms plain JSON data:
keys become strings (YAML reads ``200:`` as an integer), dates and binary become strings,
and aliases stay *shared* (never copied, so an alias bomb stays small) but may not form a
cycle. The same pass bounds the nesting depth (:data:`~postdeploy.contract.limits.MAX_NESTING`).
"""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from postdeploy.contract.collector import collector_paused
from postdeploy.contract.limits import MAX_DOCUMENT_BYTES, MAX_NESTING
from postdeploy.contract.shape import check_shape
from postdeploy.errors import BaselineError

__all__ = ["Spec", "SpecError", "SpecTooComplex", "load_spec", "parse_spec"]

SUPPORTED = ("3.0", "3.1")


class SpecError(BaselineError):
    """An OpenAPI document that cannot be read or resolved."""


class SpecTooComplex(SpecError):
    """A document (or a pair) too large, deep or self-multiplying to compare in bounds."""


@dataclass(frozen=True, slots=True)
class Spec:
    """One OpenAPI 3.0/3.1 document and where it came from (for messages)."""

    document: dict[str, Any]
    source: str
    # normalised schema views by id() of their node (the node is kept, so ids stay valid)
    views: dict[int, Any] = field(default_factory=dict, repr=False, compare=False)
    # where each $ref string points (the document does not change once read)
    targets: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # does any node appear twice (YAML aliases)? Then no walk may expand the document
    shared: bool = False

    @property
    def version(self) -> str:
        return str(self.document.get("openapi", ""))

    def resolve(self, node: Any) -> tuple[Any, str | None]:
        """Follow ``$ref`` chains from ``node``; return the target and the last ref name.

        Only references inside this document (``#/…``) are followed: an external file
        reference cannot be judged from one document, so it is an error, not a guess.
        """
        name: str | None = None
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                raise SpecError(f"{self.source}: only local $refs are supported, not {ref!r:.80}")
            if ref in seen:
                raise SpecError(f"{self.source}: $ref cycle through {ref:.80}")
            seen.add(ref)
            target = self.targets.get(ref, _MISSING)
            if target is _MISSING:
                target = self.targets[ref] = self._pointer(ref)
            node = target
            name = ref
        return node, name

    def _pointer(self, ref: str) -> Any:
        node: Any = self.document
        for raw in ref[1:].split("/")[1:] if ref != "#" else []:
            key = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise SpecError(f"{self.source}: $ref {ref!r:.80} points nowhere")
        return node


def parse_spec(text: str, source: str) -> Spec:
    """Parse JSON (or YAML, when PyYAML is installed) text into a checked :class:`Spec`."""
    with collector_paused():  # millions of new containers, none of them garbage
        return _parse_spec(text, source)


def _parse_spec(text: str, source: str) -> Spec:
    if len(text) > MAX_DOCUMENT_BYTES:
        raise SpecTooComplex(f"{source}: larger than {MAX_DOCUMENT_BYTES // 2**20} MiB")
    document: Any
    shared = False
    try:
        # JSON needs no normalising: string keys, JSON values, nothing shared; and its
        # parser refuses nesting deeper than the interpreter's stack (RecursionError)
        document = json.loads(text)
    except RecursionError:
        raise SpecTooComplex(f"{source}: nested too deeply to read") from None
    except ValueError:
        document, shared = _normalise(_parse_yaml(text, source), source)
    if not isinstance(document, dict):
        raise SpecError(f"{source}: not an OpenAPI document (top level is not a mapping)")
    version = str(document.get("openapi", ""))
    if "swagger" in document:
        raise SpecError(f"{source}: Swagger/OpenAPI 2.0 is not supported; convert it to 3.x")
    if not version.startswith(SUPPORTED):
        raise SpecError(
            f"{source}: unsupported or missing 'openapi' version {version!r:.40} (3.0 or 3.1)"
        )
    problem = check_shape(document)
    if problem:
        raise SpecError(f"{source}: {problem}")
    return Spec(document, source, shared=shared)


def load_spec(path: Path) -> Spec:
    """Read a spec file (``.json``, ``.yaml`` or ``.yml``), at most a bounded size."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise SpecTooComplex(f"{path}: larger than {MAX_DOCUMENT_BYTES // 2**20} MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"cannot read {path}: not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    return parse_spec(text, str(path))


def _parse_yaml(text: str, source: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise SpecError(
            f"{source}: not JSON, and YAML needs PyYAML: pip install 'postdeploy[contracts]'"
        ) from None
    try:
        # CSafeLoader when libyaml is there: specs of a few MB parse in well under a second
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, chosen above
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecError(f"{source}: neither JSON nor YAML: {first:.200}") from None
    except RecursionError:
        raise SpecTooComplex(f"{source}: nested too deeply to read") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # e.g. an integer of 5000 digits, which Python refuses to convert
        raise SpecError(f"{source}: unreadable YAML value: {exc!s:.200}") from None


def _normalise(root: Any, source: str) -> tuple[Any, bool]:
    """Plain JSON data from what the parser built: string keys, JSON scalars, no cycles;
    and whether any node is shared (reached twice: a YAML alias).

    Iterative (a deep document cannot overflow the stack), and shared nodes (YAML
    aliases) are converted once and stay shared, so the work is linear in what was parsed.
    """
    done: dict[int, Any] = {}  # id(original) → converted (containers only)
    keep: list[Any] = []  # the originals, so their ids stay unique while we work
    on_path: set[int] = set()
    # each frame: (original, converted, iterator over its items, depth)
    result_box: list[Any] = []
    shared = False

    def convert_scalar(value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, datetime.date | datetime.datetime):
            return value.isoformat()
        if isinstance(value, bytes):
            return base64.b64encode(value).decode("ascii")
        return str(value)

    def key_text(key: Any) -> str:
        if isinstance(key, str):
            return key
        if isinstance(key, bool):
            return "true" if key else "false"
        if key is None:
            return "null"
        if isinstance(key, list | dict | set | tuple):
            raise SpecError(f"{source}: a mapping key is itself a mapping or list")
        return str(convert_scalar(key))

    def open_container(value: Any, depth: int) -> tuple[Any, Any]:
        if depth > MAX_NESTING:
            raise SpecTooComplex(f"{source}: nested more than {MAX_NESTING} levels deep")
        keep.append(value)
        on_path.add(id(value))
        if isinstance(value, dict):
            converted: Any = {}
            items: Any = iter(value.items())
        else:
            converted = []
            items = iter(sorted(value, key=str) if isinstance(value, set | frozenset) else value)
        done[id(value)] = converted
        return converted, items

    def is_container(value: Any) -> bool:
        return isinstance(value, dict | list | tuple | set | frozenset)

    if not is_container(root):
        return convert_scalar(root), False
    converted, items = open_container(root, 1)
    stack: list[tuple[Any, Any, Any, int]] = [(root, converted, items, 1)]
    result_box.append(converted)
    while stack:
        original, target, items, depth = stack[-1]
        entry = next(items, _END)
        if entry is _END:
            on_path.discard(id(original))
            stack.pop()
            continue
        if isinstance(target, dict):
            key, value = entry
            slot_key: Any = key_text(key)
        else:
            value = entry
            slot_key = None
        if is_container(value):
            if id(value) in on_path:
                raise SpecError(f"{source}: a YAML alias refers to itself (a cycle)")
            if id(value) in done:
                child = done[id(value)]
                shared = True
            else:
                child, child_items = open_container(value, depth + 1)
                stack.append((value, child, child_items, depth + 1))
        else:
            child = convert_scalar(value)
        if slot_key is None:
            target.append(child)
        else:
            target[slot_key] = child
    return result_box[0], shared


_END = object()
_MISSING = object()
