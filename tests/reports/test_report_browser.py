"""report.html as a person sees it: real Chromium, screenshots, layout, links, axe-core.

Screenshots are kept in ``reports/screens/`` (or ``POSTDEPLOY_SCREENS_DIR``) so a reviewer —
or CI, as artifacts — can look at the pages these tests judged.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from needs import require_tool
from report_samples import HOSTILE, HOSTILE_MEDIA, sample_verdict

from postdeploy.checks.browser import launch_chromium
from postdeploy.errors import BrowserUnavailable
from postdeploy.gate import Decision
from postdeploy.reports import write_reports

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "tools" / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = Path(os.environ.get("POSTDEPLOY_SCREENS_DIR", REPO / "reports" / "screens"))
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
PNG = base64.b64decode(  # a 1x1 grey pixel: the sample's screenshot
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="
)

playwright_api = pytest.importorskip("playwright.sync_api", reason="the [ui] extra")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        with launch_chromium() as started:
            yield started
    except BrowserUnavailable as exc:
        require_tool(False, f"Chromium ({exc})")


@dataclass
class Visit:
    """An opened page and what happened while it loaded."""

    page: Any
    path: Path
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def visit(browser: Any) -> Iterator[Any]:
    pages = []

    def open_page(path: Path, viewport: str) -> Visit:
        width, height = VIEWPORTS[viewport]
        page = browser.new_page(viewport={"width": width, "height": height})
        pages.append(page)
        seen = Visit(page, path)
        page.on(
            "console", lambda m: seen.console_errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda exc: seen.console_errors.append(str(exc)))
        page.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
        page.goto(path.as_uri())
        return seen

    yield open_page
    for page in pages:
        page.close()


def written(tmp_path: Path, decision: Decision) -> Path:
    run_dir = tmp_path / decision.value
    (run_dir / "stages" / "smoke").mkdir(parents=True)
    (run_dir / "stages" / "smoke" / "pytest.log").write_text("pytest output\n")
    verdict = sample_verdict(decision)
    for stage in verdict.stages:  # the evidence files the sample's findings and checks link
        for item in (*stage.findings, *stage.checks):
            for attachment in item.attachments:
                (run_dir / attachment).parent.mkdir(parents=True, exist_ok=True)
                (run_dir / attachment).write_bytes(PNG if attachment.endswith(".png") else b"x")
    write_reports(verdict, run_dir)
    return run_dir / "report.html"


def broken_links(seen: Visit) -> list[str]:
    """Links whose file does not exist, or whose #fragment names no element on the page."""
    hrefs: list[str] = seen.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    return [href for href in hrefs if not _resolves(seen, href)]


def _resolves(seen: Visit, href: str) -> bool:
    parts = urlsplit(href)
    target = Path(unquote(parts.path))
    if parts.scheme != "file" or not target.exists():
        return False
    if parts.fragment and target == seen.path:
        return bool(seen.page.locator(f"[id='{parts.fragment}']").count())
    return True


def axe_serious(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("decision", list(Decision))
def test_page_reads_well_in_chromium(
    visit: Any, tmp_path: Path, decision: Decision, viewport: str
) -> None:
    require_tool(AXE.is_file(), "axe-core (tools/node_modules)")
    seen = visit(written(tmp_path, decision), viewport)
    page = seen.page
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{decision.value}-{viewport}.png"), full_page=True)

    banner = page.locator("header.banner")
    label = decision.value.replace("_", "-")
    assert banner.locator("h1").inner_text() == label
    box = banner.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= VIEWPORTS[viewport][1], "banner above the fold"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"horizontal scroll of {overflow}px"
    assert broken_links(seen) == []
    assert seen.console_errors == []
    assert axe_serious(page) == []


def test_evidence_is_one_click_away(visit: Any, tmp_path: Path) -> None:
    seen = visit(written(tmp_path, Decision.NO_GO), "desktop")
    page = seen.page
    evidence = page.locator("#finding-2 pre")
    assert not evidence.is_visible()
    page.locator("#trigger-critical_error a").first.click()
    assert evidence.is_visible(), "following a trigger's finding link opens its evidence"
    assert "expected '2.0.0'" in evidence.inner_text()
    first = page.locator("#finding-1 pre")
    page.locator("#finding-1 summary").click()
    assert first.is_visible()


def test_hostile_strings_from_the_target_stay_inert(visit: Any, tmp_path: Path) -> None:
    seen = visit(written(tmp_path, Decision.NO_GO), "desktop")
    page = seen.page
    page.locator("#finding-1 summary").click()
    assert seen.dialogs == []
    assert page.locator("img").count() == 0
    assert page.evaluate("document.scripts.length") == 1, "only the page's own script"
    assert HOSTILE_MEDIA in page.locator("#finding-1 h3").inner_text()
    assert HOSTILE in page.locator("#finding-1 pre").inner_text()


def test_a_real_two_fault_no_go_shows_both_triggers(
    visit: Any, run_cli: Any, start_unimedia: Any
) -> None:
    server = start_unimedia("corrupt_upload,wrong_version")
    result = run_cli("verify", env=server.env())
    assert result.exit_code == 1, result.stdout + result.stderr
    seen = visit((result.report_dir / "latest" / "report.html").resolve(), "desktop")
    page = seen.page
    assert page.locator("h1").inner_text() == "NO-GO"
    assert page.locator("#why").inner_text() == "Why roll back: 2 rollback triggers fired"
    assert page.locator("#trigger-data_loss").is_visible()
    assert page.locator("#trigger-critical_error").is_visible()
    assert broken_links(seen) == []
    assert seen.console_errors == []
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "real-NO_GO-desktop.png"), full_page=True)


def test_page_prints_with_every_evidence_open_and_nothing_cut(visit: Any, tmp_path: Path) -> None:
    """Print (A4, Chromium's own print layout): evidence opens for print, nothing is wider
    than the paper, the chart and the sign-off table are there; the PDF is kept, and its
    first page as a PNG when pdftoppm exists (a reviewer looks at it)."""
    seen = visit(written(tmp_path, Decision.NO_GO), "desktop")
    page = seen.page
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator(".finding details[open]").count() == page.locator(".finding").count()
    assert page.locator("#finding-1 pre").is_visible()
    a4_width = 794  # CSS pixels at 96 dpi: 210 mm
    page.set_viewport_size({"width": a4_width - 2 * 53, "height": 1123})  # 14 mm margins
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"printed page wider than the paper by {overflow}px"
    assert page.locator(".signoff").is_visible()
    SCREENS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENS / "NO_GO-print.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf),
             str(SCREENS / "NO_GO-print")],
            check=True, timeout=60,
        )  # fmt: skip


def test_a_go_with_a_failed_stage_reads_as_no_contradiction(visit: Any, tmp_path: Path) -> None:
    seen = visit(written(tmp_path, Decision.GO), "phone")
    page = seen.page
    note = page.locator(".stage-note")
    assert note.inner_text() == (
        "does not block: medium findings do not block; the gate blocks at high and above"
    )
    assert note.is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert seen.console_errors == []
