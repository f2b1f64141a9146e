"""Files a failing check leaves as evidence: screenshots, traces, logs — attached to its finding.

A check (or a fixture it uses) gets a :class:`CheckArtifacts` from the pytest plugin's
``postdeploy_artifacts`` fixture and registers *collectors*: callables that save what they
know (a screenshot of the page, the browser's trace) into the check's own directory. The
plugin calls them once, when the check has failed and before its finding is built, so the
files show the state at the moment of failure and their paths go into the finding — not
into a teardown that runs after the verdict's evidence was fixed.

Files go to ``<root>/artifacts/<check>/``; their paths are reported relative to the root (the
stage directory when the check runs as a stage), so reports can link them without knowing
where the run directory lives.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Attachment", "CheckArtifacts", "check_directory_name"]

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Attachment:
    """One evidence file: a label for people and where it is."""

    label: str
    path: Path
    mime: str


def check_directory_name(node_id: str) -> str:
    """A file-system-safe, readable directory name for a test node id."""
    name = node_id.rsplit("/", 1)[-1].replace("::", "-")
    return _UNSAFE.sub("_", name).strip("._")[:120] or "check"


Collector = Callable[["CheckArtifacts"], None]


class CheckArtifacts:
    """Evidence of one check: collectors to run on failure, and what they produced."""

    def __init__(self, root: Path, node_id: str) -> None:
        self.root = root
        self.directory = root / "artifacts" / check_directory_name(node_id)
        self.attachments: list[Attachment] = []
        self.notes: list[str] = []
        self._collectors: list[tuple[str, Collector]] = []
        self._collected = False

    def on_failure(self, name: str, collector: Collector) -> None:
        """Run ``collector`` if the check fails (before its finding is written)."""
        self._collectors.append((name, collector))

    def path(self, filename: str) -> Path:
        """Where to write ``filename`` for this check (the directory is created)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        return self.directory / filename

    def add_file(self, label: str, path: Path, mime: str = "application/octet-stream") -> None:
        """Attach a file that exists (silently ignored if the collector could not write it)."""
        if path.is_file():
            self.attachments.append(Attachment(label, path, mime))

    def add_note(self, text: str) -> None:
        """Add a block of text to the finding's evidence."""
        if text.strip():
            self.notes.append(text.strip())

    @property
    def collected(self) -> bool:
        return self._collected

    def collect(self) -> None:
        """Run every collector once; one that breaks costs its own evidence, nothing else.

        Evidence-gathering must never turn a finding into a crash: the check already failed
        for its own reason, which is what the verdict has to report.
        """
        if self._collected:
            return
        self._collected = True
        for name, collector in self._collectors:
            try:
                collector(self)
            except Exception as exc:  # noqa: BLE001 - see the docstring
                log.warning("could not collect %s: %s", name, exc)
                self.add_note(f"({name} could not be saved: {type(exc).__name__}: {exc})")

    def relative_paths(self) -> list[str]:
        """The attachments' paths relative to the artifacts root (POSIX separators)."""
        paths = []
        for attachment in self.attachments:
            try:
                paths.append(attachment.path.relative_to(self.root).as_posix())
            except ValueError:
                paths.append(attachment.path.as_posix())
        return paths
