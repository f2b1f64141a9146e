"""The model on its own: range answers, names, types, tags, payload probes, listing order."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis.internal.conjecture import engine

from postdeploy.checks.media_model import (
    Item,
    MediaModel,
    RangeAnswer,
    clean_name,
    expected_range,
    kind_of,
    legacy_repr,
    normalise_type,
    parse_tags,
)
from postdeploy.checks.model_payloads import Format, Payload, Probed, build
from postdeploy.checks.model_strategies import Budget, range_header
from unimedia.media_properties import read_media_properties
from unimedia.models import Kind

ETAG = '"abc"'


@pytest.mark.parametrize(
    ("headers", "answer"),
    [
        ({}, RangeAnswer(200, 0, 99)),
        ({"range_header": "bytes=0-9"}, RangeAnswer(206, 0, 9)),
        ({"range_header": "bytes=90-200"}, RangeAnswer(206, 90, 99)),
        ({"range_header": "bytes=95-"}, RangeAnswer(206, 95, 99)),
        ({"range_header": "bytes=-5"}, RangeAnswer(206, 95, 99)),
        ({"range_header": "bytes=-500"}, RangeAnswer(206, 0, 99)),
        ({"range_header": "bytes=-0"}, RangeAnswer(416)),
        ({"range_header": "bytes=100-"}, RangeAnswer(416)),
        ({"range_header": "bytes=9-3"}, RangeAnswer(400)),
        ({"range_header": "items=0-1"}, RangeAnswer(400)),
        ({"range_header": "bytes=x-y"}, RangeAnswer(400)),
        ({"range_header": "bytes=-"}, RangeAnswer(400)),
        ({"range_header": "bytes=0-1,5-6"}, RangeAnswer(200, 0, 99)),
        ({"range_header": "bytes=0-9", "if_range": ETAG}, RangeAnswer(206, 0, 9)),
        ({"range_header": "bytes=0-9", "if_range": '"old"'}, RangeAnswer(200, 0, 99)),
        ({"if_none_match": ETAG}, RangeAnswer(304)),
        ({"if_none_match": f'"x", {ETAG}'}, RangeAnswer(304)),
        ({"if_none_match": "*", "range_header": "bytes=0-1"}, RangeAnswer(304)),
        ({"if_none_match": '"x"'}, RangeAnswer(200, 0, 99)),
    ],
)
def test_expected_range(headers: dict[str, str], answer: RangeAnswer) -> None:
    assert expected_range(100, ETAG, **headers) == answer


def test_an_empty_file_has_no_satisfiable_suffix() -> None:
    assert expected_range(0, ETAG, range_header="bytes=-1") == RangeAnswer(416)
    assert expected_range(0, ETAG, range_header="bytes=0-") == RangeAnswer(416)


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("photo.png", "photo.png"),
        ("C:\\Users\\x\\a.png", "a.png"),
        ("../../etc/passwd", "passwd"),
        ("  spaced  ", "spaced"),
        ("\u00a0nbsp", "nbsp"),
        ("a\x00b\u200bc.txt", "abc.txt"),
        ("..", "upload"),
        ("", "upload"),
        ("x" * 300, "x" * 255),
    ],
)
def test_clean_name(raw: str, kept: str) -> None:
    assert clean_name(raw) == kept


def test_types_tags_and_kinds() -> None:
    assert normalise_type("IMAGE/PNG; profile=x") == "image/png; profile=x"
    assert normalise_type("no-slash") == "application/octet-stream"
    assert normalise_type(None) == "application/octet-stream"
    assert [kind_of(t) for t in ("image/svg+xml", "video/mp4", "text/html", "application/zip")] == [
        "image", "video", "document", "other",
    ]  # fmt: skip
    assert parse_tags("a, b,a,,  c ") == ["a", "b", "c"]
    assert parse_tags("ok,\u00a0x") == ["ok", "x"]  # a non-breaking space at the end trims
    assert parse_tags("a\u00a0b") is None  # inside a tag it is not printable
    assert parse_tags(",".join(f"t{i}" for i in range(33))) is None
    assert parse_tags("x" * 129) is None


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (Payload(Format.PNG, 5000, 1, width=640, height=480), Kind.IMAGE),
        (Payload(Format.PNG, 0, 2, width=1, height=9), Kind.IMAGE),
        (Payload(Format.MP4, 3000, 3, duration_ms=12345), Kind.VIDEO),
        (Payload(Format.PDF, 3 * 1024 * 1024, 4, pages=7), Kind.DOCUMENT),  # pages across chunks
        (Payload(Format.PDF, 10, 5, pages=2), Kind.DOCUMENT),
        (Payload(Format.TEXT, 500, 6), Kind.DOCUMENT),
        (Payload(Format.HTML, 300, 7), Kind.IMAGE),  # as image/svg+xml: no dimensions
        (Payload(Format.BINARY, 1000, 8), Kind.OTHER),
    ],
)
def test_payloads_are_read_by_the_service_as_the_model_says(
    tmp_path: Path, payload: Payload, kind: Kind
) -> None:
    """The model's predictions, checked against unimedia's own reader (no HTTP needed)."""
    path = tmp_path / "payload"
    content = build(payload)
    path.write_bytes(content)
    assert build(payload) == content  # the same recipe, the same bytes
    assert abs(len(content) - payload.size) <= payload.size // 20 + 1024  # about the size
    info = read_media_properties(path, kind)
    expected = payload.probed()
    if payload.format is Format.HTML:
        expected = Probed()
    assert (info.width, info.height, info.duration_seconds) == (
        expected.width, expected.height, expected.duration_seconds,
    )  # fmt: skip
    if kind is Kind.DOCUMENT:
        assert (info.pages or 1) == (expected.pages or 1)


def _item(key: int, created: str, media_id: str, **kwargs: object) -> Item:
    defaults: dict = {"owner": "alice", "filename": "a.png", "content_type": "image/png",
                      "content": b"x", "tags": ["t"], "probed": Probed(),
                      "payload": None}  # fmt: skip
    defaults.update(kwargs)
    return Item(key=key, media_id=media_id, created_at=created, **defaults)


def test_listings_are_newest_first_by_time_then_id() -> None:
    model = MediaModel()
    a = model.add(_item(0, "2030-01-01T00:00:00+00:00", "aaa"))
    b = model.add(_item(1, "2030-01-01T00:00:01Z", "bbb"))
    c = model.add(_item(2, "2030-01-01T00:00:01+00:00", "ccc"))
    model.add(_item(3, "2030-01-01T00:00:02+00:00", "ddd", owner="bob"))
    gone = model.add(_item(4, "2030-01-01T00:00:03+00:00", "eee"))
    gone.alive = False
    assert model.listing("alice", admin=False, tag="t") == [c, b, a]
    assert [i.media_id for i in model.listing("admin", admin=True, tag="t")] == [
        "ddd", "ccc", "bbb", "aaa",
    ]  # fmt: skip
    assert model.listing("admin", admin=True, tag="t", owner="bob")[0].media_id == "ddd"


def test_legacy_representations() -> None:
    image = _item(0, "2030-01-01T00:00:00+00:00", "i", probed=Probed(width=3, height=4))
    image.legacy_number = 7
    assert legacy_repr(image)["image_id"] == "img_7"
    assert (legacy_repr(image)["width"], legacy_repr(image)["height"]) == (3, 4)
    doc = _item(1, "2030-01-01T00:00:00+00:00", "d", content_type="text/plain")
    doc.legacy_number = 3
    assert legacy_repr(doc)["doc_id"] == "doc-3"
    assert legacy_repr(doc)["pages"] == 1


def test_range_headers_from_positions() -> None:
    assert range_header(("a-b", ("start", 0), ("end", 0)), 10) == "bytes=0-9"
    assert range_header(("a-", ("past", 1), None), 10) == "bytes=11-"
    assert range_header(("-n", ("start", -2), None), 10) == "bytes=-0"
    assert range_header(("items=0-1", None, None), 10) == "items=0-1"


def test_budgets() -> None:
    assert str(Budget.parse("8x25:6291456")) == "8x25:6291456"
    assert Budget.parse("2X3").max_size == 6 * 1024 * 1024
    for bad in ("0x5", "3x0", "x", "3x4:-1"):
        with pytest.raises(ValueError):  # noqa: PT011 -- int() or our own message
            Budget.parse(bad)


def test_hypothesis_still_has_the_shrinking_time_limit_we_lower() -> None:
    """model_run bounds shrinking through this constant; an upgrade without it must fail."""
    assert isinstance(engine.MAX_SHRINKING_SECONDS, int | float)
