"""Text from the target made inert and bounded before any output shows it.

Everything a target says is untrusted: its ``/version``, error bodies, headers, media names
end up in check messages, finding titles and evidence. Raw, an ESC sequence rewrites the
operator's terminal, a newline plus ``VERDICT: GO`` forges a line of the summary, a NUL or
a C0 control makes ``junit.xml`` invalid XML, a 10 000-character string buries the one line
that matters. :func:`inert` turns every control character into a visible escape
(``\\x1b``), keeps newlines only where a value is multi-line by nature (evidence), and cuts
the text to a bound with a note of how much was cut (issue 16). The HTML and Markdown
writers escape markup on top of this; this module is what all outputs share.
"""

from __future__ import annotations

import re

__all__ = ["EVIDENCE_LIMIT", "LINE_LIMIT", "MESSAGE_LIMIT", "inert", "inert_line"]

LINE_LIMIT = 300  # a title, a version, a URL, a check id: one line on a terminal
MESSAGE_LIMIT = 2_000  # a reason, a check's message
EVIDENCE_LIMIT = 20_000  # response excerpts, diffs: read in the report, not the terminal

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode format characters that
# reorder or hide text (bidi overrides and isolates, zero-width joiners are harmless).
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "\n":
        return "\\n"
    if char == "\t":
        return " "
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str, *, limit: int = EVIDENCE_LIMIT, multiline: bool = True) -> str:
    """``text`` with control characters escaped and at most ``limit`` characters kept.

    ``multiline=False``: newlines are escaped too, so the value can never start a line of
    its own in a terminal or a log.
    """
    if not isinstance(text, str):  # a report field that arrived as another JSON type
        text = str(text)
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL_LINE
    if multiline:
        text = text.replace("\r\n", "\n")
    cleaned = pattern.sub(_escape, text)
    if len(cleaned) <= limit:
        return cleaned
    cut = len(cleaned) - limit
    return cleaned[:limit] + f"… [{cut} more characters cut]"


def inert_line(text: str, *, limit: int = LINE_LIMIT) -> str:
    """One inert line of at most ``limit`` characters (titles, versions, URLs, ids)."""
    return inert(text, limit=limit, multiline=False)
