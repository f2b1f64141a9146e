"""What each broken promise of the media service means for the release: the trigger table.

The model-based checks (:mod:`postdeploy.checks.model_run`) and the malformed-write checks
(:mod:`postdeploy.checks.malformed_writes`) compare every answer with what must be true; a
difference is a :class:`Violation` of one :class:`Promise`. Which rollback trigger a
violation fires is decided here, once, and nowhere else — so a Range bug can never be
filed as data loss by one check and as a user-impact issue by another, and the table in
``docs/model-checks.md`` is tested against :data:`TRIGGERS` (``tests/checks``).
"""

from __future__ import annotations

from enum import StrEnum

from postdeploy.checks.gate_tags import GateTag
from postdeploy.findings import RollbackTrigger, Severity

__all__ = ["TRIGGERS", "Promise", "Violation", "expect", "gate_tag", "violation"]


class Promise(StrEnum):
    """One kind of promise the service makes; a violation names exactly one."""

    SERVER_ERROR = "server_error"  # a 5xx for a request the service must handle
    REFUSED = "refused"  # a valid request answered with an error
    BYTES = "bytes"  # the bytes of a whole download differ from the upload
    METADATA = "metadata"  # size, checksum, name, type or tags differ from what was sent
    REPRESENTATION = "representation"  # a field missing, extra, renamed or of the wrong type
    LISTED = "listed"  # media that exists is missing from a listing that must show it
    GONE = "gone"  # deleted media still answers or is still listed
    PAGING = "paging"  # order, totals, page counts, cursors or links of a listing
    RANGE = "range"  # a Range request answered with other bytes, status or Content-Range
    ETAG = "etag"  # the ETag changes, differs between APIs, or If-None-Match misbehaves
    HEADERS = "headers"  # Content-Type, Content-Length, Content-Disposition, caching
    ISOLATION = "isolation"  # one user saw, changed or listed another user's media
    # (names of promises, not passwords: S105)
    TOKEN_ACCEPTED = "token_accepted"  # noqa: S105 -- a forged, expired or tampered token accepted
    TOKEN_REFUSAL = "token_refusal"  # noqa: S105 -- a bad or expired token refused the wrong way
    LEGACY_ID = "legacy_id"  # a legacy number reissued or not increasing
    UI = "ui"  # a page, link or form of the web UI
    MALFORMED = "malformed"  # a malformed write not answered 4xx with a problem document
    INTERNALS = "internals"  # an error answer shows internals (traceback, paths, SQL)
    CONNECTION = "connection"  # the connection is unusable after an error answer


_C, _H = Severity.CRITICAL, Severity.HIGH
#: promise → (trigger, severity). Mirrored by the table in docs/model-checks.md.
TRIGGERS: dict[Promise, tuple[RollbackTrigger, Severity]] = {
    Promise.SERVER_ERROR: (RollbackTrigger.CRITICAL_ERROR, _H),
    Promise.REFUSED: (RollbackTrigger.CRITICAL_ERROR, _H),
    Promise.BYTES: (RollbackTrigger.DATA_LOSS, _C),
    Promise.METADATA: (RollbackTrigger.DATA_LOSS, _H),
    Promise.REPRESENTATION: (RollbackTrigger.CRITICAL_ERROR, _H),
    Promise.LISTED: (RollbackTrigger.DATA_LOSS, _H),
    Promise.GONE: (RollbackTrigger.USER_IMPACT, _H),
    Promise.PAGING: (RollbackTrigger.USER_IMPACT, _H),
    Promise.RANGE: (RollbackTrigger.USER_IMPACT, _H),
    Promise.ETAG: (RollbackTrigger.USER_IMPACT, _H),
    Promise.HEADERS: (RollbackTrigger.USER_IMPACT, _H),
    Promise.ISOLATION: (RollbackTrigger.SECURITY_VULNERABILITY, _C),
    Promise.TOKEN_ACCEPTED: (RollbackTrigger.SECURITY_VULNERABILITY, _C),
    Promise.TOKEN_REFUSAL: (RollbackTrigger.USER_IMPACT, _H),
    Promise.LEGACY_ID: (RollbackTrigger.DATA_LOSS, _H),
    Promise.UI: (RollbackTrigger.USER_IMPACT, _H),
    Promise.MALFORMED: (RollbackTrigger.USER_IMPACT, _H),
    Promise.INTERNALS: (RollbackTrigger.SECURITY_VULNERABILITY, _H),
    Promise.CONNECTION: (RollbackTrigger.CRITICAL_ERROR, _H),
}


def gate_tag(promise: Promise) -> GateTag:
    trigger, severity = TRIGGERS[promise]
    return GateTag(trigger, severity)


class Violation(AssertionError):
    """An answer of the live service that breaks ``promise``; the message says how.

    An ``AssertionError`` so that Hypothesis shrinks on it like on any failed check.
    """

    def __init__(self, promise: Promise, message: str) -> None:
        super().__init__(f"[{promise.value}] {message}")
        self.promise = promise
        self.message = message


def _subclass(promise: Promise) -> type[Violation]:
    name = "".join(part.title() for part in promise.value.split("_")) + "Violation"

    def init(self: Violation, message: str) -> None:
        Violation.__init__(self, promise, message)

    return type(name, (Violation,), {"__init__": init, "__module__": __name__})


# One exception type per promise: Hypothesis tells failures apart by type and place, so a
# shrink never slips from a Range violation to some other one raised by the same helper.
_TYPES: dict[Promise, type[Violation]] = {promise: _subclass(promise) for promise in Promise}


def violation(promise: Promise, message: str) -> Violation:
    """The exception for a broken ``promise`` (raise it)."""
    return _TYPES[promise](message)  # type: ignore[call-arg]  # the subclass takes message


def expect(condition: bool, promise: Promise, message: str) -> None:
    """Raise a violation of ``promise`` unless ``condition`` holds."""
    if not condition:
        raise violation(promise, message)


def page_agrees(condition: bool, promise: Promise, message: str, *, last_attempt: bool) -> bool:
    """A listing page's rows against the total the same answer states. On a live target that
    other checks (and users) write to, another writer can land between the service's two
    reads (count, then rows), so a disagreeing page asks for the walk again (``False``); only
    a page that still disagrees on the walk's last attempt is a violation of ``promise``."""
    if condition:
        return True
    if last_attempt:
        raise violation(promise, message)
    return False
