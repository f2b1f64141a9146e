#!/usr/bin/env python3
"""Walk through unimedia's web UI once in real Chromium, by role and label, as a user would.

Not a test suite (that is the e2e stage's job): a quick, honest check that the UI works in a
browser — log in, upload three kinds of media, filter, download, delete (cancel once, then
confirm), a hostile file name, log out — failing on any console error, page error or
JavaScript dialog, and leaving screenshots to look at.

    .venv/bin/python scripts/ui_walkthrough.py [--faults broken_ui_upload] [--screenshots DIR]

Needs the ``playwright`` package and a Chromium (``apt-get install chromium``); it does not
use ``playwright install``. Exit 0: everything worked; 1: a step failed (one line says which);
2: it could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]
PASSWORD = "walkthrough-password-1"  # noqa: S105 -- a throwaway account in a temp directory
TIMEOUT_MS = 5000
HOSTILE_NAME = "<img src=x onerror=alert(1)>.png"


class StepFailed(Exception):
    """A step of the walkthrough did not do what a user would expect."""


def _png(width: int = 8, height: int = 8) -> bytes:
    """A real (tiny, blue) PNG, so the browser uploads what a user would."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    row = b"\x00" + b"\x28\x57\xc5" * width
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@contextmanager
def serve(work: Path, faults: str) -> Iterator[str]:
    """``python -m unimedia serve --port 0`` with a temporary accounts file; yields its URL."""
    accounts = work / "accounts.json"
    accounts.write_text(
        json.dumps({"accounts": [{"username": "walker", "password": PASSWORD, "role": "user"}]})
    )
    env = {**os.environ, "UNIMEDIA_FAULTS": faults}
    log = (work / "unimedia.log").open("w")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "unimedia", "serve", "--host", "127.0.0.1", "--port", "0"),
            *("--data", str(work / "data"), "--accounts", str(accounts)),
        ],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        try:
            url = lines.get(timeout=30).strip()
        except queue.Empty:
            url = ""
        if not url.startswith("http"):
            raise StepFailed(f"unimedia did not start; see {work / 'unimedia.log'}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _on_console(message: Any, problems: list[str]) -> None:
    if message.type in ("error", "warning"):
        problems.append(f"console.{message.type}: {message.text}")


def _on_dialog(dialog: Any, problems: list[str]) -> None:
    # Our confirmation is a <dialog> element; any alert()/confirm() means something ran.
    problems.append(f"JS dialog: {dialog.message}")
    dialog.dismiss()


def walk(url: str, shots: Path, *, report: Callable[[str], None]) -> None:
    """The walkthrough proper; raises StepFailed (or Playwright's assertion error)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    problems: list[str] = []

    def step(name: str) -> None:
        # Fail in the step that caused a console error, not at the end.
        if problems:
            raise StepFailed("; ".join(dict.fromkeys(problems)))
        report(name)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                accept_downloads=True, viewport={"width": 1100, "height": 800}
            )
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("console", lambda message: _on_console(message, problems))
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("dialog", lambda dialog: _on_dialog(dialog, problems))

            step("log in (wrong password first)")
            page.goto(url)
            expect(page.get_by_role("heading", name="Log in to unimedia")).to_be_visible()
            page.screenshot(path=shots / "01-login.png")
            page.get_by_label("Username").fill("walker")
            page.get_by_label("Password").fill("wrong")
            before = len(problems)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("alert")).to_have_text("Invalid username or password.")
            # The failed login answers 401 (as it must), which Chromium reports on the
            # console as a failed resource load: expected here, and only here.
            problems[before:] = [p for p in problems[before:] if "status of 401" not in p]
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("heading", name="Media library")).to_be_visible()
            expect(page.get_by_text("Signed in as walker")).to_be_visible()
            (cookie,) = [c for c in context.cookies() if c["name"] == "unimedia_session"]
            if not cookie["httpOnly"] or cookie["sameSite"] != "Lax":
                flags = {key: cookie[key] for key in ("httpOnly", "sameSite", "secure")}
                raise StepFailed(f"the session cookie is readable by scripts: {flags}")

            step("upload an image, a document and a video")
            image = _png()
            uploads = [
                ("pixel.png", "image/png", image, "walkthrough, blue"),
                ("notes.txt", "text/plain", b"notes from the walkthrough\n", ""),
                ("clip.mp4", "video/mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, ""),
                (HOSTILE_NAME, "image/png", image, ""),
            ]
            for name, mime, content, tags in uploads:
                page.get_by_label("File").set_input_files(
                    {"name": name, "mimeType": mime, "buffer": content}
                )
                page.get_by_label("Tags").fill(tags)
                page.get_by_role("button", name="Upload", exact=True).click()
                expect(page.get_by_role("status")).to_have_text(f"Uploaded {name}")
                expect(page.get_by_role("link", name=f"Download {name}")).to_be_visible()
            table = page.get_by_role("table", name="Your media")
            expect(table.get_by_role("row")).to_have_count(1 + len(uploads))
            expect(page.get_by_role("rowheader", name=HOSTILE_NAME)).to_be_visible()
            page.screenshot(path=shots / "02-media.png", full_page=True)

            step("filter by kind")
            page.get_by_label("Kind").select_option(label="Images")
            page.wait_for_url("**/?kind=image")
            expect(table.get_by_role("row")).to_have_count(1 + 2)
            expect(page.get_by_role("link", name="Download notes.txt")).to_have_count(0)
            page.screenshot(path=shots / "03-filtered.png", full_page=True)
            page.get_by_label("Kind").select_option(label="All")
            page.wait_for_url(lambda current: "kind=image" not in current)
            expect(table.get_by_role("row")).to_have_count(1 + len(uploads))

            step("download")
            with page.expect_download() as download_info:
                page.get_by_role("link", name="Download pixel.png").click()
            download = download_info.value
            if download.suggested_filename != "pixel.png":
                raise StepFailed(f"download named {download.suggested_filename!r}")
            if Path(download.path()).read_bytes() != image:
                raise StepFailed("the downloaded bytes differ from the upload")

            step("delete (cancel, then confirm)")
            page.get_by_role("button", name="Delete pixel.png").click()
            dialog = page.get_by_role("dialog")
            expect(dialog).to_be_visible()
            expect(dialog).to_contain_text("Delete pixel.png?")
            page.screenshot(path=shots / "04-confirm-delete.png")
            dialog.get_by_role("button", name="Cancel").click()
            expect(dialog).to_be_hidden()
            expect(page.get_by_role("link", name="Download pixel.png")).to_be_visible()
            page.get_by_role("button", name="Delete pixel.png").click()
            dialog.get_by_role("button", name="Yes, delete").click()
            expect(page.get_by_role("status")).to_have_text("Deleted pixel.png")
            expect(page.get_by_role("link", name="Download pixel.png")).to_have_count(0)
            expect(table.get_by_role("row")).to_have_count(len(uploads))

            step("log out")
            page.get_by_role("button", name="Log out").click()
            expect(page.get_by_role("heading", name="Log in to unimedia")).to_be_visible()
            expect(page.get_by_role("status")).to_have_text("You have logged out.")
            page.screenshot(path=shots / "05-logged-out.png")
            page.goto(url)
            expect(page.get_by_role("button", name="Log in")).to_be_visible()
            context.close()
        finally:
            browser.close()
    step("done")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", default="", help="UNIMEDIA_FAULTS for the service")
    parser.add_argument("--screenshots", type=Path, help="where to save screenshots")
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import Error as PlaywrightError
    except ImportError:
        print("error: the walkthrough needs playwright: pip install playwright", file=sys.stderr)
        return 2
    if not Path(CHROMIUM).exists():
        print(f"error: no Chromium at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="ui-walkthrough-"))
    shots = args.screenshots or work / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    current = ["start"]
    started = time.monotonic()

    def step(name: str) -> None:
        current[0] = name
        print(f"- {name}", file=sys.stderr)

    try:
        with serve(work, args.faults) as url:
            walk(url, shots, report=step)
    except (StepFailed, AssertionError, PlaywrightError) as exc:
        message: Any = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        print(f"FAILED at '{current[0]}': {message}", file=sys.stderr)
        print(f"screenshots: {shots}", file=sys.stderr)
        return 1
    print(f"OK in {time.monotonic() - started:.1f}s; screenshots: {shots}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
