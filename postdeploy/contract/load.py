"""Reading OpenAPI documents and following their ``$ref``\\ s.

A spec comes from a JSON or YAML file, or from a live ``/openapi.json``. Everything that
makes it unusable — not JSON/YAML, not a mapping, Swagger 2.0, a ``$ref`` that points
nowhere — is a :class:`SpecError`, which ``postdeploy contract diff`` turns into exit 2 and
the contract stage into an INCONCLUSIVE stage: a diff of a document we could not read is
no evidence of compatibility.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from postdeploy.errors import BaselineError

__all__ = ["Spec", "SpecError", "load_spec", "parse_spec"]

SUPPORTED = ("3.0", "3.1")


class SpecError(BaselineError):
    """An OpenAPI document that cannot be read or resolved."""


@dataclass(frozen=True, slots=True)
class Spec:
    """One OpenAPI 3.0/3.1 document and where it came from (for messages)."""

    document: dict[str, Any]
    source: str

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
                raise SpecError(f"{self.source}: only local $refs are supported, not {ref!r}")
            if ref in seen:
                raise SpecError(f"{self.source}: $ref cycle through {ref}")
            seen.add(ref)
            node = self._pointer(ref)
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
                raise SpecError(f"{self.source}: $ref {ref!r} points nowhere")
        return node


def parse_spec(text: str, source: str) -> Spec:
    """Parse JSON (or YAML, when PyYAML is installed) text into a checked :class:`Spec`."""
    document: Any
    try:
        document = json.loads(text)
    except ValueError:
        document = _parse_yaml(text, source)
    if not isinstance(document, dict):
        raise SpecError(f"{source}: not an OpenAPI document (top level is not a mapping)")
    version = str(document.get("openapi", ""))
    if "swagger" in document:
        raise SpecError(f"{source}: Swagger/OpenAPI 2.0 is not supported; convert it to 3.x")
    if not version.startswith(SUPPORTED):
        raise SpecError(
            f"{source}: unsupported or missing 'openapi' version {version!r} (3.0 or 3.1)"
        )
    paths = document.get("paths", {})
    if not isinstance(paths, dict):
        raise SpecError(f"{source}: 'paths' is not a mapping")
    return Spec(document, source)


def load_spec(path: Path) -> Spec:
    """Read a spec file (``.json``, ``.yaml`` or ``.yml``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path}: {exc}") from None
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
        raise SpecError(f"{source}: neither JSON nor YAML: {str(exc).splitlines()[0]}") from None
