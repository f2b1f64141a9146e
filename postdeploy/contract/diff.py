"""Classify every difference between two OpenAPI documents as breaking, a warning, or safe.

``diff_specs(old, new)`` walks both documents operation by operation (see
:mod:`postdeploy.contract.operations` for how operations are matched), compares
parameters, request bodies, responses and security, and hands every schema to
:class:`~postdeploy.contract.schema_diff.SchemaDiffer`, which compares request schemas as
what clients *send* and response schemas as what clients *receive*. Webhooks and
callbacks are compared the other way round: their requests are what subscribers receive.
Each :class:`Change` names its rule (see :mod:`postdeploy.contract.rules`) and the JSON
path where it happened, with the old and the new value.
"""

from __future__ import annotations

import functools
from typing import Any

from postdeploy.contract.changes import Change, Direction, json_path
from postdeploy.contract.collector import collector_paused
from postdeploy.contract.limits import MAX_STEPS
from postdeploy.contract.load import Spec
from postdeploy.contract.operations import Operation, operations, serialization
from postdeploy.contract.schema import view
from postdeploy.contract.schema_diff import SchemaDiffer

__all__ = ["Change", "Direction", "diff_specs", "json_path"]


def diff_specs(old: Spec, new: Spec, *, max_steps: int = MAX_STEPS) -> list[Change]:
    """Every difference between ``old`` and ``new`` that matters to a client, classified.

    Raises :class:`~postdeploy.contract.load.SpecError` when a document cannot be read
    (a dangling ``$ref``) or :class:`~postdeploy.contract.load.SpecTooComplex` past the
    bounds of :mod:`postdeploy.contract.limits` (``max_steps`` schema comparisons).
    """
    with collector_paused():  # see postdeploy.contract.collector: a third of the time
        return _Differ(old, new, max_steps).run()


def _success(status: Any) -> bool:
    return str(status).upper().startswith("2")


class _Differ:
    def __init__(self, old: Spec, new: Spec, max_steps: int) -> None:
        self.old, self.new = old, new
        self.schemas = SchemaDiffer(old, new, max_steps=max_steps)
        self.add = self.schemas.add

    def run(self) -> list[Change]:
        old_ops, new_ops = operations(self.old), operations(self.new)
        old_groups = {_group(key) for key in old_ops}
        new_groups = {_group(key) for key in new_ops}
        for key in sorted(old_ops.keys() | new_ops.keys()):
            before, after = old_ops.get(key), new_ops.get(key)
            if len(key) > 3 and not (key[:3] in old_ops and key[:3] in new_ops):
                continue  # a callback of an operation added or removed: that is the change
            if after is None and before is not None:
                self.schemas.operation = before.label
                rule = _removed_rule(key, _group(key) in new_groups)
                self.add(rule, before.where, f"{before.label} is gone", before.label, None)
            elif before is None and after is not None:
                self.schemas.operation = after.label
                rule = _added_rule(key, _group(key) in old_groups)
                self.add(rule, after.where, f"new {after.label}", None, after.label)
            elif before is not None and after is not None:
                self.schemas.operation = after.label
                self._compare_operation(before, after)
        return self.schemas.changes

    # --- one operation ----------------------------------------------------------------

    def _compare_operation(self, before: Operation, after: Operation) -> None:
        # what the caller sends, and what it gets back (webhooks and callbacks: turned round)
        send = Direction.RESPONSE if after.flipped else Direction.REQUEST
        if after.node.get("deprecated") is True and before.node.get("deprecated") is not True:
            self.add("operation-deprecated", json_path(after.where, "deprecated"),
                     "now deprecated", False, True)  # fmt: skip
        self._compare_parameters(before, after, send)
        self._compare_request_body(before, after, send)
        self._compare_responses(before, after, send.flipped)
        if not after.flipped:
            self._compare_security(before, after)

    def _compare_parameters(self, before: Operation, after: Operation, send: Direction) -> None:
        for key in sorted(before.parameters.keys() | after.parameters.keys()):
            old = before.parameters.get(key)
            new = after.parameters.get(key)
            location = key[0]
            if send is Direction.RESPONSE:
                self._compare_sent_parameter(location, old, new)
                continue
            if new is None and old is not None:
                self.add("request-parameter-removed", old[1],
                         f"{location} parameter {old[0].get('name')!r} no longer declared",
                         old[0].get("name"), None)  # fmt: skip
                continue
            if old is None and new is not None:
                name = new[0].get("name")
                if new[0].get("required") is True or location == "path":
                    self.add("request-parameter-added-required", new[1],
                             f"new required {location} parameter {name!r}", None, name)  # fmt: skip
                else:
                    self.add("request-parameter-added", new[1],
                             f"new optional {location} parameter {name!r}", None, name)  # fmt: skip
                continue
            if old is None or new is None:
                continue  # unreachable: both handled above; keeps the type checker honest
            (old_param, _), (new_param, where) = old, new
            name = new_param.get("name")
            was, now = _required(old_param), _required(new_param)
            if now and not was:
                self.add("request-parameter-became-required", json_path(where, "required"),
                         f"{location} parameter {name!r} is now required", False, True)  # fmt: skip
            elif was and not now:
                self.add("request-parameter-became-optional", json_path(where, "required"),
                         f"{location} parameter {name!r} is now optional", True, False)  # fmt: skip
            if new_param.get("deprecated") is True and old_param.get("deprecated") is not True:
                self.add("request-parameter-deprecated", json_path(where, "deprecated"),
                         f"{location} parameter {name!r} is now deprecated",
                         False, True)  # fmt: skip
            empty_was = old_param.get("allowEmptyValue") is True
            empty_now = new_param.get("allowEmptyValue") is True
            if empty_was != empty_now:
                rule = f"request-parameter-empty-value-{'allowed' if empty_now else 'disallowed'}"
                self.add(rule, json_path(where, "allowEmptyValue"),
                         f"{location} parameter {name!r} "
                         f"{'now accepts' if empty_now else 'no longer accepts'} an empty value",
                         empty_was, empty_now)  # fmt: skip
            shape_was, shape_now = serialization(old_param), serialization(new_param)
            if shape_was != shape_now:
                self.add("request-parameter-serialization-changed", where,
                         f"{location} parameter {name!r} serialised as "
                         f"{'/'.join(shape_was)} → {'/'.join(shape_now)}",
                         list(shape_was), list(shape_now))  # fmt: skip
            if "content" in old_param or "content" in new_param:
                self.schemas.compare(_param_schema(old_param), _param_schema(new_param),
                                     json_path(where, "schema"), Direction.REQUEST)  # fmt: skip
            else:
                self.schemas.compare_parameter(_param_schema(old_param), _param_schema(new_param),
                                               json_path(where, "schema"))  # fmt: skip

    def _compare_sent_parameter(
        self, location: str, old: tuple[dict[str, Any], str] | None,
        new: tuple[dict[str, Any], str] | None,
    ) -> None:  # fmt: skip
        """A webhook's or callback's parameter: sent by the provider, read by subscribers —
        judged like a response header."""
        if old is not None and new is None:
            self.add("response-header-removed", old[1],
                     f"{location} parameter {old[0].get('name')!r} no longer sent",
                     old[0].get("name"), None)  # fmt: skip
        elif old is None and new is not None:
            self.add("response-header-added", new[1],
                     f"new {location} parameter {new[0].get('name')!r}", None,
                     new[0].get("name"))  # fmt: skip
        elif old is not None and new is not None:
            if _required(old[0]) and not _required(new[0]):
                self.add("response-header-became-optional", json_path(new[1], "required"),
                         f"{location} parameter {new[0].get('name')!r} no longer always sent",
                         True, False)  # fmt: skip
            self.schemas.compare(_param_schema(old[0]), _param_schema(new[0]),
                                 json_path(new[1], "schema"), Direction.RESPONSE)  # fmt: skip

    def _compare_request_body(self, before: Operation, after: Operation, send: Direction) -> None:
        old_body, _ = self.old.resolve(before.node.get("requestBody"))
        new_body, _ = self.new.resolve(after.node.get("requestBody"))
        where = json_path(after.where, "requestBody")
        received = send is Direction.RESPONSE  # a webhook's body: what subscribers receive
        if not isinstance(new_body, dict):
            if isinstance(old_body, dict):
                rule = "response-body-schema-removed" if received else "request-body-removed"
                self.add(rule, where, "request body no longer declared")
            return
        required = new_body.get("required") is True
        if not isinstance(old_body, dict):
            if received:
                self.add("response-body-schema-added", where, "request body added")
                return
            rule = "request-body-added-required" if required else "request-body-added"
            self.add(rule, where, "request body " + ("required" if required else "added"))
            return
        if not received and required and old_body.get("required") is not True:
            self.add("request-body-became-required", json_path(where, "required"),
                     "request body is now required", False, True)  # fmt: skip
        elif not received and not required and old_body.get("required") is True:
            self.add("request-body-became-optional", json_path(where, "required"),
                     "request body is now optional", True, False)  # fmt: skip
        if received and old_body.get("required") is True and not required:
            self.add("response-body-schema-removed", json_path(where, "required"),
                     "request body no longer always sent", True, False)  # fmt: skip
        self._compare_content(old_body.get("content"), new_body.get("content"),
                              json_path(where, "content"), send, success=True)  # fmt: skip

    def _compare_content(
        self, old: Any, new: Any, where: str, direction: Direction, *, success: bool
    ) -> None:
        """Media types of a body: matched by name (case and spacing aside), a removed one
        covered by a new range (``application/*``) is compared with it."""
        old_content = {_media_key(k): v for k, v in (old or {}).items()}
        new_content = {_media_key(k): v for k, v in (new or {}).items()}
        if old_content.keys() == new_content.keys():
            # the usual case: the same media types; nothing gone, came or covered below
            for media in sorted(old_content):
                self._compare_media(old_content[media], new_content[media],
                                    json_path(where, media), direction, success)  # fmt: skip
            return
        # application/json and application/json;charset=utf-8 are one type to a client,
        # when each side has exactly one of that type
        for gone in sorted(old_content.keys() - new_content.keys()):
            bare = gone.split(";")[0]
            came = [m for m in new_content.keys() - old_content.keys() if m.split(";")[0] == bare]
            olds = [m for m in old_content if m.split(";")[0] == bare]
            if len(came) == 1 and len(olds) == 1:
                new_content[gone] = new_content.pop(came[0])
        request = direction is Direction.REQUEST
        side = "request" if request else "response"
        narrowed: set[str] = set()
        for media in sorted(old_content.keys() - new_content.keys()):
            at = json_path(where, media)
            inside = sorted(m for m in new_content.keys() - old_content.keys()
                            if _covering(m, {media}))  # fmt: skip
            if not request and inside:
                # a range the server no longer needs: it now says exactly what it sends
                for specific in inside:
                    narrowed.add(specific)
                    self._compare_media(old_content[media], new_content[specific],
                                        json_path(where, specific), direction, success)  # fmt: skip
                continue
            cover = _covering(media, new_content.keys() - old_content.keys())
            if cover is not None:
                if request or success:
                    self.add(f"{side}-media-type-generalised", json_path(where, cover),
                             f"{media} now accepted as {cover}" if request
                             else f"{media} now returned as {cover}", media, cover)  # fmt: skip
                self._compare_media(old_content[media], new_content[cover],
                                    json_path(where, cover), direction, success)  # fmt: skip
            elif request or success:
                verb = "accepted" if request else "returned"
                self.add(f"{side}-media-type-removed", at, f"{media} no longer {verb}", media,
                         None)  # fmt: skip
        for media in sorted(new_content.keys() - old_content.keys() - narrowed):
            if any(_covering(gone, {media}) for gone in old_content.keys() - new_content.keys()):
                continue  # reported above, as the range that took over
            verb = "accepted" if request else "returned"
            self.add(f"{side}-media-type-added", json_path(where, media), f"{media} now {verb}",
                     None, media)  # fmt: skip
        for media in sorted(old_content.keys() & new_content.keys()):
            self._compare_media(old_content[media], new_content[media], json_path(where, media),
                                direction, success)  # fmt: skip

    def _compare_media(
        self, old: Any, new: Any, where: str, direction: Direction, success: bool
    ) -> None:
        old_schema = (old or {}).get("schema")
        new_schema = (new or {}).get("schema")
        at = json_path(where, "schema")
        side = "request" if direction is Direction.REQUEST else "response"
        says_old = old_schema is not None and not view(self.old, old_schema).empty
        says_new = new_schema is not None and not view(self.new, new_schema).empty
        if says_old and not says_new:
            if side == "request" or success:
                self.add(f"{side}-body-schema-removed", at, "schema removed")
            return
        if says_new and not says_old:
            self.add(f"{side}-body-schema-added", at, "schema added where there was none")
            return
        self.schemas.compare(old_schema, new_schema, at, direction)

    def _compare_responses(self, before: Operation, after: Operation, receive: Direction) -> None:
        old_responses = before.node.get("responses") or {}
        new_responses = after.node.get("responses") or {}
        base = json_path(after.where, "responses")
        answered = receive is Direction.REQUEST  # a webhook's responses come from subscribers
        for status in sorted(set(old_responses) - set(new_responses), key=str):
            if answered:
                continue  # the provider no longer documents an answer it still accepts
            rule = f"response-{'success-' if _success(status) else ''}status-removed"
            self.add(rule, json_path(base, str(status)), f"status {status} no longer returned",
                     str(status), None)  # fmt: skip
        for status in sorted(set(new_responses) - set(old_responses), key=str):
            self.add("response-status-added", json_path(base, str(status)),
                     f"new status {status}", None, str(status))  # fmt: skip
        for status in sorted(set(old_responses) & set(new_responses), key=str):
            old, _ = self.old.resolve(old_responses[status])
            new, _ = self.new.resolve(new_responses[status])
            if isinstance(old, dict) and isinstance(new, dict):
                self._compare_response(str(status), old, new, json_path(base, str(status)),
                                       receive)  # fmt: skip

    def _compare_response(
        self, status: str, old: dict[str, Any], new: dict[str, Any], where: str,
        receive: Direction,
    ) -> None:  # fmt: skip
        success = _success(status) or receive is Direction.REQUEST
        self._compare_content(old.get("content"), new.get("content"), json_path(where, "content"),
                              receive, success=success)  # fmt: skip
        if receive is Direction.REQUEST:
            return  # headers a subscriber answers with are not read by anyone we promise
        old_headers = {str(k).lower(): v for k, v in (old.get("headers") or {}).items()}
        new_headers = {str(k).lower(): v for k, v in (new.get("headers") or {}).items()}
        old_headers.pop("content-type", None)  # "SHALL be ignored" (Response Object)
        new_headers.pop("content-type", None)
        for name in sorted(old_headers.keys() - new_headers.keys()):
            if success:
                self.add("response-header-removed", json_path(where, "headers", name),
                         f"header {name} no longer returned", name, None)  # fmt: skip
        for name in sorted(new_headers.keys() - old_headers.keys()):
            self.add("response-header-added", json_path(where, "headers", name),
                     f"new header {name}", None, name)  # fmt: skip
        for name in sorted(old_headers.keys() & new_headers.keys()):
            old_h, _ = self.old.resolve(old_headers[name])
            new_h, _ = self.new.resolve(new_headers[name])
            if not (isinstance(old_h, dict) and isinstance(new_h, dict)):
                continue
            if success and _required(old_h) and not _required(new_h):
                self.add("response-header-became-optional",
                         json_path(where, "headers", name, "required"),
                         f"header {name} is no longer required", True, False)  # fmt: skip
            shape_was = serialization({**old_h, "in": "header"})
            shape_now = serialization({**new_h, "in": "header"})
            if success and shape_was != shape_now:
                self.add("response-header-serialization-changed",
                         json_path(where, "headers", name),
                         f"header {name} serialised as {'/'.join(shape_was)} → "
                         f"{'/'.join(shape_now)}", list(shape_was), list(shape_now))  # fmt: skip
            self.schemas.compare(_param_schema(old_h), _param_schema(new_h),
                                 json_path(where, "headers", name, "schema"),
                                 Direction.RESPONSE)  # fmt: skip

    def _compare_security(self, before: Operation, after: Operation) -> None:
        where = json_path(after.where, "security")
        for alternative in before.security:
            if not any(_satisfies(alternative, option) for option in after.security):
                self.add("security-requirement-changed", where,
                         f"credentials {_show(alternative)} no longer accepted; now "
                         f"{' or '.join(_show(o) for o in after.security)}",
                         before.security, after.security)  # fmt: skip
                break
        else:
            if any(
                not any(_satisfies(option, old) for old in before.security)
                for option in after.security
            ):
                self.add("security-requirement-relaxed", where, "a new way to authenticate",
                         before.security, after.security)  # fmt: skip
        used = {name for alternative in before.security for name in alternative}
        old_schemes = (self.old.document.get("components") or {}).get("securitySchemes") or {}
        new_schemes = (self.new.document.get("components") or {}).get("securitySchemes") or {}
        for name in sorted(used & set(new_schemes) & set(old_schemes)):
            old_s, _ = self.old.resolve(old_schemes[name])
            new_s, _ = self.new.resolve(new_schemes[name])
            if _scheme_identity(old_s) != _scheme_identity(new_s):
                self.add("security-scheme-changed",
                         json_path("$", "components", "securitySchemes", name),
                         f"security scheme {name!r} changed",
                         _scheme_identity(old_s), _scheme_identity(new_s))  # fmt: skip


# --- helpers ---------------------------------------------------------------------------


def _group(key: tuple[str, ...]) -> tuple[str, ...]:
    """What an operation belongs to: its path, webhook, or callback expression."""
    return key[:2] if len(key) == 3 else key[:-1]


def _removed_rule(key: tuple[str, ...], group_survives: bool) -> str:
    if key[0] == "webhook":
        return "webhook-removed"
    if len(key) > 3:
        return "callback-removed"
    return "operation-removed" if group_survives else "path-removed"


def _added_rule(key: tuple[str, ...], group_existed: bool) -> str:
    if key[0] == "webhook":
        return "webhook-added"
    if len(key) > 3:
        return "callback-added"
    return "operation-added" if group_existed else "path-added"


def _required(node: dict[str, Any]) -> bool:
    return node.get("required") is True


def _param_schema(param: dict[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    content = param.get("content") or {}
    for media in content.values():
        return (media or {}).get("schema")
    return None


@functools.lru_cache(maxsize=4096)  # a document names a few media types thousands of times
def _media_key(media: Any) -> str:
    return ";".join(part.strip() for part in str(media).lower().split(";"))


def _covering(media: str, candidates: set[str]) -> str | None:
    """A media range among ``candidates`` that includes ``media`` (``*/*``, ``text/*``)."""
    kind = media.split(";")[0].split("/")[0]
    for candidate in sorted(candidates):
        bare = candidate.split(";")[0]
        ranged = bare == "*/*" or (bare.endswith("/*") and bare.split("/")[0] == kind)
        if ranged and bare != media.split(";")[0]:
            return candidate
    return None


def _satisfies(credentials: dict[str, list[str]], requirement: dict[str, list[str]]) -> bool:
    """Do the credentials of one alternative meet ``requirement`` (schemes and scopes)?"""
    return all(
        name in credentials and set(scopes or ()) <= set(credentials[name] or ())
        for name, scopes in requirement.items()
    )


def _show(alternative: dict[str, list[str]]) -> str:
    if not alternative:
        return "(none)"
    return "+".join(
        f"{name}[{','.join(scopes)}]" if scopes else name for name, scopes in alternative.items()
    )


def _scheme_identity(scheme: Any) -> dict[str, Any]:
    """What a client must send the same way: type, HTTP scheme, API key name and place,
    and where OAuth 2 tokens come from (bearerFormat is a hint, not a contract)."""
    if not isinstance(scheme, dict):
        return {}
    keys = ("type", "scheme", "in", "name", "openIdConnectUrl")
    identity = {k: str(scheme[k]).lower() if k == "scheme" else scheme[k]
                for k in keys if k in scheme}  # fmt: skip
    flows = scheme.get("flows")
    if isinstance(flows, dict):
        for flow, details in sorted(flows.items()):
            if isinstance(details, dict):
                for url in ("authorizationUrl", "tokenUrl", "refreshUrl"):
                    if url in details:
                        identity[f"{flow}.{url}"] = details[url]
    return identity
