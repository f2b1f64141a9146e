"""What the model-based run generates: roles, payloads, names, tags, ranges, budgets.

Hypothesis shrinks toward the first branch of a ``one_of`` and the first element of a
``sampled_from``; the orders below put an interesting value first, so that even a minimal
(shrunk) sequence uploads a non-ASCII name and an empty file.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from postdeploy.checks.model_payloads import Format, Payload

__all__ = [
    "CONDITIONS",
    "EXTRA_TAGS",
    "LEGACY_NAMES",
    "LEGACY_TYPES",
    "MAX_WALK_PAGES",
    "NAMES",
    "POSITIONS",
    "RANGES",
    "ROLES",
    "TYPES",
    "UI_PAGE_SIZE",
    "USERS",
    "WALK_ATTEMPTS",
    "Budget",
    "MiB",
    "payloads",
    "range_header",
    "sizes",
]

MiB = 1024 * 1024
UI_PAGE_SIZE = 10
MAX_WALK_PAGES = 40
WALK_ATTEMPTS = 3  # a listing walk a concurrent writer disturbed is walked again, then skipped

# --- strategies ---------------------------------------------------------------------------

ROLES = ("user", "other", "admin")
USERS = ("user", "other")
TYPES: dict[Format, tuple[str | None, ...]] = {
    Format.PNG: ("image/png", "IMAGE/PNG", "image/png; profile=x"),
    Format.MP4: ("video/mp4", "Video/MP4"),
    Format.PDF: ("application/pdf",),
    Format.TEXT: ("text/plain", "text/plain; charset=utf-8", "text/markdown"),
    Format.HTML: ("text/html", "image/svg+xml"),
    # ("no-slash" is not a media type: the service must fall back to octet-stream)
    Format.BINARY: (
        "application/octet-stream",
        "application/x-postdeploy",
        "application/zip",
        "no-slash",
    ),
}
#: what each legacy API accepts, as (format, content type) pairs
LEGACY_TYPES: dict[str, tuple[tuple[Format, str], ...]] = {
    "image": ((Format.PNG, "image/png"), (Format.HTML, "image/svg+xml")),
    "video": ((Format.MP4, "video/mp4"),),
    "document": (
        (Format.PDF, "application/pdf"),
        (Format.TEXT, "text/plain"),
        (Format.HTML, "text/html"),
    ),
}
# Names in any script. Not '"' or '\\': HTML5 form encoding (httpx, browsers) escapes them
# in the multipart header and the service keeps what arrives, so they are the client's.
_NAME_CHARS = st.characters(
    categories=("L", "M", "N", "P", "S", "Zs"), exclude_characters='"\\', max_codepoint=0x1FFFF
)
# Hypothesis shrinks toward the first branch and the first element: the "simplest" name
# is already one in two scripts with a space, so even a minimal run tests them.
NAMES = st.one_of(
    st.sampled_from(["日本語 résumé.pdf", "photo.png", "Ελληνικά.mp4", "עברית.txt",
                     " spaced .txt", "a;b,c.bin", "..", "dir/sub/inner.png", "x" * 300]),
    st.text(_NAME_CHARS, max_size=40),
)  # fmt: skip
LEGACY_NAMES = NAMES.map(lambda name: name.replace("/", "_"))
_TAG_CHARS = st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters=",")
EXTRA_TAGS = st.one_of(
    st.lists(st.text(_TAG_CHARS, max_size=12), max_size=3),
    # the documented limits: 128 characters is a tag, 129 is refused; so are 33 tags
    st.sampled_from([["t" * 128], ["u" * 129], [f"n{i}" for i in range(29)],
                     [f"m{i}" for i in range(30)]]),
)  # fmt: skip


def sizes(max_size: int) -> st.SearchStrategy[int]:
    """Empty to ``max_size``: mostly small, the boundaries of 256 KiB/1 MiB chunks, a few
    large ones."""
    boundaries = [
        n
        for n in (0, 1, 2, 255, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, MiB - 1, MiB, MiB + 1)
        if n <= max_size
    ]
    return st.one_of(
        st.integers(0, 4096),
        st.sampled_from(boundaries),
        st.integers(0, 4096),
        st.integers(0, max_size),
    )


def payloads(max_size: int, formats: tuple[Format, ...] = tuple(Format)) -> st.SearchStrategy:
    return st.builds(
        Payload,
        format=st.sampled_from(formats),
        size=sizes(max_size),
        seed=st.integers(0, 2**32 - 1),
        width=st.integers(1, 5000),
        height=st.integers(1, 5000),
        pages=st.integers(1, 40),
        duration_ms=st.integers(1, 10**7),
    )


#: a byte position relative to the file: (anchor, offset)
POSITIONS = st.tuples(st.sampled_from(["start", "end", "mid", "chunk", "past"]), st.integers(-2, 2))
RANGES = st.one_of(
    st.none(),
    st.tuples(st.just("a-b"), POSITIONS, POSITIONS),
    st.tuples(st.just("a-"), POSITIONS, st.none()),
    st.tuples(st.just("-n"), POSITIONS, st.none()),
    st.tuples(
        st.sampled_from(["bytes=0-0,2-3", "items=0-1", "bytes=", "bytes=-", "bytes=x-y"]),
        st.none(),
        st.none(),
    ),
)
CONDITIONS = st.sampled_from(["none", "match", "other", "star", "list", "if-range", "stale"])


def _position(anchor: tuple[str, int], size: int) -> int:
    base = {"start": 0, "end": size - 1, "mid": size // 2, "chunk": 256 * 1024, "past": size}
    return max(base[anchor[0]] + anchor[1], 0)


def range_header(spec: Any, size: int) -> str | None:
    if spec is None:
        return None
    form, first, last = spec
    if form == "a-b":
        return f"bytes={_position(first, size)}-{_position(last, size)}"
    if form == "a-":
        return f"bytes={_position(first, size)}-"
    if form == "-n":
        return f"bytes=-{_position(first, size)}"
    return form


class Budget:
    """How much one run may do: examples times steps, and the largest upload."""

    def __init__(self, examples: int, steps: int, max_size: int, *, large: bool = True) -> None:
        self.examples, self.steps, self.max_size, self.large = examples, steps, max_size, large

    @classmethod
    def parse(cls, text: str) -> Budget:
        """``EXAMPLESxSTEPS`` or ``EXAMPLESxSTEPS:MAXBYTES`` (e.g. ``6x30:6291456``)."""
        head, _, size = text.partition(":")
        examples, _, steps = head.lower().partition("x")
        budget = cls(int(examples), int(steps), int(size) if size else 6 * MiB)
        if budget.examples < 1 or budget.steps < 1 or budget.max_size < 0:
            raise ValueError(f"bad model budget {text!r}")
        return budget

    def __str__(self) -> str:
        return f"{self.examples}x{self.steps}:{self.max_size}"
