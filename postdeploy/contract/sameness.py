"""Which parts of two documents are written alike, together with everything they refer to
(issue 17: speed). Such a part cannot hold a change, so the classifier skips it.

Two releases of a large API are mostly the same: of the benchmark's 19 860 responses
(``scripts/contract_diff_benchmark.py``) five in six are error responses that refer to one
unchanged ``Error`` schema. Walking each of them in Python finds nothing; asking whether
both sides are written alike is a ``json.dumps`` and a string comparison, at C speed.

A node is *the same* on both sides when

* its JSON text is identical (``json.dumps``, so ``1``, ``1.0`` and ``true`` stay apart
  and ``NaN`` is refused), and
* every ``$ref`` in that text points, on both sides, at a target that is the same in
  this sense — decided once per diff for the whole graph of references, so recursive
  components are the same when all of their cycle is (the largest such set). A
  reference that cannot be followed (pointing nowhere, outside the document, a ``$ref``
  cycle) is never the same: the comparison walks it and reports the error as before.

Every ``"$ref": "…"`` in the text counts, even inside an example: reading too many
references only makes fewer parts the same. Two nodes the same in this sense have the same
graph below them, and the classifier reports only differences (a pair compared with itself
reports nothing; ``scripts/contract_diff_dump.py`` shows it for every corpus pair), so
skipping them changes no classification. What it does skip is the keyword check of
schemas inside them (:func:`~postdeploy.contract.shape.schema_problem` runs on schemas
that are compared), as for schemas written alike and referring to nothing before.

Never on a document with shared nodes (YAML aliases): its text is as large as the
document expanded, which for an alias bomb is the point of the bomb.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from postdeploy.contract.load import Spec, SpecError

__all__ = ["Sameness"]


def _no_default(value: Any) -> Any:
    raise TypeError(f"not JSON: {type(value).__name__}")


def _encoder() -> Callable[[Any], str]:
    """``json.dumps(node, allow_nan=False)``, with the C encoder made once rather than per
    call (most texts here are a hundred bytes: making the encoder was half the cost)."""
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return json.JSONEncoder(allow_nan=False).encode
    encode = c_make_encoder(None, _no_default, encode_basestring_ascii, None, ": ", ", ",
                            False, False, False)  # fmt: skip
    return lambda node: "".join(encode(node, 0))


_ENCODE = _encoder()
_REF = re.compile(r'"\$ref": ("(?:[^"\\]|\\.)*")')


class Sameness:
    """Asks whether a node of ``old`` and one of ``new`` cannot differ in anything."""

    def __init__(self, old: Spec, new: Spec) -> None:
        self.old, self.new = old, new
        self.enabled = not (old.shared or new.shared)
        # id(node) → (node, its JSON text or None, the $refs in it); the node is kept so
        # that its id stays its own
        self._texts: dict[int, tuple[Any, str | None, tuple[str, ...]]] = {}
        self._refs: dict[str, bool] = {}  # $ref → its target is the same on both sides
        self._verdicts: dict[str, bool] = {}  # text → all its $refs are the same
        self._decoded: dict[str, str] = {}  # a $ref as written in JSON → the $ref

    def same(self, old_node: Any, new_node: Any) -> bool:
        """Written alike, and everything referred to the same on both sides?"""
        if not self.enabled:
            return False
        if type(old_node) is dict and type(new_node) is dict and len(old_node) == 1:
            # the usual use site, {"$ref": …}: no text needed
            ref = old_node.get("$ref")
            if type(ref) is str and new_node == old_node:
                return self._ref_same(ref)
        if old_node != new_node:
            return False  # at C speed, before any text is made (== is not enough: 1 == True)
        _, old_text, refs = self._text(old_node)
        if old_text is None or old_text != self._text(new_node)[1]:
            return False
        verdict = self._verdicts.get(old_text)
        if verdict is None:
            # the same text means the same references, so the same verdict
            verdict = self._verdicts[old_text] = all(self._ref_same(ref) for ref in refs)
        return verdict

    def text(self, node: Any) -> str | None:
        """The JSON text of ``node`` (cached; ``None`` when it has none)."""
        return self._text(node)[1]

    def _text(self, node: Any) -> tuple[Any, str | None, tuple[str, ...]]:
        known = self._texts.get(id(node))
        if known is None:
            try:
                text: str | None = _ENCODE(node)
            except (TypeError, ValueError, RecursionError):
                text = None
            found = _REF.findall(text) if text and '"$ref"' in text else []
            if text and len(found) != text.count('"$ref": '):
                text = None  # a $ref that is no string: the comparison says what is wrong
            refs = tuple({self._decode(m) for m in found})
            known = self._texts[id(node)] = (node, text, refs)
        return known

    def _decode(self, written: str) -> str:
        ref = self._decoded.get(written)
        if ref is None:
            ref = self._decoded[written] = json.loads(written)
        return ref

    def _ref_same(self, ref: str) -> bool:
        known = self._refs.get(ref)
        if known is not None:
            return known
        # every reference reachable from this one, and which of them differ themselves
        edges: dict[str, tuple[str, ...]] = {}
        differ: list[str] = []
        todo = [ref]
        while todo:
            current = todo.pop()
            if current in edges:
                continue
            if current in self._refs:
                if not self._refs[current]:
                    differ.append(current)  # decided before: differs, and so do referrers
                continue
            targets = self._targets(current)
            if targets is None:
                edges[current] = ()
                differ.append(current)
                continue
            old_target, new_target = targets
            _, old_text, inner = self._text(old_target)
            edges[current] = inner
            if old_text is None or old_text != self._text(new_target)[1]:
                differ.append(current)
            todo.extend(inner)
        # a reference is the same unless it reaches one that differs
        referrers: dict[str, list[str]] = {}
        for source, inner in edges.items():
            for target in inner:
                referrers.setdefault(target, []).append(source)
        tainted = set()
        while differ:
            current = differ.pop()
            if current in tainted:
                continue
            tainted.add(current)
            differ.extend(referrers.get(current, ()))
        for current in edges:
            self._refs[current] = current not in tainted
        return self._refs[ref]

    def _targets(self, ref: str) -> tuple[Any, Any] | None:
        """The node ``ref`` points at directly on each side; ``None`` when either side
        cannot follow it (to the end of its chain)."""
        found = []
        for spec in (self.old, self.new):
            try:
                spec.resolve({"$ref": ref})
                found.append(spec.target(ref))
            except SpecError:
                return None
        return found[0], found[1]
