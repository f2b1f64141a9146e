"""The state machine: generated sequences of operations on the live target, each answer
compared with :class:`~postdeploy.checks.media_model.MediaModel`.

Hypothesis' ``RuleBasedStateMachine`` chooses the next operation and its arguments (who
acts, through which API, with which bytes, names, tags, ranges and paging), and shrinks a
failing sequence to a short one. Every rule sends real requests and raises a
:class:`~postdeploy.checks.model_promises.Violation` when an answer differs from what the
model says must be true. See ``docs/model-checks.md`` for the rules and the promises.

Production-safe: every v2 and UI upload is tagged (the marker tag, the session's run tag,
the example's own tag); every legacy upload is named by :func:`check_filename`; each
example deletes what it made in ``teardown`` and the session's sweep catches the rest. No
wrong-password logins (they would throttle a real account), no admin walks of whole
legacy listings (they would read every user's media).
"""

from __future__ import annotations

import io
import sys
from typing import Any

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from postdeploy.checks.legacy_api import LEGACY, delete_legacy_if_ours
from postdeploy.checks.media_api import MEDIA_PATH, check_filename, delete_tagged
from postdeploy.checks.media_model import (
    LEGACY_ID_FIELD,
    LEGACY_KINDS,
    LEGACY_TIME_FIELD,
    Item,
    expected_range,
    legacy_id,
    parse_created,
    parse_tags,
)
from postdeploy.checks.model_listings import BOUNDS, FOREIGN_CURSORS, ListingRules
from postdeploy.checks.model_machine_base import _legacy_number
from postdeploy.checks.model_oracle import (
    describe,
    json_body,
    judge_download,
    judge_legacy_object,
    judge_problem,
    judge_status,
    judge_v2_object,
)
from postdeploy.checks.model_payloads import Format, Payload, build
from postdeploy.checks.model_promises import Promise, Violation, expect, violation
from postdeploy.checks.model_strategies import (
    CONDITIONS,
    EXTRA_TAGS,
    LEGACY_NAMES,
    LEGACY_TYPES,
    NAMES,
    RANGES,
    ROLES,
    TYPES,
    USERS,
    MiB,
    payloads,
    range_header,
)
from postdeploy.checks.model_target import Actor
from postdeploy.checks.model_ui import UiRules
from postdeploy.checks.websec import bad_tokens

__all__ = ["MediaMachine"]


class MediaMachine(ListingRules, UiRules):
    """One example: a fresh model, a sequence of operations, a clean-up."""

    @initialize(payload=payloads(6 * MiB), name=NAMES)
    def upload_large_shared(self, payload: Payload, name: str) -> None:
        """Every example starts with one large upload that both users hold."""
        if not self.budget.large or self.budget.max_size < MiB:
            return
        size = MiB + payload.size % max(self.budget.max_size - MiB, 1)
        payload = Payload(
            payload.format,
            size,
            payload.seed,
            payload.width,
            payload.height,
            payload.pages,
            payload.duration_ms,
        )
        content_type = TYPES[payload.format][0]
        self._upload_v2("user", payload, name, content_type, [], streamed=True)
        self._upload_v2("other", payload, name, content_type, [], streamed=True)

    def _upload_v2(
        self,
        role: str,
        payload: Payload,
        name: str,
        content_type: str | None,
        extra: list[str],
        *,
        streamed: bool,
        content: bytes | None = None,
    ) -> None:
        actor = self.actor(role)
        body = build(payload) if content is None else content
        raw_tags = self._tags_field(extra)
        tags = parse_tags(raw_tags)
        sent: Any = io.BytesIO(body) if streamed else body
        response = actor.api.post(
            MEDIA_PATH, files={"file": (name, sent, content_type)}, data={"tags": raw_tags}
        )
        what = f"v2 upload of {len(body)} bytes as {actor.name}"
        if not name:  # an empty file name makes the part a plain form field: no file at all
            # (422 "file missing"; 400 when that form field is over the form-field size limit)
            judge_problem(response, (400, 422), f"{what}, empty file name", Promise.MALFORMED)
            self._stored_nothing(actor, body, what)
            return
        if tags is None:
            judge_problem(response, 422, f"{what} with invalid tags {extra!r}", Promise.MALFORMED)
            self._stored_nothing(actor, body, what)
            return
        item = self._new_item(actor.name, name, content_type, body, tags, payload)
        self._record_v2_upload(response, item, what)
        expect(
            response.headers.get("location") == f"{MEDIA_PATH}/{item.media_id}",
            Promise.HEADERS,
            f"{what}: Location {response.headers.get('location')!r}",
        )

    # Hypothesis orders rules by their number of arguments, and its simplest example
    # repeats the first one: this tour, so that even that example (and smoke's one) does a
    # whole workflow through every API rather than one cheap request many times.
    @rule()
    def tour(self) -> None:
        """Upload (and read back), the same bytes from the other user, list, revalidate, a
        look from the other user and with an expired token, walk the legacy list, delete
        there (the other user's copy must survive)."""
        self._step("tour")
        number = len(self.model.items)
        payload = Payload(Format.PNG, 3000 + number, seed=number, width=64, height=48)
        self._upload_v2("user", payload, "日本語 résumé.png", "image/png", [], streamed=False)
        item = self.model.items[-1]
        self._upload_v2("other", payload, "copy.png", "image/png; name=copy", [], streamed=False)
        self.list_v2("user", 2, 0, None, None)
        self.read_v2(len(self.model.items) - 2, "other")
        self.bad_token("expired", "list", 0)
        headers, expected, promise = self._conditional(item, None, "match")
        response = self.actor("user").api.get(f"{MEDIA_PATH}/{item.media_id}/content",
                                               headers=headers)  # fmt: skip
        judge_download(response, item, expected, f"tour: revalidate {headers}",
                       etag_known=item.etag, status_promise=promise)  # fmt: skip
        self.walk_legacy("user", "image", 2)
        self._delete(item, self.actor("user"), "legacy" if item.legacy_number else "v2")
        if "tour_edges" not in self._once:  # once per example: the edges of every contract
            self._once.add("tour_edges")
            for bound in BOUNDS:
                for edge in ("largest", "over", "under"):
                    self.listing_bounds(bound, edge)
            for cursor in FOREIGN_CURSORS:
                self.foreign_cursor(cursor, "user")
            at_limit = Payload(Format.TEXT, 64, seed=number)
            self._upload_v2("user", at_limit, "tags.txt", "text/plain", ["t" * 128], streamed=False)
            self.ui_walk("user", None)

    @rule(
        role=st.sampled_from(ROLES),
        payload=st.data(),
        name=NAMES,
        extra=EXTRA_TAGS,
        streamed=st.booleans(),
        type_choice=st.integers(0, 4),
    )
    def upload_v2(
        self, role: str, payload: Any, name: str, extra: list[str], streamed: bool, type_choice: int
    ) -> None:
        self._step("upload_v2")
        drawn: Payload = payload.draw(payloads(self.budget.max_size))
        types = TYPES[drawn.format]
        self._upload_v2(
            role, drawn, name, types[type_choice % len(types)], extra, streamed=streamed
        )

    @precondition(lambda self: self.model.items)
    @rule(pick=st.integers(0, 2**16), role=st.sampled_from(ROLES), name=NAMES)
    def upload_same_bytes(self, pick: int, role: str, name: str) -> None:
        """Identical content from another (or the same) user: a separate item, same bytes."""
        self._step("upload_same_bytes")
        source = self._pick(self.model.items, pick)
        self._upload_v2(
            role,
            source.payload or Payload(Format.BINARY, 0, 0),
            name,
            source.content_type,
            [],
            streamed=False,
            content=source.content,
        )

    @rule(
        role=st.sampled_from(USERS),
        kind=st.sampled_from(LEGACY_KINDS),
        data=st.data(),
        name=LEGACY_NAMES,
    )
    def upload_legacy(self, role: str, kind: str, data: Any, name: str) -> None:
        self._step("upload_legacy")
        fmt, content_type = data.draw(st.sampled_from(LEGACY_TYPES[kind]))
        payload = data.draw(payloads(self.budget.max_size, (fmt,)))
        self._upload_legacy(role, kind, payload, content_type, name)

    def _upload_legacy(
        self, role: str, kind: str, payload: Payload, content_type: str, name: str
    ) -> Item:
        actor, legacy = self.actor(role), LEGACY[kind]
        content = build(payload)
        filename = check_filename(self.t.run_id, name)
        response = actor.api.post(
            legacy.base, files={legacy.file_field: (filename, content, content_type)}
        )
        what = f"v1 {kind} upload of {len(content)} bytes as {actor.name}"
        self._remember_legacy(response, role, kind, content)
        judge_status(response, 201, Promise.REFUSED, what)
        body = json_body(response)
        item = self._new_item(actor.name, filename, content_type, content, [], payload)
        expect(
            isinstance(body, dict) and LEGACY_ID_FIELD[kind] in body,
            Promise.REPRESENTATION,
            f"{what}: no {LEGACY_ID_FIELD[kind]} in {response.text[:200]}",
        )
        number = _legacy_number(kind, body[LEGACY_ID_FIELD[kind]])
        expect(
            number is not None,
            Promise.REPRESENTATION,
            f"{what}: id {body[LEGACY_ID_FIELD[kind]]!r} is not a {kind} id",
        )
        item.created_at = str(body.get(LEGACY_TIME_FIELD[kind]))
        self._number(item, number, what, new=True)
        judge_legacy_object(body, item, what)
        self.t.counters.bytes_up += item.size
        # the cross-API promise: a v1 upload is a v2 item of its kind
        listing = actor.api.get(MEDIA_PATH, params={"owner": actor.name, "limit": 50})
        judge_status(listing, 200, Promise.REFUSED, f"{what}: v2 listing afterwards")
        found = [
            i
            for i in json_body(listing).get("items", [])
            if i.get("sha256") == item.sha256 and parse_created(i.get("created_at")) == item.created
        ]
        expect(
            len(found) == 1,
            Promise.LISTED,
            f"{what}: {len(found)} matching items among the owner's newest v2 media",
        )
        item.media_id = str(found[0].get("id"))
        judge_v2_object(found[0], item, f"{what}, seen through v2")
        self.model.add(item)
        self._read_back(item, what, legacy=True)
        return item

    @precondition(lambda self: self._replaceable())
    @rule(pick=st.integers(0, 2**16), data=st.data(), name=LEGACY_NAMES)
    def replace_legacy(self, pick: int, data: Any, name: str) -> None:
        """Delete an item through its legacy API and upload another of its kind there, as
        a client replacing a file does: the new one must get a number never issued."""
        self._step("replace_legacy")
        item = self._pick(self._replaceable(), pick)
        owner = self.owner_of(item)
        self._delete(item, owner, "legacy")
        fmt, content_type = data.draw(st.sampled_from(LEGACY_TYPES[item.kind]))
        payload = data.draw(payloads(min(self.budget.max_size, MiB), (fmt,)))
        self._upload_legacy(owner.role, item.kind, payload, content_type, name)

    def _replaceable(self) -> list[Item]:
        users = {self.actor(role).name for role in USERS}
        return [i for i in self.model.alive if i.legacy_number is not None and i.owner in users]

    @rule(
        kind=st.sampled_from(LEGACY_KINDS),
        wrong=st.sampled_from(["text/plain", "image/png", "video/mp4", "application/octet-stream"]),
    )
    def upload_legacy_wrong_kind(self, kind: str, wrong: str) -> None:
        """A legacy API refuses another kind with 415 before storing a byte."""
        from postdeploy.checks.media_model import kind_of

        if kind_of(wrong) == kind:
            return
        self._step("upload_legacy_wrong_kind")
        actor, legacy = self.actor("user"), LEGACY[kind]
        content = build(Payload(Format.BINARY, 64, next(self._keys) + 7919))
        filename = check_filename(self.t.run_id, "wrong-kind.bin")
        response = actor.api.post(
            legacy.base, files={legacy.file_field: (filename, content, wrong)}
        )
        self._remember_legacy(response, "user", kind, content)
        what = f"v1 {kind} upload of {wrong}"
        judge_problem(response, 415, what, Promise.MALFORMED)
        self._stored_nothing(actor, content, what)

    # ----- reads ------------------------------------------------------------------------------

    @precondition(lambda self: self.model.items)
    @rule(pick=st.integers(0, 2**16), role=st.sampled_from(ROLES))
    def read_v2(self, pick: int, role: str) -> None:
        self._step("read_v2")
        item, actor = self._pick(self.model.items, pick), self.actor(role)
        response = actor.api.get(f"{MEDIA_PATH}/{item.media_id}")
        what = f"v2 metadata of {item.owner}'s item as {actor.name}"
        if not self.can_see(actor, item):
            self._gone_or_foreign(response, item, actor, what)
            return
        judge_status(response, 200, Promise.REFUSED, what)
        judge_v2_object(json_body(response), item, what)

    def _numbered(self) -> list[Item]:
        return [i for i in self.model.items if i.legacy_number is not None]

    @precondition(lambda self: self._numbered())
    @rule(pick=st.integers(0, 2**16), role=st.sampled_from(ROLES))
    def read_legacy(self, pick: int, role: str) -> None:
        self._step("read_legacy")
        item, actor = self._pick(self._numbered(), pick), self.actor(role)
        path = LEGACY[item.kind].item_path(legacy_id(item.kind, item.legacy_number or 0))
        response = actor.api.get(path)
        what = f"v1 {item.kind} of {item.owner} as {actor.name}"
        if not self.can_see(actor, item):
            self._gone_or_foreign(response, item, actor, what)
            return
        judge_status(response, 200, Promise.REFUSED, what)
        judge_legacy_object(json_body(response), item, what)

    @precondition(lambda self: self.model.items)
    @rule(
        pick=st.integers(0, 2**16),
        role=st.sampled_from(ROLES),
        api=st.sampled_from(["v2", "legacy", "ui"]),
        spec=RANGES,
        condition=CONDITIONS,
    )
    def download(self, pick: int, role: str, api: str, spec: Any, condition: str) -> None:
        item, actor = self._pick(self.model.items, pick), self.actor(role)
        if api == "legacy" and item.legacy_number is None:
            api = "v2"
        self._step(f"download_{api}")
        if api == "ui":
            self._ui_download(actor, item, f"/media/{item.media_id}/download")
            return
        if api == "v2":
            path = f"{MEDIA_PATH}/{item.media_id}/content"
        else:
            legacy = LEGACY[item.kind]
            number = legacy_id(item.kind, item.legacy_number or 0)
            path = f"{legacy.item_path(number)}/{legacy.content_suffix}"
        headers, expected, status_promise = self._conditional(item, spec, condition)
        response = actor.api.get(path, headers=headers)
        what = f"{api} download of {item.owner}'s {item.size}-byte item as {actor.name} {headers}"
        if not self.can_see(actor, item):
            self._gone_or_foreign(response, item, actor, what)
            return
        etag = judge_download(
            response, item, expected, what, etag_known=item.etag, status_promise=status_promise
        )
        if etag:
            item.etag = etag
        self.t.counters.bytes_down += len(response.content)

    def _conditional(
        self, item: Item, spec: Any, condition: str
    ) -> tuple[dict[str, str], Any, Promise]:
        headers: dict[str, str] = {}
        known = item.etag
        rng = range_header(spec, item.size)
        if rng is not None:
            headers["Range"] = rng
        if condition == "match" and known:
            headers["If-None-Match"] = known
        elif condition == "other":
            headers["If-None-Match"] = '"postdeploy-not-this"'
        elif condition == "star":
            headers["If-None-Match"] = "*"
        elif condition == "list" and known:
            headers["If-None-Match"] = f'"postdeploy-old", {known}'
        elif condition == "if-range" and known and rng is not None:
            headers["If-Range"] = known
        elif condition == "stale" and rng is not None:
            headers["If-Range"] = '"postdeploy-stale"'
        if "If-None-Match" in headers and headers["If-None-Match"] != "*" and not known:
            del headers["If-None-Match"]
        etag = known or ""
        expected = expected_range(
            item.size,
            etag,
            range_header=headers.get("Range"),
            if_range=headers.get("If-Range"),
            if_none_match=headers.get("If-None-Match"),
        )
        if expected.status == 304 or "If-None-Match" in headers:
            promise = Promise.ETAG
        elif "Range" in headers:
            promise = Promise.RANGE
        else:
            promise = Promise.REFUSED
        if not known and headers.get("If-None-Match") == "*":
            expected = expected_range(item.size, "", if_none_match="*")
        return headers, expected, promise

    # ----- listings ---------------------------------------------------------------------------

    # ----- deletes ----------------------------------------------------------------------------

    @precondition(lambda self: self.model.items)
    @rule(
        pick=st.integers(0, 2**16),
        role=st.sampled_from(ROLES),
        api=st.sampled_from(["v2", "legacy", "ui"]),
    )
    def delete(self, pick: int, role: str, api: str) -> None:
        item, actor = self._pick(self.model.items, pick), self.actor(role)
        if api == "legacy" and item.legacy_number is None:
            api = "v2"
        self._step(f"delete_{api}")
        self._delete(item, actor, api)

    def _delete(self, item: Item, actor: Actor, api: str) -> None:
        what = f"{api} delete of {item.owner}'s item as {actor.name}"
        allowed = self.can_see(actor, item)
        if api == "ui":
            self._ui_delete(actor, item, what)
        elif api == "v2":
            response = actor.api.delete(f"{MEDIA_PATH}/{item.media_id}")
            if not allowed:
                self._gone_or_foreign(response, item, actor, what)
            else:
                judge_status(response, 204, Promise.REFUSED, what)
        else:
            legacy = LEGACY[item.kind]
            number = legacy_id(item.kind, item.legacy_number or 0)
            response = actor.api.delete(legacy.item_path(number))
            if not allowed:
                self._gone_or_foreign(response, item, actor, what)
            else:
                judge_status(response, legacy.deleted_status, Promise.REFUSED, what)
                if item.kind == "image":
                    expect(
                        json_body(response) == {"deleted": True, "image_id": number},
                        Promise.REPRESENTATION,
                        f"{what}: answered {response.text[:200]}",
                    )
        if allowed:
            item.alive = False
            self._confirm_gone(item, what)
        elif item.alive:
            self._confirm_still_there(item, what)

    def _confirm_gone(self, item: Item, what: str) -> None:
        owner = self.owner_of(item)
        for path in (f"{MEDIA_PATH}/{item.media_id}", f"{MEDIA_PATH}/{item.media_id}/content"):
            self._gone_or_foreign(
                owner.api.get(path), item, owner, f"{what}: GET {path} afterwards"
            )
        # identical bytes held by another item must survive this delete
        for other in self.model.alive:
            if other.sha256 == item.sha256:
                reader = self.owner_of(other)
                response = reader.api.get(f"{MEDIA_PATH}/{other.media_id}/content")
                expect(
                    response.status_code < 500,
                    Promise.BYTES,
                    f"{what}: {other.owner}'s copy of the same bytes answers "
                    f"{describe(response)} afterwards: its bytes went with the deleted item",
                )
                judge_download(
                    response,
                    other,
                    expected_range(other.size, ""),
                    f"{what}: the {other.owner}'s copy of the same bytes afterwards",
                    etag_known=other.etag,
                )
                break

    def _confirm_still_there(self, item: Item, what: str) -> None:
        owner = self.owner_of(item)
        response = owner.api.get(f"{MEDIA_PATH}/{item.media_id}")
        if response.status_code == 404:
            raise violation(Promise.ISOLATION, f"{what}: refused, yet the owner's item is gone")
        judge_status(response, 200, Promise.REFUSED, f"{what}: the owner's item afterwards")

    # ----- tokens and logins -------------------------------------------------------------------

    @rule(
        variant=st.sampled_from(
            ["anonymous", "garbage", "forged", "alg_none", "expired", "tampered", "truncated"]
        ),
        endpoint=st.sampled_from(["list", "get", "content", "legacy", "upload"]),
        pick=st.integers(0, 2**16),
    )
    def bad_token(self, variant: str, endpoint: str, pick: int) -> None:
        """Bad, forged and expired tokens: 401 with a problem document and a Bearer challenge."""
        self._step("bad_token")
        user = self.actor("user")
        real = user.api.headers.get("Authorization", "").removeprefix("Bearer ")
        headers = (
            {}
            if variant == "anonymous"
            else {"Authorization": f"Bearer {bad_tokens(real)[variant]}"}
        )
        media_id = self._pick(self.model.items, pick).media_id if self.model.items else "0"
        client = self.t.anonymous
        if endpoint == "upload":
            response = client.post(
                MEDIA_PATH,
                headers=headers,
                data={"tags": self._tags_field([])},
                files={"file": ("token-probe.bin", b"probe", "application/x-probe")},
            )
        else:
            path = {
                "list": MEDIA_PATH,
                "get": f"{MEDIA_PATH}/{media_id}",
                "content": f"{MEDIA_PATH}/{media_id}/content",
                "legacy": LEGACY["image"].base,
            }[endpoint]
            response = client.get(path, headers=headers)
        what = f"{endpoint} with a {variant} token"
        expect(
            not 200 <= response.status_code < 300,
            Promise.TOKEN_ACCEPTED,
            f"{what}: accepted, {describe(response)}",
        )
        expect(
            response.status_code == 401,
            Promise.TOKEN_REFUSAL,
            f"{what}: {describe(response)}, expected 401: {response.text[:200]}",
        )
        judge_problem(response, 401, what, Promise.TOKEN_REFUSAL)
        expect(
            response.headers.get("www-authenticate", "").lower().startswith("bearer"),
            Promise.TOKEN_REFUSAL,
            f"{what}: 401 without a Bearer challenge",
        )

    # Logins hash a password (scrypt, on purpose slow): once per example is enough.
    @precondition(lambda self: "relogin" not in self._once)
    @rule(role=st.sampled_from(ROLES))
    def relogin(self, role: str) -> None:
        """Logging in again gives a working token of the right role."""
        self._once.add("relogin")
        self._step("relogin")
        actor = self.actor(role)
        response = actor.login()
        what = f"login as {actor.name}"
        judge_status(response, 200, Promise.REFUSED, what)
        body = json_body(response)
        expect(
            isinstance(body, dict)
            and isinstance(body.get("access_token"), str)
            and body.get("token_type") == "bearer"
            and isinstance(body.get("expires_in"), int)
            and body["expires_in"] > 0
            and body.get("role") == actor.account.role,
            Promise.REPRESENTATION,
            f"{what}: answered {sorted(body) if isinstance(body, dict) else body}",
        )
        check = actor.api.get(MEDIA_PATH, params={"tag": self.tag, "limit": 1})
        judge_status(check, 200, Promise.REFUSED, f"{what}: the new token")

    # ----- clean-up -----------------------------------------------------------------------------

    def teardown(self) -> None:
        """Delete what this example made (as the admin, who may delete anything): all media
        with the example's tag, every model item, every legacy upload by its number."""
        failure = sys.exc_info()[1]  # teardown runs in Hypothesis' ``finally``
        if isinstance(failure, Violation):
            self.t.counters.saw(failure)
        admin = self.actor("admin")
        try:
            delete_tagged(admin.api, self.tag)
            for item in self.model.alive:
                if item.media_id:
                    admin.api.delete(f"{MEDIA_PATH}/{item.media_id}")
            for role, kind, raw, sha in self._legacy_made:
                delete_legacy_if_ours(self.actor(role).api, LEGACY[kind], raw, sha)
        except (httpx.HTTPError, ValueError):
            pass  # the session's sweep tries again; the check's outcome stands
