"""Web UI rules: log in and out through the forms, upload, every page of the list, the
download links and the delete forms, as a browser without JavaScript does."""

from __future__ import annotations

import html
import math
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from postdeploy.checks.media_api import MEDIA_PATH
from postdeploy.checks.media_model import (
    Item,
    expected_range,
    parse_tags,
)
from postdeploy.checks.model_machine_base import MachineBase
from postdeploy.checks.model_oracle import (
    json_body,
    judge_download,
    judge_status,
    judge_v2_object,
)
from postdeploy.checks.model_payloads import Payload, build
from postdeploy.checks.model_promises import Promise, expect, page_agrees, violation
from postdeploy.checks.model_strategies import (
    EXTRA_TAGS,
    MAX_WALK_PAGES,
    NAMES,
    ROLES,
    TYPES,
    UI_PAGE_SIZE,
    USERS,
    WALK_ATTEMPTS,
    MiB,
    payloads,
)
from postdeploy.checks.model_target import Actor


class UiRules(MachineBase):
    """The web UI rules (a mixin of :class:`~postdeploy.checks.model_machine.MediaMachine`)."""

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
        for attempt in range(WALK_ATTEMPTS):
            rows = self._ui_pages(actor, kind, last_attempt=attempt == WALK_ATTEMPTS - 1)
            if rows is not None:
                self._judge_ui_rows(actor, kind, rows)
                return
        self.t.counters.not_judged("UI list changed by another writer during the walk")

    def _ui_pages(
        self, actor: Actor, kind: str | None, *, last_attempt: bool
    ) -> list[tuple[str, str, str]] | None:
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
            if not page_agrees(
                len(found) == want,
                Promise.UI,
                f"{what}: page {page} of {pages} shows {len(found)} rows, expected {want}",
                last_attempt=last_attempt,
            ):
                return None
            if count and pager["first"]:
                expect(
                    (int(pager["first"]), int(pager["last"]))
                    == ((page - 1) * UI_PAGE_SIZE + 1, (page - 1) * UI_PAGE_SIZE + want),
                    Promise.UI,
                    f"{what}: page {page} says {pager.group(0)!r}",
                )
            self._judge_pager_links(response.text, page, pages, kind, what)
            rows.extend(found)
            if page >= pages:
                return rows
        self.t.counters.not_judged("UI list longer than the walk's bound")
        return None

    def _judge_pager_links(
        self, text: str, page: int, pages: int, kind: str | None, what: str
    ) -> None:
        """The pager's own links lead to the neighbouring pages (with the filter kept)."""
        for rel, to, exists in (("next", page + 1, page < pages), ("prev", page - 1, page > 1)):
            match = re.search(rf'<a href="([^"]*)" rel="{rel}"', text)
            href = html.unescape(match[1]) if match else None
            if not exists:
                expect(href is None, Promise.UI, f"{what}: page {page} of {pages} links {rel}")
                continue
            query = parse_qs(urlsplit(href or "").query)
            wanted = {"page": [str(to)]} if to > 1 else {}
            if kind:
                wanted["kind"] = [kind]
            expect(
                href is not None and urlsplit(href).path == "/" and query == wanted,
                Promise.UI,
                f"{what}: page {page}'s {rel} link is {href!r}, expected page {to}",
            )

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
