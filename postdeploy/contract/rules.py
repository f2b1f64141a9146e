"""The rule catalogue: every kind of change the classifier reports, breaking or not, and why.

One table, so the README's rules table, the classifier and the tests cannot drift apart
(``tests/test_contract_rules_doc.py`` checks the README against :data:`RULES`).

The principle behind every row: **an old client must keep working**. A request the old
contract allowed must still be accepted (so the server may *accept more*, never less), and a
response must still be one the old contract promised (so the server may *send less
variety*, never more) — with one deliberate exception: a new response property is
additive (clients ignore fields they do not know), even under ``additionalProperties:
false``, because that is how every API grows.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RULES", "Rule", "rules_markdown"]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    breaking: bool
    what: str
    why: str


_TABLE = (
    # --- paths and operations
    Rule("path-removed", True, "a path and all its operations removed",
         "every client calling it gets 404"),
    Rule("operation-removed", True, "one method of a path removed",
         "clients calling it get 405/404; deprecation does not make removal safe"),
    Rule("path-added", False, "a new path", "additive"),
    Rule("operation-added", False, "a new method on a path", "additive"),
    Rule("operation-deprecated", False, "an operation newly marked deprecated",
         "a warning to clients, nothing stops working yet"),
    # --- parameters (path- and operation-level merged; header names case-insensitive)
    Rule("request-parameter-added-required", True, "a new required parameter",
         "old clients do not send it and are rejected"),
    Rule("request-parameter-became-required", True, "an optional parameter became required",
         "old clients that omit it are rejected"),
    Rule("request-parameter-added", False, "a new optional parameter", "additive"),
    Rule("request-parameter-became-optional", False, "a required parameter became optional",
         "accepts more"),
    Rule("request-parameter-removed", False, "a parameter no longer declared",
         "servers ignore undeclared query/header parameters; clients still sending it keep "
         "working (a removed path parameter shows as a changed path)"),
    # --- request bodies
    Rule("request-body-added-required", True, "a required request body where there was none",
         "old clients send no body"),
    Rule("request-body-became-required", True, "an optional request body became required",
         "old clients that omit it are rejected"),
    Rule("request-body-added", False, "an optional request body", "additive"),
    Rule("request-body-removed", False, "the request body is no longer declared",
         "a body the server ignores does not fail the request"),
    Rule("request-media-type-removed", True, "a request content type no longer accepted",
         "old clients sending it get 415"),
    Rule("request-media-type-added", False, "a new accepted request content type", "additive"),
    # --- responses
    Rule("response-success-status-removed", True, "a 2xx status no longer returned",
         "clients checking for it treat success as failure (e.g. DELETE 200 → 204)"),
    Rule("response-status-removed", False, "a non-2xx status no longer declared",
         "clients handle fewer errors; nothing they did fails"),
    Rule("response-status-added", False, "a new declared status", "documentation of an "
         "answer; a new 2xx beside the old one is still reported here"),
    Rule("response-media-type-removed", True, "a success response content type removed",
         "clients negotiating it get another type or 406"),
    Rule("response-media-type-added", False, "a new response content type", "additive"),
    Rule("response-header-removed", True, "a declared success response header removed",
         "clients reading it (Location, ETag…) lose it"),
    Rule("response-header-became-optional", True, "a required response header became optional",
         "clients relying on it may not get it"),
    Rule("response-header-added", False, "a new response header", "additive"),
    # --- schemas, request side (what clients send)
    Rule("request-property-added-required", True, "a new required request property",
         "old clients do not send it; a default does not help, the request is invalid under "
         "the new contract"),
    Rule("request-property-became-required", True, "a request property became required",
         "old clients omitting it are rejected"),
    Rule("request-property-added", False, "a new optional request property", "additive"),
    Rule("request-property-became-optional", False, "a request property became optional",
         "accepts more"),
    Rule("request-property-removed", False, "a request property no longer declared",
         "open schemas ignore it; breaking only when the schema forbids unknown properties "
         "(see request-property-removed-closed)"),
    Rule("request-property-removed-closed", True,
         "a request property removed from a schema with additionalProperties: false",
         "old clients still sending it are rejected"),
    Rule("request-type-changed", True, "a request value's type narrowed or changed",
         "values old clients send are rejected (integer → number is a widening: safe)"),
    Rule("request-type-widened", False, "a request value accepts more types", "accepts more"),
    Rule("request-became-not-nullable", True, "a request value no longer accepts null",
         "old clients sending null are rejected"),
    Rule("request-became-nullable", False, "a request value accepts null", "accepts more"),
    Rule("request-format-changed", True, "a request format added or changed",
         "values old clients send may not match (int32 → int64 is a widening: safe)"),
    Rule("request-format-removed", False, "a request format dropped", "accepts more"),
    Rule("request-enum-narrowed", True, "request enum values removed, or an enum introduced",
         "old clients sending those values are rejected"),
    Rule("request-enum-widened", False, "request enum values added, or the enum dropped",
         "accepts more"),
    Rule("request-constraint-tightened", True,
         "a request bound added or made stricter (maxLength, minimum, pattern, maxItems, "
         "multipleOf, uniqueItems…)", "values old clients send may be rejected"),
    Rule("request-constraint-loosened", False, "a request bound removed or relaxed",
         "accepts more"),
    Rule("request-additional-properties-forbidden", True,
         "a request schema now forbids unknown properties",
         "old clients sending extra properties are rejected"),
    Rule("request-union-branch-removed", True, "a oneOf/anyOf branch removed from a request",
         "old clients sending that shape are rejected"),
    Rule("request-union-branch-added", False, "a oneOf/anyOf branch added to a request",
         "accepts more"),
    # --- schemas, response side (what clients receive)
    Rule("response-property-removed", True, "a response property removed (or renamed)",
         "clients reading it break; also reported when the property was optional: "
         "clients use what the old release sent"),
    Rule("response-property-became-optional", True, "a required response property became "
         "optional", "clients may no longer get it"),
    Rule("response-property-added", False, "a new response property",
         "additive: clients ignore fields they do not know"),
    Rule("response-property-became-required", False, "a response property became required",
         "clients get it more often"),
    Rule("response-type-changed", True, "a response value's type changed or widened",
         "clients parse it as the old type (number → integer is a narrowing: safe)"),
    Rule("response-type-narrowed", False, "a response value has fewer possible types",
         "every new value is one the old contract allowed"),
    Rule("response-became-nullable", True, "a response value may now be null",
         "clients dereference it"),
    Rule("response-became-not-nullable", False, "a response value is never null any more",
         "narrower"),
    Rule("response-format-changed", True, "a response format changed or dropped",
         "clients parse dates, uuids, int32 as promised (int64 → int32 is a narrowing: safe)"),
    Rule("response-format-added", False, "a response format added", "narrower"),
    Rule("response-enum-widened", True, "response enum values added, or the enum dropped",
         "clients with an exhaustive switch meet values they do not know"),
    Rule("response-enum-narrowed", False, "response enum values removed, or an enum introduced",
         "narrower"),
    Rule("response-constraint-loosened", True,
         "a response bound removed or relaxed (maxLength, maximum, pattern…)",
         "the server may send values old clients never had to handle"),
    Rule("response-constraint-tightened", False, "a response bound added or made stricter",
         "narrower"),
    Rule("response-union-branch-added", True, "a oneOf/anyOf branch added to a response",
         "clients meet a shape they cannot parse"),
    Rule("response-union-branch-removed", False, "a oneOf/anyOf branch removed from a response",
         "narrower"),
    # --- security
    Rule("security-requirement-changed", True,
         "an old way of authenticating no longer satisfies the operation (auth added where "
         "there was none, a scheme swapped, a scope added)",
         "old clients' credentials are refused"),
    Rule("security-requirement-relaxed", False, "a new, weaker way to authenticate",
         "accepts more"),
    Rule("security-scheme-changed", True, "a security scheme in use changed (type, HTTP "
         "scheme, API key name or location)", "old clients send credentials the wrong way"),
)  # fmt: skip

RULES: dict[str, Rule] = {rule.id: rule for rule in _TABLE}


def rules_markdown() -> str:
    """The README's rules table, generated from :data:`RULES` (a test keeps them equal)."""
    lines = ["| rule | breaking | what changed | why |", "|---|---|---|---|"]
    for rule in _TABLE:
        lines.append(
            f"| `{rule.id}` | {'**yes**' if rule.breaking else 'no'} | {rule.what} | {rule.why} |"
        )
    return "\n".join(lines)
