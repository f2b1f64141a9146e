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

import hashlib
import html
import io
import itertools
import math
import re
import sys
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from postdeploy.checks.legacy_api import LEGACY, delete_legacy_if_ours
from postdeploy.checks.media_api import MARKER_TAG, MEDIA_PATH, check_filename, delete_tagged
from postdeploy.checks.media_model import (
    LEGACY_ID_FIELD,
    LEGACY_KINDS,
    LEGACY_TIME_FIELD,
    Item,
    MediaModel,
    clean_name,
    expected_range,
    legacy_id,
    normalise_type,
    parse_created,
    parse_tags,
)
from postdeploy.checks.model_oracle import (
    describe,
    json_body,
    judge_download,
    judge_legacy_object,
    judge_problem,
    judge_status,
    judge_v2_object,
)
from postdeploy.checks.model_payloads import Format, Payload, Probed, build
from postdeploy.checks.model_promises import Promise, Violation, expect, violation
from postdeploy.checks.model_target import Actor, ModelTarget
from postdeploy.checks.websec import bad_tokens

__all__ = ["Budget", "MediaMachine"]

MiB = 1024 * 1024
UI_PAGE_SIZE = 10
MAX_WALK_PAGES = 40
WALK_ATTEMPTS = 3  # a listing walk a concurrent writer disturbed is walked again, then skipped

# --- strategies ---------------------------------------------------------------------------

ROLES = ("user", "other", "admin")
USERS = ("user", "other")
TYPES: dict[Format, tuple[str | None, ...]] = {
    Format.PNG: ("image/png", "IMAGE/PNG", "image/png; profile=x"),
    Format.MP4: ("video/mp4", "Video/MP4"),
    Format.PDF: ("application/pdf",),
    Format.TEXT: ("text/plain", "text/plain; charset=utf-8", "text/markdown"),
    Format.HTML: ("text/html", "image/svg+xml"),
    # ("no-slash" is not a media type: the service must fall back to octet-stream)
    Format.BINARY: (
        "application/octet-stream",
        "application/x-postdeploy",
        "application/zip",
        "no-slash",
    ),
}
#: what each legacy API accepts, as (format, content type) pairs
LEGACY_TYPES: dict[str, tuple[tuple[Format, str], ...]] = {
    "image": ((Format.PNG, "image/png"), (Format.HTML, "image/svg+xml")),
    "video": ((Format.MP4, "video/mp4"),),
    "document": (
        (Format.PDF, "application/pdf"),
        (Format.TEXT, "text/plain"),
        (Format.HTML, "text/html"),
    ),
}
# Names in any script. Not '"' or '\\': HTML5 form encoding (httpx, browsers) escapes them
# in the multipart header and the service keeps what arrives, so they are the client's.
_NAME_CHARS = st.characters(
    categories=("L", "M", "N", "P", "S", "Zs"), exclude_characters='"\\', max_codepoint=0x1FFFF
)
# Hypothesis shrinks toward the first branch and the first element: the "simplest" name
# is already one in two scripts with a space, so even a minimal run tests them.
NAMES = st.one_of(
    st.sampled_from(["日本語 résumé.pdf", "photo.png", "Ελληνικά.mp4", "עברית.txt",
                     " spaced .txt", "a;b,c.bin", "..", "dir/sub/inner.png", "x" * 300]),
    st.text(_NAME_CHARS, max_size=40),
)  # fmt: skip
LEGACY_NAMES = NAMES.map(lambda name: name.replace("/", "_"))
_TAG_CHARS = st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters=",")
EXTRA_TAGS = st.lists(st.text(_TAG_CHARS, max_size=12), max_size=3)


def sizes(max_size: int) -> st.SearchStrategy[int]:
    """Empty to ``max_size``: mostly small, the boundaries of 256 KiB/1 MiB chunks, a few
    large ones."""
    boundaries = [
        n
        for n in (0, 1, 2, 255, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, MiB - 1, MiB, MiB + 1)
        if n <= max_size
    ]
    return st.one_of(
        st.integers(0, 4096),
        st.sampled_from(boundaries),
        st.integers(0, 4096),
        st.integers(0, max_size),
    )


def payloads(max_size: int, formats: tuple[Format, ...] = tuple(Format)) -> st.SearchStrategy:
    return st.builds(
        Payload,
        format=st.sampled_from(formats),
        size=sizes(max_size),
        seed=st.integers(0, 2**32 - 1),
        width=st.integers(1, 5000),
        height=st.integers(1, 5000),
        pages=st.integers(1, 40),
        duration_ms=st.integers(1, 10**7),
    )


#: a byte position relative to the file: (anchor, offset)
POSITIONS = st.tuples(st.sampled_from(["start", "end", "mid", "chunk", "past"]), st.integers(-2, 2))
RANGES = st.one_of(
    st.none(),
    st.tuples(st.just("a-b"), POSITIONS, POSITIONS),
    st.tuples(st.just("a-"), POSITIONS, st.none()),
    st.tuples(st.just("-n"), POSITIONS, st.none()),
    st.tuples(
        st.sampled_from(["bytes=0-0,2-3", "items=0-1", "bytes=", "bytes=-", "bytes=x-y"]),
        st.none(),
        st.none(),
    ),
)
CONDITIONS = st.sampled_from(["none", "match", "other", "star", "list", "if-range", "stale"])


def _position(anchor: tuple[str, int], size: int) -> int:
    base = {"start": 0, "end": size - 1, "mid": size // 2, "chunk": 256 * 1024, "past": size}
    return max(base[anchor[0]] + anchor[1], 0)


def range_header(spec: Any, size: int) -> str | None:
    if spec is None:
        return None
    form, first, last = spec
    if form == "a-b":
        return f"bytes={_position(first, size)}-{_position(last, size)}"
    if form == "a-":
        return f"bytes={_position(first, size)}-"
    if form == "-n":
        return f"bytes=-{_position(first, size)}"
    return form


class Budget:
    """How much one run may do: examples times steps, and the largest upload."""

    def __init__(self, examples: int, steps: int, max_size: int, *, large: bool = True) -> None:
        self.examples, self.steps, self.max_size, self.large = examples, steps, max_size, large

    @classmethod
    def parse(cls, text: str) -> Budget:
        """``EXAMPLESxSTEPS`` or ``EXAMPLESxSTEPS:MAXBYTES`` (e.g. ``6x30:6291456``)."""
        head, _, size = text.partition(":")
        examples, _, steps = head.lower().partition("x")
        budget = cls(int(examples), int(steps), int(size) if size else 6 * MiB)
        if budget.examples < 1 or budget.steps < 1 or budget.max_size < 0:
            raise ValueError(f"bad model budget {text!r}")
        return budget

    def __str__(self) -> str:
        return f"{self.examples}x{self.steps}:{self.max_size}"


# --- the machine ----------------------------------------------------------------------------


class MediaMachine(RuleBasedStateMachine):
    """One example: a fresh model, a sequence of operations, a clean-up."""

    def __init__(self, target: ModelTarget, budget: Budget) -> None:
        super().__init__()
        self.t = target
        self.budget = budget
        self.model = MediaModel()
        target.counters.examples += 1
        self.tag = target.tag_for(target.counters.examples)
        self._keys = itertools.count()
        self._ui_csrf: dict[str, str | None] = {}
        self._once: set[str] = set()
        self._legacy_made: list[tuple[str, str, Any, str]] = []
        for actor in target.actors.values():
            actor.ui.cookies.clear()  # a fresh browser per example: examples replay alike

    # ----- helpers ----------------------------------------------------------------------------

    def actor(self, role: str) -> Actor:
        return self.t.actors[role]

    def owner_of(self, item: Item) -> Actor:
        return next(a for a in self.t.actors.values() if a.name == item.owner)

    def can_see(self, actor: Actor, item: Item) -> bool:
        return item.alive and (actor.admin or actor.name == item.owner)

    def _pick(self, items: list[Item], pick: int) -> Item:
        return items[pick % len(items)]

    def _step(self, name: str) -> None:
        self.t.counters.step(name)

    def _tags_field(self, extra: list[str]) -> str:
        return ",".join([MARKER_TAG, self.t.run_tag, self.tag, *extra])

    def _new_item(
        self,
        owner: str,
        name: str,
        content_type: str | None,
        content: bytes,
        tags: list[str],
        payload: Payload | None,
    ) -> Item:
        return Item(
            key=next(self._keys),
            owner=owner,
            filename=clean_name(name),
            content_type=normalise_type(content_type),
            content=content,
            tags=tags,
            probed=payload.probed() if payload is not None else Probed(),
            payload=payload,
        )

    def _record_v2_upload(self, response: httpx.Response, item: Item, what: str) -> None:
        judge_status(response, 201, Promise.REFUSED, what)
        body = json_body(response)
        expect(
            isinstance(body, dict) and isinstance(body.get("id"), str),
            Promise.REPRESENTATION,
            f"{what}: no id in {response.text[:200]}",
        )
        expect(
            self.model.by_media_id(body["id"]) is None,
            Promise.METADATA,
            f"{what}: the new upload got the id of an earlier one: {body['id']}",
        )
        item.media_id, item.created_at = body["id"], str(body.get("created_at"))
        expect(
            item.created is not None,
            Promise.METADATA,
            f"{what}: created_at {body.get('created_at')!r} is not a time with its zone",
        )
        judge_v2_object(body, item, what)
        self.model.add(item)
        self.t.counters.bytes_up += item.size
        self._read_back(item, what)

    def _stored_nothing(self, actor: Actor, content: bytes, what: str) -> None:
        """After a refused upload: no new media of ``actor`` holds these bytes."""
        sha = hashlib.sha256(content).hexdigest()
        response = actor.api.get(MEDIA_PATH, params={"owner": actor.name, "limit": 20})
        judge_status(response, 200, Promise.REFUSED, f"{what}: listing afterwards")
        fresh = [
            i
            for i in json_body(response).get("items", [])
            if i.get("sha256") == sha and self.model.by_media_id(i.get("id")) is None
        ]
        expect(
            not fresh,
            Promise.MALFORMED,
            f"{what}: refused, yet stored as {fresh[0]['id'] if fresh else ''}",
        )

    def _number(self, item: Item, number: int, what: str, *, new: bool) -> None:
        """Learn or confirm an item's legacy number; a new one must exceed every one seen."""
        kind = item.kind
        if new:
            # Per example, so that a replay judges alike: the example's own numbers only.
            highest = self.model.highest_number.get(kind, 0)
            expect(
                number > highest,
                Promise.LEGACY_ID,
                f"{what}: new {kind} got number {number}; {highest} was issued before",
            )
        elif item.legacy_number is not None:
            expect(
                number == item.legacy_number,
                Promise.LEGACY_ID,
                f"{what}: {kind} number {number}, earlier {item.legacy_number}",
            )
        item.legacy_number = number
        self.model.note_number(kind, number)

    def _gone_or_foreign(
        self,
        response: httpx.Response,
        item: Item,
        actor: Actor,
        what: str,
        *,
        html_page: bool = False,
    ) -> None:
        """Someone else's or deleted media answers 404 (a 200 is a leak or a ghost)."""
        promise = Promise.GONE if not item.alive else Promise.ISOLATION
        if 200 <= response.status_code < 300:
            raise violation(
                promise,
                f"{what}: {describe(response)} for "
                f"{'deleted' if not item.alive else item.owner + chr(39) + 's'} media "
                f"as {actor.name}",
            )
        if html_page:
            judge_status(response, 404, promise, what)
        else:
            judge_problem(response, 404, what, promise)

    # ----- uploads ----------------------------------------------------------------------------

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

    def _read_back(self, item: Item, what: str, *, legacy: bool = False) -> None:
        """Read-your-writes: what was just stored reads back, metadata and bytes, through
        the API that stored it."""
        owner = self.owner_of(item)
        if legacy:
            path = LEGACY[item.kind].item_path(legacy_id(item.kind, item.legacy_number or 0))
            content_path = f"{path}/{LEGACY[item.kind].content_suffix}"
        else:
            path = f"{MEDIA_PATH}/{item.media_id}"
            content_path = f"{path}/content"
        meta = owner.api.get(path)
        judge_status(meta, 200, Promise.LISTED, f"{what}: metadata right after")
        judge = judge_legacy_object if legacy else judge_v2_object
        judge(json_body(meta), item, f"{what}: metadata right after")
        response = owner.api.get(content_path)
        etag = judge_download(
            response, item, expected_range(item.size, ""), f"{what}: bytes right after",
            etag_known=item.etag,
        )  # fmt: skip
        item.etag = etag or item.etag
        self.t.counters.bytes_down += len(response.content)
        if item.size >= 3:  # and its middle third, as a player or a resumed download asks
            spec = f"bytes={item.size // 3}-{2 * item.size // 3}"
            ranged = owner.api.get(content_path, headers={"Range": spec})
            judge_download(
                ranged, item, expected_range(item.size, item.etag or "", range_header=spec),
                f"{what}: {spec} right after", etag_known=item.etag, status_promise=Promise.RANGE,
            )  # fmt: skip

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

    @rule(
        role=st.sampled_from(ROLES),
        limit=st.integers(1, 7),
        offset=st.integers(0, 9),
        kind=st.sampled_from([None, "image", "video", "document", "other"]),
        owner=st.sampled_from([None, "user", "other"]),
    )
    def list_v2(
        self, role: str, limit: int, offset: int, kind: str | None, owner: str | None
    ) -> None:
        self._step("list_v2")
        actor = self.actor(role)
        owner_name = self.actor(owner).name if owner else None
        params: dict[str, Any] = {"tag": self.tag, "limit": limit, "offset": offset}
        if kind:
            params["kind"] = kind
        if owner_name:
            params["owner"] = owner_name
        response = actor.api.get(MEDIA_PATH, params=params)
        what = f"v2 listing {params} as {actor.name}"
        judge_status(response, 200, Promise.REFUSED, what)
        body = json_body(response)
        expect(
            isinstance(body, dict) and set(body) == {"items", "total", "limit", "offset"},
            Promise.REPRESENTATION,
            f"{what}: fields {sorted(body) if isinstance(body, dict) else body}",
        )
        expected = self.model.listing(
            actor.name, admin=actor.admin, tag=self.tag, kind=kind, owner=owner_name
        )
        page = expected[offset : offset + limit]
        ids = [str(i.get("id")) for i in body["items"]]
        want = [i.media_id for i in page]
        self._judge_listed_ids(ids, want, actor, what)
        expect(
            body["total"] == len(expected),
            Promise.PAGING,
            f"{what}: total {body['total']}, the model has {len(expected)}",
        )
        expect(
            (body["limit"], body["offset"]) == (limit, offset),
            Promise.PAGING,
            f"{what}: echoes limit/offset {body['limit']}/{body['offset']}",
        )
        for obj, item in zip(body["items"], page, strict=True):
            judge_v2_object(obj, item, f"{what}, item {item.media_id}")

    def _judge_listed_ids(self, ids: list[str], want: list[str], actor: Actor, what: str) -> None:
        for media_id in ids:
            known = self.model.by_media_id(media_id)
            if known is not None and not known.alive:
                raise violation(Promise.GONE, f"{what}: lists deleted {media_id}")
            if known is not None and not self.can_see(actor, known):
                raise violation(Promise.ISOLATION, f"{what}: lists {known.owner}'s {media_id}")
        missing = [m for m in want if m not in ids]
        expect(not missing, Promise.LISTED, f"{what}: missing {missing}; listed {ids}")
        expect(ids == want, Promise.PAGING, f"{what}: listed {ids}, the model says {want}")

    @rule(role=st.sampled_from(USERS), kind=st.sampled_from(LEGACY_KINDS), size=st.integers(1, 6))
    def walk_legacy(self, role: str, kind: str, size: int) -> None:
        """Every page of a legacy listing: paging arithmetic exact, our items exactly once."""
        self._step(f"walk_{kind}")
        actor = self.actor(role)
        walker = {
            "image": self._walk_images,
            "video": self._walk_videos,
            "document": self._walk_documents,
        }[kind]
        for _attempt in range(WALK_ATTEMPTS):
            seen = walker(actor, size)
            if seen is not None:
                self._judge_legacy_walk(actor, kind, seen)
                return
        self.t.counters.not_judged(f"{kind} listing changed by another writer during the walk")

    def _walk_images(self, actor: Actor, per_page: int) -> list[dict[str, Any]] | None:
        base, seen, what = LEGACY["image"].base, [], f"v1 images as {actor.name}"
        first = self._legacy_page(actor, base, {"page": 1, "per_page": per_page}, what)
        total = first.get("total_count")
        expect(
            isinstance(total, int) and total >= 0,
            Promise.REPRESENTATION,
            f"{what}: total_count {total!r}",
        )
        per_page = max(per_page, math.ceil(total / MAX_WALK_PAGES))
        pages = math.ceil(total / per_page)
        body = first if per_page == first.get("per_page") else None
        for page in range(1, pages + 2):
            if body is None or page > 1:
                body = self._legacy_page(actor, base, {"page": page, "per_page": per_page}, what)
            if body.get("total_count") != total:
                return None
            expect(
                (body.get("page"), body.get("per_page"), body.get("total_pages"))
                == (page, per_page, pages),
                Promise.PAGING,
                f"{what}: page {page} says page/per_page/total_pages "
                f"{body.get('page')}/{body.get('per_page')}/{body.get('total_pages')}, "
                f"expected {page}/{per_page}/{pages} for {total}",
            )
            want = (
                per_page
                if page < pages
                else (total - per_page * (pages - 1) if page == pages else 0)
            )
            images = body.get("images", [])
            expect(
                len(images) == want,
                Promise.PAGING,
                f"{what}: page {page} of {pages} (per_page {per_page}, total {total}) "
                f"has {len(images)} items, expected {want}",
            )
            seen.extend(images)
        return seen

    def _walk_documents(self, actor: Actor, limit: int) -> list[dict[str, Any]] | None:
        base, seen, what = LEGACY["document"].base, [], f"v1 documents as {actor.name}"
        first = self._legacy_page(actor, base, {"offset": 0, "limit": limit}, what)
        count = first.get("count")
        expect(
            isinstance(count, int) and count >= 0,
            Promise.REPRESENTATION,
            f"{what}: count {count!r}",
        )
        widened = max(limit, math.ceil(count / MAX_WALK_PAGES))
        offset, body, limit = 0, first if widened == limit else None, widened
        for _ in range(MAX_WALK_PAGES + 2):
            if body is None:
                body = self._legacy_page(actor, base, {"offset": offset, "limit": limit}, what)
            if body.get("count") != count:
                return None
            results = body.get("results", [])
            want = max(min(limit, count - offset), 0)
            expect(
                len(results) == want,
                Promise.PAGING,
                f"{what}: offset {offset} limit {limit} of {count} has {len(results)} items",
            )
            seen.extend(results)
            self._judge_link(
                body.get("next"),
                offset + limit if offset + limit < count else None,
                limit,
                f"{what}: next at offset {offset}",
            )
            self._judge_link(
                body.get("previous"),
                max(offset - limit, 0) if offset > 0 else None,
                limit,
                f"{what}: previous at offset {offset}",
            )
            if body.get("next") is None:
                return seen
            offset, body = offset + limit, None
        return seen

    def _judge_link(self, link: Any, offset: int | None, limit: int, what: str) -> None:
        if offset is None:
            expect(link is None, Promise.PAGING, f"{what} is {link!r}, expected null")
            return
        ok = isinstance(link, str) and urlsplit(link).scheme in ("http", "https")
        query = parse_qs(urlsplit(link).query) if isinstance(link, str) else {}
        expect(
            ok and query.get("offset") == [str(offset)] and query.get("limit") == [str(limit)],
            Promise.PAGING,
            f"{what} is {link!r}, expected offset={offset}&limit={limit}",
        )

    def _walk_videos(self, actor: Actor, limit: int) -> list[dict[str, Any]] | None:
        base, seen, what = LEGACY["video"].base, [], f"v1 videos as {actor.name}"
        cursor: str | None = None
        for _ in range(MAX_WALK_PAGES * 4):
            params: dict[str, Any] = {"limit": limit}
            if cursor is not None:
                params["cursor"] = cursor
            body = self._legacy_page(actor, base, params, what)
            videos = body.get("videos", [])
            expect(
                body.get("limit") == limit and len(videos) <= limit,
                Promise.PAGING,
                f"{what}: limit {limit} answered {len(videos)} items, limit {body.get('limit')}",
            )
            seen.extend(videos)
            cursor = body.get("nextCursor")
            if cursor is None:
                return seen
            expect(
                len(videos) == limit,
                Promise.PAGING,
                f"{what}: a page of {len(videos)} < {limit} items has a next cursor",
            )
        self.t.counters.not_judged("video listing longer than the walk's bound")
        return None

    def _legacy_page(
        self, actor: Actor, base: str, params: dict[str, Any], what: str
    ) -> dict[str, Any]:
        response = actor.api.get(base, params=params)
        judge_status(response, 200, Promise.REFUSED, f"{what} {params}")
        body = json_body(response)
        expect(isinstance(body, dict), Promise.REPRESENTATION, f"{what}: {response.text[:100]}")
        return body

    def _judge_legacy_walk(self, actor: Actor, kind: str, seen: list[dict[str, Any]]) -> None:
        what = f"v1 {kind} listing walked as {actor.name}"
        id_field = LEGACY_ID_FIELD[kind]
        numbers = [_legacy_number(kind, entry.get(id_field)) for entry in seen]
        expect(None not in numbers, Promise.REPRESENTATION, f"{what}: bad ids {numbers}")
        expect(
            numbers == sorted(set(numbers)),
            Promise.PAGING,  # type: ignore[type-var]
            f"{what}: ids not strictly ascending across pages: {numbers}",
        )
        owners = {entry.get("owner") for entry in seen}
        expect(
            owners <= {actor.name},
            Promise.ISOLATION,
            f"{what}: lists media of {owners - {actor.name}}",
        )
        sha_field = LEGACY[kind].sha_field
        for item in self.model.items:
            if item.owner != actor.name:
                continue
            if item.legacy_number is None:
                matches = [
                    e
                    for e in seen
                    if e.get(sha_field) == item.sha256
                    and parse_created(e.get(LEGACY_TIME_FIELD[kind])) == item.created
                ]
            else:
                matches = [e for e, n in zip(seen, numbers, strict=True) if n == item.legacy_number]
            if item.kind != kind:
                expect(not matches, Promise.PAGING, f"{what}: lists a {item.kind} item")
                continue
            if not item.alive:
                expect(not matches, Promise.GONE, f"{what}: lists deleted {item.filename!r}")
                continue
            expect(
                len(matches) == 1,
                Promise.LISTED,
                f"{what}: {item.filename!r} listed {len(matches)} times",
            )
            number = _legacy_number(kind, matches[0].get(id_field))
            self._number(item, number or 0, what, new=False)
            judge_legacy_object(matches[0], item, what)

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

    # ----- the web UI -------------------------------------------------------------------------

    def _ui_session(self, actor: Actor) -> str:
        """The CSRF token of ``actor``'s UI session, logging in through the form if needed."""
        csrf = self._ui_csrf.get(actor.role)
        if csrf:
            return csrf
        what = f"UI login as {actor.name}"
        page = actor.ui.get("/")
        judge_status(page, 200, Promise.UI, what)
        token = _form_token(page.text)
        expect(token is not None, Promise.UI, f"{what}: no login form on /")
        password = actor.account.password.reveal() if actor.account.password else ""
        answer = actor.ui.post(
            "/login", data={"username": actor.name, "password": password, "csrf_token": token}
        )
        judge_status(answer, 303, Promise.UI, what)
        media = actor.ui.get("/")
        judge_status(media, 200, Promise.UI, f"{what}: the media page")
        expect(
            f'<strong class="username">{html.escape(actor.name)}</strong>' in media.text,
            Promise.UI,
            f"{what}: the page does not say who is signed in",
        )
        csrf = _form_token(media.text)
        expect(csrf is not None, Promise.UI, f"{what}: no CSRF token on the media page")
        self._ui_csrf[actor.role] = csrf
        return csrf  # type: ignore[return-value]  # checked just above

    @precondition(lambda self: "ui_logout" not in self._once)
    @rule(role=st.sampled_from(ROLES))
    def ui_logout(self, role: str) -> None:
        self._once.add("ui_logout")
        self._step("ui_logout")
        actor = self.actor(role)
        csrf = self._ui_session(actor)
        what = f"UI logout of {actor.name}"
        judge_status(actor.ui.post("/logout", data={"csrf_token": csrf}), 303, Promise.UI, what)
        self._ui_csrf[actor.role] = None
        page = actor.ui.get("/")
        judge_status(page, 200, Promise.UI, f"{what}: / afterwards")
        expect(
            _form_token(page.text) is not None and 'action="/login"' in page.text,
            Promise.UI,
            f"{what}: / still shows the media page",
        )

    @rule(role=st.sampled_from(ROLES), payload=st.data(), name=NAMES.filter(bool), extra=EXTRA_TAGS)
    def ui_upload(self, role: str, payload: Any, name: str, extra: list[str]) -> None:
        self._step("ui_upload")
        actor = self.actor(role)
        drawn: Payload = payload.draw(payloads(min(self.budget.max_size, MiB)))
        content, content_type = build(drawn), TYPES[drawn.format][0]
        csrf = self._ui_session(actor)
        raw_tags = self._tags_field(extra)
        tags = parse_tags(raw_tags)
        response = actor.ui.post(
            "/upload",
            data={"tags": raw_tags, "kind": "", "csrf_token": csrf},
            files={"file": (name, content, content_type)},
        )
        what = f"UI upload of {len(content)} bytes as {actor.name}"
        judge_status(response, 303, Promise.UI, what)
        newest = actor.api.get(
            MEDIA_PATH, params={"tag": self.tag, "owner": actor.name, "limit": 1}
        )
        judge_status(newest, 200, Promise.REFUSED, f"{what}: v2 listing afterwards")
        items = json_body(newest).get("items", [])
        known = items and self.model.by_media_id(str(items[0].get("id"))) is not None
        if tags is None:
            expect(not items or known, Promise.MALFORMED, f"{what}: invalid tags, yet stored")
            return
        expect(bool(items) and not known, Promise.LISTED, f"{what}: not the newest of its tag")
        item = self._new_item(actor.name, name, content_type, content, tags, drawn)
        item.media_id, item.created_at = str(items[0].get("id")), str(items[0].get("created_at"))
        judge_v2_object(items[0], item, f"{what}, seen through v2")
        self.model.add(item)
        self._read_back(item, what)

    @rule(role=st.sampled_from(USERS), kind=st.sampled_from([None, "image", "video", "document"]))
    def ui_walk(self, role: str, kind: str | None) -> None:
        """Every page of the UI's list: our items once, newest first; their links work."""
        self._step("ui_walk")
        actor = self.actor(role)
        self._ui_session(actor)
        for _attempt in range(WALK_ATTEMPTS):
            rows = self._ui_pages(actor, kind)
            if rows is not None:
                self._judge_ui_rows(actor, kind, rows)
                return
        self.t.counters.not_judged("UI list changed by another writer during the walk")

    def _ui_pages(self, actor: Actor, kind: str | None) -> list[tuple[str, str, str]] | None:
        rows: list[tuple[str, str, str]] = []
        total: int | None = None
        what = f"UI list (kind {kind}) as {actor.name}"
        for page in range(1, MAX_WALK_PAGES + 1):
            params: dict[str, Any] = {"page": page}
            if kind:
                params["kind"] = kind
            response = actor.ui.get("/", params=params)
            judge_status(response, 200, Promise.UI, f"{what} page {page}")
            pager = _PAGER.search(response.text)
            expect(pager is not None, Promise.UI, f"{what}: page {page} has no pager")
            shown, pages = int(pager["page"]), int(pager["pages"])
            count = int(pager["total"]) if pager["total"] else 0
            if total is not None and count != total:
                return None
            total = count
            expect(
                shown == page and pages == max(math.ceil(count / UI_PAGE_SIZE), 1),
                Promise.UI,
                f"{what}: page {page} says 'Page {shown} of {pages}' for {count} files",
            )
            found = _UI_ROW.findall(response.text)
            want = min(UI_PAGE_SIZE, max(count - (page - 1) * UI_PAGE_SIZE, 0))
            expect(
                len(found) == want,
                Promise.UI,
                f"{what}: page {page} of {pages} shows {len(found)} rows, expected {want}",
            )
            if count and pager["first"]:
                expect(
                    (int(pager["first"]), int(pager["last"]))
                    == ((page - 1) * UI_PAGE_SIZE + 1, (page - 1) * UI_PAGE_SIZE + want),
                    Promise.UI,
                    f"{what}: page {page} says {pager.group(0)!r}",
                )
            rows.extend(found)
            if page >= pages:
                return rows
        self.t.counters.not_judged("UI list longer than the walk's bound")
        return None

    def _judge_ui_rows(
        self, actor: Actor, kind: str | None, rows: list[tuple[str, str, str]]
    ) -> None:
        what = f"UI list (kind {kind}) as {actor.name}"
        ids = [media_id for _name, _kind, media_id in rows]
        for row_name, row_kind, media_id in rows:
            expect(kind is None or row_kind == kind, Promise.UI, f"{what}: shows a {row_kind} row")
            item = self.model.by_media_id(media_id)
            if item is not None and not item.alive:
                raise violation(Promise.GONE, f"{what}: shows deleted {item.filename!r}")
            if item is not None and not self.can_see(actor, item):
                raise violation(
                    Promise.ISOLATION, f"{what}: shows {item.owner}'s {item.filename!r}"
                )
            if item is not None:
                expect(
                    html.unescape(row_name) == item.filename,
                    Promise.UI,
                    f"{what}: row name {html.unescape(row_name)!r}, uploaded {item.filename!r}",
                )
        ours = [
            i
            for i in self.model.visible(actor.name, admin=actor.admin)
            if kind is None or i.kind == kind
        ]
        for item in ours:
            expect(
                ids.count(item.media_id) == 1,
                Promise.LISTED,
                f"{what}: {item.filename!r} shown {ids.count(item.media_id)} times",
            )
        shown = [i for i in ids if self.model.by_media_id(i) in ours]
        want = [i.media_id for i in sorted(ours, key=lambda i: i.order_key, reverse=True)]
        expect(
            shown == want, Promise.UI, f"{what}: our rows in order {shown}, newest first is {want}"
        )
        if ours:
            self._ui_download(actor, ours[0], f"/media/{ours[0].media_id}/download")

    def _ui_download(self, actor: Actor, item: Item, link: str) -> None:
        self._ui_session(actor)
        response = actor.ui.get(link)
        what = f"UI download link of {item.owner}'s item as {actor.name}"
        if not self.can_see(actor, item):
            self._gone_or_foreign(response, item, actor, what, html_page=True)
            return
        etag = judge_download(
            response, item, expected_range(item.size, ""), what, etag_known=item.etag
        )
        if etag:
            item.etag = etag
        self.t.counters.bytes_down += len(response.content)

    def _ui_delete(self, actor: Actor, item: Item, what: str) -> None:
        csrf = self._ui_session(actor)
        response = actor.ui.post(
            f"/media/{item.media_id}/delete", data={"csrf_token": csrf, "page": "1", "kind": ""}
        )
        judge_status(response, 303, Promise.UI, what)

    # ----- clean-up -----------------------------------------------------------------------------

    def _remember_legacy(
        self, response: httpx.Response, role: str, kind: str, content: bytes
    ) -> None:
        """Note a legacy upload for clean-up before judging it: a judged-bad upload that
        stayed behind would change what the next example (and the replay) sees."""
        if 200 <= response.status_code < 300:
            try:
                raw = response.json().get(LEGACY_ID_FIELD[kind])
            except (ValueError, AttributeError):
                return
            if raw is not None:
                self._legacy_made.append((role, kind, raw, hashlib.sha256(content).hexdigest()))

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


_PAGER = re.compile(
    r"Page (?P<page>\d+) of (?P<pages>\d+)\s*\("
    r"(?:(?P<first>\d+)\u2013(?P<last>\d+) of (?P<total>\d+)|no files)\)"
)
_UI_ROW = re.compile(
    r'<th scope="row" class="name">(.*?)</th>.*?<td>(image|video|document|other)</td>.*?'
    r'href="/media/([^"/]+)/download"',
    re.S,
)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _form_token(text: str) -> str | None:
    match = _CSRF.search(text)
    return match[1] if match else None


def _legacy_number(kind: str, value: Any) -> int | None:
    if kind == "video":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    prefix = "img_" if kind == "image" else "doc-"
    if isinstance(value, str) and value.startswith(prefix) and value[4:].isdigit():
        return int(value[4:])
    return None
