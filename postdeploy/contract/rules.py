"""The rule catalogue: every kind of change the classifier reports, its level, and why.

One table, so the rules table of ``docs/contracts.md``, the classifier and the tests cannot
drift apart (``tests/contract/test_contract_rules_doc.py`` checks the page against
:data:`RULES`).

The principle behind every row: **an old client must keep working**. A request the old
contract allowed must still be accepted (so the server may *accept more*, never less), and a
response must still be one the old contract promised (so the server may *send less
variety*, never more) — with one deliberate exception: a new response property is
additive (clients ignore fields they do not know), even under ``additionalProperties:
false``, because that is how every API grows. Webhooks and callbacks turn this around: the
provider *sends* their requests and *receives* their responses, so a webhook's request is
judged by the response rules and its responses by the request rules.

Levels: ``breaking`` (an old client fails), ``warning`` (nothing fails, but an old client
may silently get something other than it asked for), ``info`` (safe). ``postdeploy contract
diff --fail-on breaking|warning`` chooses which of them fail a pipeline.

The ``peers`` column says what oasdiff (its ``checker/rules.go`` levels ERR/WARN/INFO) and
OpenAPITools/openapi-diff (its ``BackwardIncompatibleProp`` defaults) do, where we checked;
where it says "we differ", the reason is in ``why``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = ["RULES", "Level", "Rule", "rules_markdown"]


class Level(IntEnum):
    """How much a change matters to an old client; ordered, so ``>=`` compares severity."""

    INFO = 0
    WARNING = 1
    BREAKING = 2

    @property
    def label(self) -> str:
        return self.name.lower()


B, W, I = Level.BREAKING, Level.WARNING, Level.INFO  # noqa: E741 - the table reads better


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    level: Level
    what: str
    why: str
    peers: str = ""

    @property
    def breaking(self) -> bool:
        return self.level is Level.BREAKING


_TABLE = (
    # --- paths and operations
    Rule("path-removed", B, "a path and all its operations removed",
         "every client calling it gets 404", "oasdiff ERR; openapi-diff breaking"),
    Rule("operation-removed", B, "one method of a path removed",
         "clients calling it get 405/404; deprecation does not make removal safe",
         "oasdiff ERR (INFO after a deprecation period: we differ, a removal still breaks)"),
    Rule("path-added", I, "a new path", "additive"),
    Rule("operation-added", I, "a new method on a path", "additive"),
    Rule("operation-deprecated", I, "an operation newly marked deprecated",
         "a warning to clients, nothing stops working yet", "oasdiff INFO"),
    # --- webhooks and callbacks (their requests are judged as responses, and back)
    Rule("webhook-removed", B, "a webhook, or one of its operations, no longer sent",
         "subscribers waiting for it never hear of the event again", "oasdiff ERR"),
    Rule("webhook-added", I, "a new webhook", "additive: nobody is subscribed yet"),
    Rule("callback-removed", B, "an operation's callback, or one of its operations, removed",
         "integrations waiting for it are no longer called"),
    Rule("callback-added", I, "a new callback", "additive"),
    # --- parameters (path- and operation-level merged; header names case-insensitive;
    #     path parameters by position, so renaming one changes nothing)
    Rule("request-parameter-added-required", B, "a new required parameter",
         "old clients do not send it and are rejected", "oasdiff ERR; openapi-diff breaking"),
    Rule("request-parameter-became-required", B, "an optional parameter became required",
         "old clients that omit it are rejected", "oasdiff ERR; openapi-diff breaking"),
    Rule("request-parameter-added", I, "a new optional parameter", "additive"),
    Rule("request-parameter-became-optional", I, "a required parameter became optional",
         "accepts more"),
    Rule("request-parameter-removed", W, "a parameter no longer declared",
         "servers ignore undeclared query/header parameters, so nothing fails — but a client "
         "still sending it silently gets what it did not ask for (an unfiltered list)",
         "oasdiff WARN; openapi-diff breaking"),
    Rule("request-parameter-deprecated", I, "a parameter newly marked deprecated",
         "nothing stops working yet", "oasdiff INFO"),
    Rule("request-parameter-empty-value-disallowed", B,
         "allowEmptyValue removed or set to false", "old clients sending `?q=` are rejected",
         "openapi-diff breaking; oasdiff does not check it"),
    Rule("request-parameter-empty-value-allowed", I, "allowEmptyValue set", "accepts more"),
    Rule("request-parameter-serialization-changed", B,
         "a parameter's style, explode or content media type changed (defaults spelled out "
         "first, so `style: form` on a query parameter is no change)",
         "old clients serialise the value the old way and the server misreads it",
         "openapi-diff breaking; oasdiff does not check it"),
    # --- request bodies and media types
    Rule("request-body-added-required", B, "a required request body where there was none",
         "old clients send no body", "oasdiff ERR"),
    Rule("request-body-became-required", B, "an optional request body became required",
         "old clients that omit it are rejected", "oasdiff ERR; openapi-diff breaking"),
    Rule("request-body-added", I, "an optional request body", "additive"),
    Rule("request-body-became-optional", I, "a required request body became optional",
         "accepts more", "oasdiff INFO"),
    Rule("request-body-removed", W, "the request body is no longer declared",
         "a server that ignores the body fails nothing, but what old clients send is dropped "
         "unread", "oasdiff ERR: we differ, the request itself still succeeds"),
    Rule("request-media-type-removed", B, "a request content type no longer accepted",
         "old clients sending it get 415", "oasdiff ERR; openapi-diff breaking"),
    Rule("request-media-type-added", I, "a new accepted request content type", "additive"),
    Rule("request-media-type-generalised", I,
         "a request content type replaced by a range that covers it (application/json → "
         "application/*)", "accepts more; the schemas are still compared"),
    Rule("request-body-schema-added", B,
         "a request content type that had no schema now has one",
         "what old clients sent was never constrained; now it may be rejected", "oasdiff ERR"),
    Rule("request-body-schema-removed", I, "a request content type's schema removed",
         "accepts anything", "oasdiff INFO"),
    # --- responses
    Rule("response-success-status-removed", B, "a 2xx status no longer returned",
         "clients checking for it treat success as failure (e.g. DELETE 200 → 204)",
         "oasdiff ERR; openapi-diff breaking"),
    Rule("response-status-removed", I, "a non-2xx status no longer declared",
         "clients handle fewer errors; nothing they did fails", "oasdiff INFO"),
    Rule("response-status-added", I, "a new declared status", "documentation of an "
         "answer; a new 2xx beside the old one is still reported here"),
    Rule("response-media-type-removed", B, "a success response content type removed",
         "clients negotiating it get another type or 406", "oasdiff ERR; openapi-diff breaking"),
    Rule("response-media-type-added", I, "a new response content type", "additive"),
    Rule("response-media-type-generalised", B,
         "a success response content type replaced by a range (application/json → */*)",
         "clients asking for the old type may get any type of the range", "oasdiff ERR"),
    Rule("response-body-schema-added", I, "a response content type now has a schema",
         "a promise where there was none", "oasdiff INFO"),
    Rule("response-body-schema-removed", B, "a success response content type's schema removed",
         "the server may send anything; clients parse what the old schema promised",
         "oasdiff WARN: we differ, it is the widest possible loosening"),
    Rule("response-header-removed", B, "a declared success response header removed",
         "clients reading it (Location, ETag…) lose it",
         "oasdiff ERR when required, WARN when optional; we differ for optional ones: clients "
         "use what the old release sent"),
    Rule("response-header-became-optional", B, "a required response header became optional",
         "clients relying on it may not get it", "oasdiff ERR; openapi-diff breaking"),
    Rule("response-header-added", I, "a new response header", "additive"),
    Rule("response-header-serialization-changed", B,
         "a success response header's style, explode or content media type changed",
         "clients split the value the old way", "openapi-diff breaking"),
    # --- schemas, request side (what clients send)
    Rule("request-property-added-required", B, "a new required request property",
         "old clients do not send it; a default does not help, the request is invalid under "
         "the new contract", "oasdiff ERR (users asked for a default to make it safe, "
         "oasdiff#549; we agree with the maintainers)"),
    Rule("request-property-became-required", B, "a request property became required",
         "old clients omitting it are rejected", "oasdiff ERR; openapi-diff breaking"),
    Rule("request-property-added", I, "a new optional request property", "additive"),
    Rule("request-property-became-optional", I, "a request property became optional",
         "accepts more"),
    Rule("request-property-removed", W, "a request property no longer declared",
         "open schemas ignore it, so nothing fails — but what old clients send is silently "
         "dropped (see request-property-removed-closed)", "oasdiff WARN"),
    Rule("request-property-removed-closed", B,
         "a request property removed from a schema with additionalProperties: false",
         "old clients still sending it are rejected"),
    Rule("request-type-changed", B, "a request value's type narrowed or changed",
         "values old clients send are rejected (integer → number is a widening: safe)",
         "oasdiff ERR; openapi-diff breaking"),
    Rule("request-type-widened", I, "a request value accepts more types", "accepts more"),
    Rule("request-became-not-nullable", B, "a request value no longer accepts null",
         "old clients sending null are rejected", "oasdiff ERR"),
    Rule("request-became-nullable", I, "a request value accepts null", "accepts more"),
    Rule("request-format-changed", B, "a request format added or changed",
         "values old clients send may not match (int32 → int64 is a widening: safe)"),
    Rule("request-format-removed", I, "a request format dropped", "accepts more"),
    Rule("request-enum-narrowed", B, "request enum values removed, or an enum introduced",
         "old clients sending those values are rejected", "oasdiff ERR; openapi-diff breaking"),
    Rule("request-enum-widened", I, "request enum values added, or the enum dropped",
         "accepts more"),
    Rule("request-constraint-tightened", B,
         "a request bound added or made stricter (maxLength, minimum, pattern added or "
         "changed, maxItems, multipleOf, uniqueItems…)", "values old clients send may be "
         "rejected; two different patterns cannot be compared, so a changed one counts",
         "oasdiff ERR, but WARN for a bound set where there was none and for a changed "
         "pattern: we differ, an old value may be rejected either way"),
    Rule("request-constraint-loosened", I, "a request bound removed or relaxed",
         "accepts more"),
    Rule("request-additional-properties-forbidden", B,
         "a request schema now forbids unknown properties",
         "old clients sending extra properties are rejected"),
    Rule("request-union-branch-removed", B, "a oneOf/anyOf branch removed from a request, "
         "and no remaining branch accepts what it did", "old clients sending that shape are "
         "rejected", "oasdiff ERR; openapi-diff breaking"),
    Rule("request-union-branch-added", I, "a oneOf/anyOf branch added to a request",
         "accepts more — unless old values now match two oneOf branches (see "
         "request-one-of-overlap)", "oasdiff INFO"),
    Rule("request-one-of-overlap", B,
         "old values now match more than one oneOf branch (a schema wrapped into oneOf with "
         "overlapping branches, or a branch added that accepts what another did)",
         "oneOf accepts a value matching exactly one branch: the old value is rejected",
         "oasdiff ERR for the wrapping (oasdiff#1037); for an added branch oasdiff says INFO: "
         "we differ when the new branch overlaps an old one"),
    Rule("request-discriminator-changed", B,
         "a request discriminator's property renamed, or a mapping value removed or "
         "retargeted", "the server dispatches old clients' values to the wrong schema or none",
         "oasdiff INFO; openapi-diff breaking"),
    Rule("request-contains-tightened", B, "contains added or its schema stricter, "
         "minContains raised, maxContains lowered",
         "arrays old clients send may lack a matching item", "oasdiff ERR"),
    Rule("request-contains-loosened", I, "contains removed or relaxed", "accepts more",
         "oasdiff INFO"),
    Rule("request-tuple-tightened", B, "prefixItems or unevaluatedItems added or stricter",
         "arrays old clients send may fail a position they never had to match",
         "oasdiff INFO for prefixItems added: we differ, a new positional schema rejects "
         "arrays that were valid"),
    Rule("request-tuple-loosened", I, "prefixItems or unevaluatedItems removed or relaxed",
         "accepts more"),
    Rule("request-property-rules-tightened", B,
         "patternProperties, propertyNames or unevaluatedProperties added or stricter",
         "objects old clients send may hold a property name or value now rejected",
         "oasdiff ERR"),
    Rule("request-property-rules-loosened", I,
         "patternProperties, propertyNames or unevaluatedProperties removed or relaxed",
         "accepts more"),
    Rule("request-dependencies-tightened", B,
         "dependentRequired or dependentSchemas added or stricter",
         "old clients sending one property without its new dependants are rejected",
         "oasdiff ERR"),
    Rule("request-dependencies-loosened", I, "dependentRequired or dependentSchemas removed "
         "or relaxed", "accepts more", "oasdiff INFO"),
    Rule("request-conditional-tightened", B,
         "if/then/else or not added, its condition changed, or a branch made stricter",
         "old values may fall into a branch they fail; a changed condition cannot be "
         "compared, so it counts", "oasdiff ERR"),
    Rule("request-conditional-loosened", I, "if/then/else or not removed or relaxed",
         "accepts more", "oasdiff INFO"),
    Rule("request-content-tightened", B,
         "contentMediaType, contentEncoding or contentSchema added or changed",
         "the server now decodes the string differently from what old clients encode",
         "oasdiff ERR"),
    Rule("request-content-loosened", I, "contentMediaType, contentEncoding or contentSchema "
         "removed or relaxed", "accepts more"),
    # --- schemas, response side (what clients receive)
    Rule("response-property-removed", B, "a response property removed (or renamed)",
         "clients reading it break; also reported when the property was optional: "
         "clients use what the old release sent",
         "oasdiff ERR when required, WARN when optional; openapi-diff safe when optional "
         "(openapi-diff#198): we differ"),
    Rule("response-property-became-optional", B, "a required response property became "
         "optional", "clients may no longer get it", "oasdiff ERR; openapi-diff breaking"),
    Rule("response-property-added", I, "a new response property",
         "additive: clients ignore fields they do not know"),
    Rule("response-property-became-required", I, "a response property became required",
         "clients get it more often"),
    Rule("response-type-changed", B, "a response value's type changed or widened",
         "clients parse it as the old type (number → integer is a narrowing: safe)",
         "oasdiff ERR; openapi-diff breaking"),
    Rule("response-type-narrowed", I, "a response value has fewer possible types",
         "every new value is one the old contract allowed (oneOf [integer, string] → "
         "integer is safe, oasdiff#723)"),
    Rule("response-became-nullable", B, "a response value may now be null",
         "clients dereference it", "oasdiff ERR"),
    Rule("response-became-not-nullable", I, "a response value is never null any more",
         "narrower", "oasdiff INFO"),
    Rule("response-format-changed", B, "a response format changed or dropped",
         "clients parse dates, uuids, int32 as promised (int64 → int32 is a narrowing: safe)"),
    Rule("response-format-added", I, "a response format added", "narrower"),
    Rule("response-enum-widened", B, "response enum values added, or the enum dropped",
         "clients with an exhaustive switch meet values they do not know",
         "oasdiff WARN; openapi-diff breaking"),
    Rule("response-enum-narrowed", I, "response enum values removed, or an enum introduced",
         "narrower"),
    Rule("response-constraint-loosened", B,
         "a response bound removed or relaxed (maxLength, maximum, pattern removed or "
         "changed…)", "the server may send values old clients never had to handle",
         "oasdiff ERR for lengths and ranges, INFO for patterns: we differ, a client may "
         "rely on a pattern as much as on a length"),
    Rule("response-constraint-tightened", I, "a response bound added or made stricter",
         "narrower"),
    Rule("response-union-branch-added", B, "a oneOf/anyOf branch added to a response, that "
         "no old branch already allowed", "clients meet a shape they cannot parse",
         "oasdiff ERR for oneOf, INFO for anyOf: we differ, an anyOf value in the new shape "
         "is as unknown to old clients"),
    Rule("response-union-branch-removed", I, "a oneOf/anyOf branch removed from a response",
         "narrower"),
    Rule("response-discriminator-changed", B,
         "a response discriminator's property renamed, or a mapping value added or "
         "retargeted", "clients dispatch on the old property and values",
         "oasdiff INFO; openapi-diff breaking"),
    Rule("response-contains-loosened", B, "contains removed or relaxed, minContains lowered, "
         "maxContains raised", "clients relying on a matching item may not find one",
         "oasdiff ERR"),
    Rule("response-contains-tightened", I, "contains added or stricter", "narrower"),
    Rule("response-tuple-loosened", B, "prefixItems or unevaluatedItems removed or relaxed",
         "clients reading a position may meet values the old contract excluded",
         "oasdiff INFO for prefixItems removed: we differ, a position lost its promise"),
    Rule("response-tuple-tightened", I, "prefixItems or unevaluatedItems added or stricter",
         "narrower"),
    Rule("response-property-rules-loosened", B,
         "patternProperties, propertyNames or unevaluatedProperties removed or relaxed",
         "clients may meet property names or values the old contract excluded",
         "oasdiff ERR"),
    Rule("response-property-rules-tightened", I,
         "patternProperties, propertyNames or unevaluatedProperties added or stricter",
         "narrower"),
    Rule("response-dependencies-loosened", B, "dependentRequired or dependentSchemas removed "
         "or relaxed", "clients relying on a property coming with its dependants may not get "
         "them", "oasdiff ERR"),
    Rule("response-dependencies-tightened", I, "dependentRequired or dependentSchemas added "
         "or stricter", "narrower", "oasdiff INFO"),
    Rule("response-conditional-loosened", B,
         "if/then/else or not removed, its condition changed, or a branch relaxed",
         "clients may meet values the old branches excluded", "oasdiff ERR"),
    Rule("response-conditional-tightened", I, "if/then/else or not added or stricter",
         "narrower", "oasdiff INFO"),
    Rule("response-content-loosened", B,
         "contentMediaType, contentEncoding or contentSchema removed or changed",
         "clients decode the string as the old contract said"),
    Rule("response-content-tightened", I, "contentSchema added or stricter", "narrower"),
    # --- security
    Rule("security-requirement-changed", B,
         "an old way of authenticating no longer satisfies the operation (auth added where "
         "there was none, a scheme swapped, a scope added)",
         "old clients' credentials are refused",
         "oasdiff INFO for security or a scope added: we differ, old credentials are refused; "
         "openapi-diff breaking"),
    Rule("security-requirement-relaxed", I, "a new, weaker way to authenticate",
         "accepts more"),
    Rule("security-scheme-changed", B, "a security scheme in use changed (type, HTTP "
         "scheme, API key name or location, an OAuth 2 flow's authorization, token or "
         "refresh URL)", "old clients send credentials the wrong way, or fetch tokens where "
         "they are no longer issued (a changed bearerFormat is a hint: no change)",
         "oasdiff INFO for a type change: we differ; openapi-diff breaking"),
)  # fmt: skip

RULES: dict[str, Rule] = {rule.id: rule for rule in _TABLE}


def rules_markdown() -> str:
    """The rules table of ``docs/contracts.md``, generated from :data:`RULES`."""
    shown = {Level.BREAKING: "**breaking**", Level.WARNING: "warning", Level.INFO: "safe"}
    lines = ["| rule | level | what changed | why | peers |", "|---|---|---|---|---|"]
    for rule in _TABLE:
        lines.append(
            f"| `{rule.id}` | {shown[rule.level]} | {rule.what} | {rule.why} | {rule.peers} |"
        )
    return "\n".join(lines)
