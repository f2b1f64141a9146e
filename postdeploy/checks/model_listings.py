"""Listing rules: v2 with every filter and page, every page of each legacy listing.

v2 listings are scoped by the example's own tag and judged exactly. Legacy listings show
everything the user owns, including what other checks write meanwhile: the example's own
items are judged exactly, the page arithmetic always, and a walk during which the total
changed is walked again, then counted as not judged.
"""

from __future__ import annotations

import base64
import math
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypothesis import strategies as st
from hypothesis.stateful import rule

from postdeploy.checks.legacy_api import LEGACY
from postdeploy.checks.media_api import MEDIA_PATH
from postdeploy.checks.media_model import (
    LEGACY_ID_FIELD,
    LEGACY_KINDS,
    LEGACY_TIME_FIELD,
    parse_created,
)
from postdeploy.checks.model_machine_base import MachineBase, _legacy_number
from postdeploy.checks.model_oracle import (
    json_body,
    judge_legacy_object,
    judge_problem,
    judge_status,
    judge_v2_object,
)
from postdeploy.checks.model_promises import Promise, expect, page_agrees, violation
from postdeploy.checks.model_strategies import (
    MAX_WALK_PAGES,
    ROLES,
    USERS,
    WALK_ATTEMPTS,
)
from postdeploy.checks.model_target import Actor


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


#: (path, parameter, smallest, largest) as the OpenAPI document and docs/legacy-api.md say
BOUNDS = (
    (MEDIA_PATH, "limit", 1, 200),
    (MEDIA_PATH, "offset", 0, 10**9),
    ("/api/v1/images", "per_page", 1, 100),
    ("/api/v1/images", "page", 1, 1_000_000),
    ("/api/v1/videos", "limit", 1, 100),
    ("/api/v1/documents", "limit", 1, 100),
    ("/api/v1/documents", "offset", 0, 10**9),
)
#: cursors the video API never issues: digits without its prefix, a prefix without
#: digits, another prefix, too many digits, not base64 at all
FOREIGN_CURSORS = (_b64("12"), _b64("after:x"), _b64("before:3"), _b64("after:" + "9" * 17),
                   "!!!", _b64("after:-1"))  # fmt: skip


class ListingRules(MachineBase):
    """The listing rules (a mixin of :class:`~postdeploy.checks.model_machine.MediaMachine`)."""

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

    @rule(bound=st.sampled_from(BOUNDS), edge=st.sampled_from(["largest", "over", "under"]))
    def listing_bounds(self, bound: tuple[str, str, int, int], edge: str) -> None:
        """Paging parameters at and just past their documented bounds: the bound is
        answered, one past it is a 422 problem document."""
        self._step("listing_bounds")
        path, name, smallest, largest = bound
        value = {"largest": largest, "over": largest + 1, "under": smallest - 1}[edge]
        params: dict[str, Any] = {name: value}
        if path == MEDIA_PATH:
            params["tag"] = self.tag
        response = self.actor("user").api.get(path, params=params)
        what = f"GET {path} with {name}={value} (documented {smallest}..{largest})"
        if edge == "largest":
            judge_status(response, 200, Promise.REFUSED, what)
        else:
            judge_problem(response, 422, what, Promise.PAGING)

    @rule(cursor=st.sampled_from(FOREIGN_CURSORS), role=st.sampled_from(USERS))
    def foreign_cursor(self, cursor: str, role: str) -> None:
        """A video cursor the API never issued is a 400 problem, not some page."""
        self._step("foreign_cursor")
        response = self.actor(role).api.get(LEGACY["video"].base, params={"cursor": cursor})
        judge_problem(response, 400, f"v1 videos with the cursor {cursor!r}", Promise.PAGING)

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
        for attempt in range(WALK_ATTEMPTS):
            seen = walker(actor, size, last_attempt=attempt == WALK_ATTEMPTS - 1)
            if seen is not None:
                self._judge_legacy_walk(actor, kind, seen)
                return
        self.t.counters.not_judged(f"{kind} listing changed by another writer during the walk")

    def _walk_images(
        self, actor: Actor, per_page: int, *, last_attempt: bool
    ) -> list[dict[str, Any]] | None:
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
            if not page_agrees(
                len(images) == want,
                Promise.PAGING,
                f"{what}: page {page} of {pages} (per_page {per_page}, total {total}) "
                f"has {len(images)} items, expected {want}",
                last_attempt=last_attempt,
            ):
                return None
            seen.extend(images)
        return seen

    def _walk_documents(
        self, actor: Actor, limit: int, *, last_attempt: bool
    ) -> list[dict[str, Any]] | None:
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
            if not page_agrees(
                len(results) == want,
                Promise.PAGING,
                f"{what}: offset {offset} limit {limit} of {count} has {len(results)} items",
                last_attempt=last_attempt,
            ):
                return None
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

    def _walk_videos(
        self, actor: Actor, limit: int, *, last_attempt: bool
    ) -> list[dict[str, Any]] | None:
        """A cursor walk: no total to disagree with, so ``last_attempt`` changes nothing."""
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
