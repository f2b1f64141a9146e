"""The fault catalogue: named misbehaviours switched on by ``UNIMEDIA_FAULTS``.

postdeploy must prove that each of its checks can fail. These faults are how: each one is a
real bug planted where such a bug would live (the blob store, a router, the readiness
probe), not a flag checked in one middleware, so a check only catches it by observing the
service from outside.

Syntax: ``name[:param][@delay[+duration]][,name…]``, e.g. ``corrupt_upload,error_rate:0.2@30s``.
``@delay`` (``30``, ``30s``, ``2m``, ``1h``) switches the fault on that long after startup,
so a watch can be shown to catch a late regression; ``+duration`` switches it off again
that long after (``error_every:10@9m+30s``: a 30 second blip), so a watch can be shown *not*
to page on one. The delay is what follows the *last* ``@``: a parameter containing ``@``
needs an explicit delay (``login_broken:a@b.c@0s``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from unimedia.errors import FaultSpecError

ENV_VAR = "UNIMEDIA_FAULTS"


def _ratio(raw: str) -> str:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be between 0 and 1")
    return raw


def _seconds(raw: str) -> str:
    value = float(raw)
    if not 0.0 <= value <= 3600.0:
        raise ValueError("must be between 0 and 3600 seconds")
    return raw


def _positive_int(raw: str) -> str:
    value = int(raw)
    if not 1 <= value <= 1_000_000:
        raise ValueError("must be a whole number from 1 to 1000000")
    return raw


def _days(raw: str) -> str:
    value = float(raw)
    if not 0.0 < value <= 3650.0:
        raise ValueError("must be more than 0 and at most 3650 days")
    return raw


def _text(raw: str) -> str:
    if not raw:
        raise ValueError("must not be empty")
    return raw


@dataclass(frozen=True, slots=True)
class FaultDefinition:
    """What a fault does, and the parameter it takes (``validate is None``: none)."""

    description: str
    default: str | None = None
    validate: Callable[[str], str] | None = None


DEFINITIONS: Mapping[str, FaultDefinition] = MappingProxyType(
    {
        "corrupt_upload": FaultDefinition(
            "stored bytes differ from the upload; metadata still describes what was sent"
        ),
        "wrong_version": FaultDefinition(
            "/version reports X (default 1.9.0) instead of the real version", "1.9.0", _text
        ),
        "unhealthy": FaultDefinition("/healthz answers 503"),
        "db_unavailable": FaultDefinition("/readyz reports the database check failing"),
        "storage_readonly": FaultDefinition(
            "blob writes fail: uploads answer 507 and /readyz reports storage failing"
        ),
        "login_broken": FaultDefinition(
            "login with valid credentials answers 500 for that user (default: everyone)",
            None,
            _text,
        ),
        "login_unthrottled": FaultDefinition(
            "failed logins are never throttled: password guessing runs at full speed"
        ),
        # The web UI's faults (unimedia/ui/routes.py, unimedia/static/fault-*.js).
        "broken_ui_upload": FaultDefinition(
            "the UI's Upload button does nothing: app.js swallows the submit, no request, no error"
        ),
        "ui_console_error": FaultDefinition(
            "the UI's media page logs console.error and throws a TypeError on load"
        ),
        "insecure_session_cookie": FaultDefinition(
            "the UI's session cookie is set without HttpOnly and SameSite"
        ),
        "listing_drops_records": FaultDefinition(
            "media listings silently omit the newest item (and the total lies)"
        ),
        "metadata_wrong": FaultDefinition("media metadata reports a wrong size and content type"),
        "delete_ignored": FaultDefinition("DELETE answers 204 but the media stays"),
        "legacy_id_reuse": FaultDefinition(
            "a deleted item's legacy number goes to the next upload of its kind"
        ),
        "error_rate": FaultDefinition(
            "that fraction (default 0.2) of /api/ requests answer 500", "0.2", _ratio
        ),
        # Deterministic where error_rate is random: a steady leak of exactly 1 in N, so a
        # short window never sees a lucky cluster above a threshold (issue 19's proof).
        "error_every": FaultDefinition(
            "every Nth /api/ request (default 50: 2%) answers 500, counted from the onset",
            "50",
            _positive_int,
        ),
        "slow_download": FaultDefinition(
            "content downloads wait that many seconds (default 1.0) first", "1.0", _seconds
        ),
        "slow_list": FaultDefinition(
            "media listings (v2 and v1) wait that many seconds (default 1.0) first", "1.0", _seconds
        ),
        "slow_tail": FaultDefinition(
            "that fraction (default 0.05) of /api/ requests take 1.5 s longer; median unchanged",
            "0.05",
            _ratio,
        ),
        "legacy_field_renamed": FaultDefinition(
            "v1 images answer 'filename' where the frozen contract says 'file_name'"
        ),
        "legacy_type_changed": FaultDefinition(
            "v1 videos answer 'videoId' as a string where the frozen contract says integer"
        ),
        "v2_field_removed": FaultDefinition("v2 media objects lose their 'kind' field"),
        "truncated_download": FaultDefinition(
            "downloads stop about 10% short of the stored bytes (Content-Length agrees)"
        ),
        "migration_drops_records": FaultDefinition(
            "the unification migration silently skips every Nth legacy record (default 100)",
            "100",
            _positive_int,
        ),
        "missing_authz": FaultDefinition(
            "lookups by id skip the owner check: any user reads, downloads, deletes any media"
        ),
        "missing_security_headers": FaultDefinition(
            "responses lack CSP, X-Content-Type-Options, X-Frame-Options, Referrer-Policy"
        ),
        "memory_leak": FaultDefinition(
            "every request keeps that many KiB (default 256) forever: resident memory grows",
            "256",
            _positive_int,
        ),
        # Faults of what a download promises beyond its bytes, and of the refusals around
        # it (issue 22): what the model-based checks exist to catch.
        "range_off_by_one": FaultDefinition(
            "ranged downloads send the bytes one past the asked start (Content-Range still "
            "names the asked range)"
        ),
        "etag_unstable": FaultDefinition(
            "every download carries a new ETag, so If-None-Match never answers 304"
        ),
        "download_cache_public": FaultDefinition(
            "downloads say Cache-Control: public, max-age=86400: shared caches keep private media"
        ),
        "shared_blob_deleted": FaultDefinition(
            "deleting media removes its bytes even when other media (another user's identical "
            "upload) still uses them"
        ),
        "expired_token_error": FaultDefinition(
            "a bearer token whose expiry has passed answers 500 instead of 401"
        ),
        "malformed_upload_error": FaultDefinition(
            "a malformed multipart body answers 500 with the parser's traceback instead of 400"
        ),
        "readiness_lies": FaultDefinition(
            "storage turns read-only (uploads fail) but /readyz still reports it ok"
        ),
        # Found by a vulnerability scanner (Wapiti), not by the checks in security/ (issue 20).
        "ui_filter_xss": FaultDefinition(
            "the media page echoes an unknown kind filter value unescaped: reflected XSS"
        ),
        "legacy_sort_injection": FaultDefinition(
            "the v1 document listing takes a sort parameter into its SQL as is and answers "
            "the database's error: SQL injection"
        ),
        "login_open_redirect": FaultDefinition(
            "the UI's login keeps a return address (/login?next=…) and sends the user there "
            "unchecked, to any site: open redirect after login"
        ),
        # HTTPS faults (unimedia/tls.py; issue 21): read once at startup, need --tls-ca-cert.
        "cert_expiring": FaultDefinition(
            "the serving certificate is issued to expire in N days (default 7), as when its "
            "renewal has stopped",
            "7",
            _days,
        ),
        "tls_legacy_versions": FaultDefinition(
            "the HTTPS listener still accepts TLS 1.0 and TLS 1.1 (security level 0 ciphers)"
        ),
    }
)

#: name → one-line description, for ``--help`` texts, error messages and reports.
CATALOGUE: Mapping[str, str] = MappingProxyType(
    {name: definition.description for name, definition in DEFINITIONS.items()}
)

_DELAY = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>[smh]?)$")
_UNIT_SECONDS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True, slots=True)
class Fault:
    """One switched-on fault: its name, its parameter (default applied) and its delay."""

    name: str
    param: str | None = None
    delay_seconds: float = 0.0
    duration_seconds: float | None = None  # None: on for good once the delay has passed


@dataclass(frozen=True, slots=True)
class FaultSet:
    """The faults of one service run; delays count from ``started_at`` on ``clock``."""

    faults: tuple[Fault, ...] = ()
    started_at: float = 0.0
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    @classmethod
    def none(cls) -> FaultSet:
        """The clean service: nothing switched on."""
        return cls()

    def _get(self, name: str) -> Fault | None:
        if name not in DEFINITIONS:
            # A typo here would silently disable a fault forever; fail loudly instead.
            raise KeyError(f"unknown fault {name!r}")
        return next((fault for fault in self.faults if fault.name == name), None)

    def active(self, name: str) -> bool:
        """True when ``name`` is switched on, its delay has passed and its duration has not."""
        fault = self._get(name)
        if fault is None:
            return False
        elapsed = self.clock() - self.started_at
        if elapsed < fault.delay_seconds:
            return False
        return fault.duration_seconds is None or elapsed < (
            fault.delay_seconds + fault.duration_seconds
        )

    def param(self, name: str) -> str | None:
        """The fault's parameter (its default when none was given), or None when off."""
        fault = self._get(name)
        return None if fault is None else fault.param

    def param_float(self, name: str) -> float:
        """The parameter as a number; only for faults whose parameter is validated numeric."""
        raw = self.param(name)
        if raw is None:
            raise ValueError(f"fault {name!r} is not switched on")
        return float(raw)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(fault.name for fault in self.faults)

    def __bool__(self) -> bool:
        return bool(self.faults)


def _known() -> str:
    return ", ".join(DEFINITIONS)


def _parse_delay(item: str, raw: str) -> float:
    match = _DELAY.match(raw.strip())
    if match is None:
        raise FaultSpecError(
            f"bad delay {raw!r} in fault {item!r} (use e.g. @30s, @2m, @1h); known faults: "
            f"{_known()}"
        )
    return float(match["number"]) * _UNIT_SECONDS[match["unit"]]


def _parse_item(item: str) -> Fault:
    body, delay, duration = item, 0.0, None
    if "@" in item:
        body, raw_delay = item.rsplit("@", 1)
        raw_delay, plus, raw_duration = raw_delay.partition("+")
        delay = _parse_delay(item, raw_delay)
        if plus:
            duration = _parse_delay(item, raw_duration)
            if duration <= 0:
                raise FaultSpecError(f"bad duration +{raw_duration} in fault {item!r}: must be > 0")
    name, sep, param = body.partition(":")
    name = name.strip()
    definition = DEFINITIONS.get(name)
    if definition is None:
        raise FaultSpecError(f"unknown fault {name!r} in {ENV_VAR}; known faults: {_known()}")
    if not sep:
        return Fault(name, definition.default, delay, duration)
    if definition.validate is None:
        raise FaultSpecError(
            f"fault {name!r} takes no parameter (got {param!r}); known faults: {_known()}"
        )
    try:
        value = definition.validate(param.strip())
    except ValueError as exc:
        raise FaultSpecError(
            f"bad parameter {param!r} for fault {name!r}: {exc}; known faults: {_known()}"
        ) from exc
    return Fault(name, value, delay, duration)


def parse_faults(spec: str | None, *, clock: Callable[[], float] = time.monotonic) -> FaultSet:
    """Parse a ``UNIMEDIA_FAULTS`` value; delays start counting now (on ``clock``).

    Raises :class:`FaultSpecError` naming the bad fault and listing the known ones.
    """
    faults: list[Fault] = []
    for raw_item in (spec or "").split(","):
        item = raw_item.strip()
        if not item:
            continue
        fault = _parse_item(item)
        if any(existing.name == fault.name for existing in faults):
            raise FaultSpecError(f"fault {fault.name!r} is given twice in {ENV_VAR}")
        faults.append(fault)
    return FaultSet(tuple(faults), started_at=clock(), clock=clock)
