"""The state shared by every rule of the model-based run, and the helpers they share."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import httpx
from hypothesis.stateful import RuleBasedStateMachine

from postdeploy.checks.legacy_api import LEGACY
from postdeploy.checks.media_api import MARKER_TAG, MEDIA_PATH
from postdeploy.checks.media_model import (
    LEGACY_ID_FIELD,
    Item,
    MediaModel,
    clean_name,
    expected_range,
    legacy_id,
    normalise_type,
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
from postdeploy.checks.model_payloads import Payload, Probed
from postdeploy.checks.model_promises import Promise, expect, violation
from postdeploy.checks.model_strategies import (
    Budget,
)
from postdeploy.checks.model_target import Actor, ModelTarget


class MachineBase(RuleBasedStateMachine):
    """One example's state and the helpers every group of rules shares: a fresh model,
    the actors, how an upload is recorded and read back, how a refusal is judged."""

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
        if item.size >= 3:  # its middle third or its end, as a player or a resumed download asks
            spec = f"bytes={item.size // 3}-{2 * item.size // 3}"
            if item.key % 2:
                spec = f"bytes=-{item.size // 3}"
            ranged = owner.api.get(content_path, headers={"Range": spec})
            judge_download(
                ranged, item, expected_range(item.size, item.etag or "", range_header=spec),
                f"{what}: {spec} right after", etag_known=item.etag, status_promise=Promise.RANGE,
            )  # fmt: skip

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


def _legacy_number(kind: str, value: Any) -> int | None:
    if kind == "video":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    prefix = "img_" if kind == "image" else "doc-"
    if isinstance(value, str) and value.startswith(prefix) and value[4:].isdigit():
        return int(value[4:])
    return None
