"""Finding media in the list: the kind filter, paging, and whose media a user sees.

The media these checks look for is put in place through the API (tagged, removed after the
check): they are about the list, and the upload workflow has its own checks. Other checks
and stages write to the same accounts at the same time, so every assertion is about this
check's own files or about what one page render says of itself — never about exact totals.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from postdeploy.checks.media_api import Uploaded
from postdeploy.checks.sample_files import mp4, pdf, png
from postdeploy.config import Account

from .pages import KIND_LABELS, expect_listed, media_table, pager, row_of

pytestmark = [pytest.mark.e2e, pytest.mark.gate(trigger="user_impact", severity="high")]

# Media the UI shows newest first; walking more pages than this means something is wrong.
MAX_PAGES = 20
# A walk can miss a row when another writer deletes a newer item between two page loads
# (the rows shift up across the page boundary); a second walk then finds it. A paging bug
# misses it every time.
WALKS = 3


def _seed_kinds(seed: Callable[..., Uploaded], account: Account) -> dict[str, str]:
    """One image, one video, one document of ``account``; kind → file name."""
    token = uuid.uuid4().hex[:10]
    made = {
        "image": (f"filter-{token}.png", "image/png", png()),
        "video": (f"filter-{token}.mp4", "video/mp4", mp4()),
        "document": (f"filter-{token}.pdf", "application/pdf", pdf()),
    }
    for name, mime, content in made.values():
        seed(account, content, filename=name, content_type=mime)
    return {kind: name for kind, (name, _mime, _content) in made.items()}


def test_kind_filter_shows_only_that_kind(
    page: Page,
    signed_in: Callable[[Account], None],
    seed: Callable[..., Uploaded],
    user_account: Account,
) -> None:
    """The kind filter shows the chosen kind and nothing else"""
    names = _seed_kinds(seed, user_account)
    signed_in(user_account)
    # Each file is first looked for under its own kind, then all three under "All".
    for kind, label in KIND_LABELS.items():
        page.goto("/")
        page.get_by_label("Kind").select_option(label=label)
        page.wait_for_url(f"**/?kind={kind}")
        expect(page.get_by_label("Kind")).to_have_value(kind)
        # nobody's media of another kind on the first page, not only ours
        for other_kind in names:
            if other_kind != kind:
                expect(
                    media_table(page).get_by_role("cell", name=other_kind, exact=True)
                ).to_have_count(0)
        expect_listed(page, names[kind])
        for other_kind, other_name in names.items():
            if other_kind != kind:
                expect(row_of(page, other_name)).to_have_count(0)
                # and on the page where ours was found
                expect(
                    media_table(page).get_by_role("cell", name=other_kind, exact=True)
                ).to_have_count(0)
    page.get_by_label("Kind").select_option(label="All")
    page.wait_for_url(lambda url: "kind=document" not in url)
    expect(page.get_by_label("Kind")).to_have_value("")
    first_page = page.url
    for name in names.values():
        if page.url != first_page:  # the previous file was found on a later page
            page.goto(first_page)
        expect_listed(page, name)


def test_paging_reaches_every_item(
    page: Page,
    signed_in: Callable[[Account], None],
    seed: Callable[..., Uploaded],
    other_user_account: Account,
) -> None:
    """Paging through the list reaches every item, page by page"""
    # The second user: the other checks upload as the first, so this list moves less.
    account = other_user_account
    token = uuid.uuid4().hex[:10]
    seeded = [f"page-{token}-{n:02d}.png" for n in range(11)]  # more than one page of 10
    for name in seeded:
        seed(account, png(8, 8), filename=name, content_type="image/png")
    signed_in(account)

    first = pager(page)
    assert first.page == 1, f"the list opened on page {first.page}"
    assert first.total >= len(seeded), f"the pager counts {first.total} files"
    size = first.last - first.first + 1
    assert first.pages == -(-first.total // size), f"{first.total} files on {first.pages} pages"
    expect(media_table(page).get_by_role("rowheader")).to_have_count(size)
    expect(page.get_by_role("link", name="Previous page")).to_have_count(0)
    expect(page.get_by_role("link", name="Next page")).to_be_visible()

    missing: set[str] = set(seeded)
    for _walk in range(WALKS):
        missing = set(seeded) - _walk_pages(page, stop_when_seen=set(seeded))
        if not missing:
            break
    assert not missing, f"never listed while paging: {sorted(missing)}"

    # And back: "Previous page" leads to the page before.
    current = pager(page)
    if current.page > 1:
        page.get_by_role("link", name="Previous page").click()
        expect(page.get_by_role("navigation", name="Pages")).to_contain_text(
            f"Page {current.page - 1} of"
        )


def _walk_pages(page: Page, *, stop_when_seen: set[str]) -> set[str]:
    """Open page 1, follow "Next page" until the wanted names are seen or there is no next
    page; every page must say which page it is. Returns the row names seen."""
    page.goto("/")
    seen: set[str] = set()
    for number in range(1, MAX_PAGES + 1):
        expect(page.get_by_role("navigation", name="Pages")).to_contain_text(f"Page {number} of")
        if number > 1:
            expect(page.get_by_role("link", name="Previous page")).to_be_visible()
        seen.update(media_table(page).get_by_role("rowheader").all_inner_texts())
        next_link = page.get_by_role("link", name="Next page")
        if stop_when_seen <= seen or next_link.count() == 0:
            return seen
        next_link.click()
        page.wait_for_url(f"**/?page={number + 1}")
    return seen


def test_user_does_not_see_another_users_media(
    page: Page,
    signed_in: Callable[[Account], None],
    seed: Callable[..., Uploaded],
    user_account: Account,
    other_user_account: Account,
) -> None:
    """An ordinary user neither sees nor downloads another user's media"""
    theirs = seed(
        user_account,
        png(),
        filename=f"private-{uuid.uuid4().hex[:10]}.png",
        content_type="image/png",
    )
    signed_in(other_user_account)
    expect(media_table(page)).to_be_visible()
    expect(row_of(page, theirs.filename)).to_have_count(0)
    expect(page.get_by_role("link", name=f"Download {theirs.filename}")).to_have_count(0)
    # Knowing the address must not help either (same session, as the browser sends it).
    response = page.request.get(f"/media/{theirs.media_id}/download", max_redirects=0)
    assert response.status in (403, 404), (
        f"{other_user_account.username} downloading {user_account.username}'s media "
        f"got HTTP {response.status}"
    )


def test_admin_sees_every_users_media(
    page: Page,
    signed_in: Callable[[Account], None],
    seed: Callable[..., Uploaded],
    user_account: Account,
    admin_account: Account,
) -> None:
    """The admin's list shows every user's media, with its owner"""
    theirs = seed(
        user_account,
        pdf(),
        filename=f"owned-{uuid.uuid4().hex[:10]}.pdf",
        content_type="application/pdf",
    )
    signed_in(admin_account)
    row = expect_listed(page, theirs.filename, admin=True)
    expect(row.get_by_role("cell", name=user_account.username, exact=True)).to_be_visible()
