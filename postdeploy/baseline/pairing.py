"""Requests as time series, and how the two sides' requests are paired for the judge.

The sequential judge compares the release with its baseline pair by pair: a request of the
candidate and a request of the reference *of the same endpoint, close in time*. Whatever
slows the machine at that moment (another job, a garbage collection in the load
generator) slows both members of a pair alike and cancels in their difference; and when
nothing changed, the two members of a pair are exchangeable, which is all the betting
tests in :mod:`postdeploy.baseline.betting` need to keep their error rate.

* paired run (both releases loaded at once): :func:`pair_by_time` — each request is paired
  with the other side's oldest unpaired request of the same endpoint that completed at
  most ``window_s`` earlier; an older one has lost its partner and is dropped;
* recorded baseline (one side measured on another day): :func:`pair_by_order` — the i-th
  request of this run with the i-th of the recording, both in completion order, so a
  run's warm-up meets the recording's warm-up. A run can use at most as many pairs as the
  recording holds.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

__all__ = ["Pairs", "RequestSeries", "pair_by_order", "pair_by_time"]

DEFAULT_WINDOW_S = 1.0


@dataclass(frozen=True, slots=True, eq=False)
class RequestSeries:
    """One endpoint's requests from one side, in completion order: when each completed
    (seconds, any origin), how long it took (ms) and whether it failed."""

    times_s: np.ndarray
    latencies_ms: np.ndarray
    failed: np.ndarray

    def __len__(self) -> int:
        return int(self.times_s.shape[0])

    @classmethod
    def of(cls, times_s: object, latencies_ms: object, failed: object) -> RequestSeries:
        times = np.asarray(times_s, dtype=float)
        order = np.argsort(times, kind="stable")
        return cls(
            times[order],
            np.asarray(latencies_ms, dtype=float)[order],
            np.asarray(failed, dtype=bool)[order],
        )

    def until(self, cutoff_s: float) -> RequestSeries:
        """The requests that had completed by ``cutoff_s``."""
        end = int(np.searchsorted(self.times_s, cutoff_s, side="right"))
        return RequestSeries(self.times_s[:end], self.latencies_ms[:end], self.failed[:end])


@dataclass(frozen=True, slots=True, eq=False)
class Pairs:
    """Pairs of (candidate, reference) requests of one endpoint, in the order they were
    complete; ``times_s`` is when the later member completed (the candidate's for a
    recorded baseline)."""

    times_s: np.ndarray
    candidate_ms: np.ndarray
    reference_ms: np.ndarray
    candidate_failed: np.ndarray
    reference_failed: np.ndarray

    def __len__(self) -> int:
        return int(self.times_s.shape[0])

    @property
    def both_succeeded(self) -> np.ndarray:
        return ~(self.candidate_failed | self.reference_failed)


def pair_by_time(
    candidate: RequestSeries, reference: RequestSeries, window_s: float = DEFAULT_WINDOW_S
) -> Pairs:
    """Pair each request with the other side's oldest waiting request (see module doc)."""
    events = np.concatenate([candidate.times_s, reference.times_s])
    sides = np.concatenate([np.zeros(len(candidate), bool), np.ones(len(reference), bool)])
    index = np.concatenate([np.arange(len(candidate)), np.arange(len(reference))])
    order = np.lexsort((sides, events))
    waiting: tuple[deque[int], deque[int]] = (deque(), deque())
    pairs: list[tuple[float, int, int]] = []
    for position in order:
        side, now, i = int(sides[position]), float(events[position]), int(index[position])
        other = waiting[1 - side]
        other_times = reference.times_s if side == 0 else candidate.times_s
        while other and now - other_times[other[0]] > window_s:
            other.popleft()  # lost its partner
        if other:
            j = other.popleft()
            pairs.append((now, i, j) if side == 0 else (now, j, i))
        else:
            waiting[side].append(i)
    if not pairs:
        return _empty()
    times, cand, ref = (np.asarray(column) for column in zip(*pairs, strict=True))
    return Pairs(
        times.astype(float),
        candidate.latencies_ms[cand],
        reference.latencies_ms[ref],
        candidate.failed[cand],
        reference.failed[ref],
    )


def pair_by_order(candidate: RequestSeries, recorded: RequestSeries) -> Pairs:
    """The i-th request of this run with the i-th of a recorded baseline."""
    n = min(len(candidate), len(recorded))
    return Pairs(
        candidate.times_s[:n],
        candidate.latencies_ms[:n],
        recorded.latencies_ms[:n],
        candidate.failed[:n],
        recorded.failed[:n],
    )


def _empty() -> Pairs:
    nothing = np.zeros(0)
    return Pairs(nothing, nothing, nothing, nothing.astype(bool), nothing.astype(bool))
