"""Malformed writes to every write endpoint: a 4xx with a problem document, never a 5xx,
never internals, and the connection still usable (postdeploy/checks/malformed_writes.py)."""

from __future__ import annotations

import json
import random

import httpx
import pytest

from postdeploy.checks import fails_as
from postdeploy.checks.legacy_api import LEGACY, delete_legacy_if_ours
from postdeploy.checks.malformed_writes import Answer, Malformed, judge_all, matrix, random_cuts
from postdeploy.checks.media_api import MEDIA_PATH, check_filename
from postdeploy.checks.model_promises import TRIGGERS, gate_tag
from postdeploy.config import TargetSettings

pytestmark = pytest.mark.integration

RANDOM_CUTS = 12


def _delete_stored(stored: list[tuple[Malformed, Answer]], user: httpx.Client) -> None:
    """What a still-valid body stored: v2 items by id, legacy ones while they hold it."""
    for request, answer in stored:
        try:
            body = json.loads(answer.body)
            if request.path == MEDIA_PATH:
                user.delete(f"{MEDIA_PATH}/{body['id']}")
                continue
            legacy = next(k for k in LEGACY.values() if k.base == request.path)
            delete_legacy_if_ours(user, legacy, body[legacy.id_field], body[legacy.sha_field])
        except (ValueError, KeyError, StopIteration, httpx.HTTPError):
            continue  # the session sweep finds tagged or run-named leftovers


def test_malformed_writes_are_refused_cleanly(
    postdeploy_target: TargetSettings,
    postdeploy_user: httpx.Client,
    postdeploy_run_id: str,
    postdeploy_run_tag: str,
    postdeploy_run_sweep: None,
) -> None:
    """Malformed writes get a 4xx problem document, never a 5xx, on a usable connection"""
    url = postdeploy_target.url or ""
    auth = str(postdeploy_user.headers["Authorization"])
    name = check_filename(postdeploy_run_id, "malformed.png")
    rng = random.Random(postdeploy_run_id)  # noqa: S311 -- where to cut, replayable by run id
    requests = [
        *matrix(auth, postdeploy_run_tag, name),
        *random_cuts(auth, postdeploy_run_tag, name, rng, RANDOM_CUTS),
    ]
    violations, stored = judge_all(url, requests, ca_file=postdeploy_target.ca_file)
    _delete_stored(stored, postdeploy_user)
    if violations:
        worst = max(violations, key=lambda v: TRIGGERS[v.promise][1].rank)
        tag = gate_tag(worst.promise)
        with fails_as(tag.trigger, tag.severity, f"Malformed writes are refused ({worst.promise})"):
            lines = "\n".join(str(v) for v in violations[:15])
            raise AssertionError(f"{len(violations)} of {len(requests)} malformed writes:\n{lines}")
