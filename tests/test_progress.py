"""postdeploy.progress.Ticker: the thread that turns a growing file into events."""

from __future__ import annotations

import threading

from postdeploy.progress import Ticker


class _Counting(Ticker):
    def __init__(self, every_s: float, *, final_tick: bool) -> None:
        super().__init__(every_s, name="test-ticker", final_tick=final_tick)
        self.ticks = 0
        self.ticked = threading.Event()

    def tick(self) -> None:
        self.ticks += 1
        self.ticked.set()


def test_ticks_while_the_block_runs_and_stops_with_it() -> None:
    with _Counting(0.01, final_tick=False) as ticker:
        assert ticker.ticked.wait(10), "no tick within 10 s"
    after = ticker.ticks
    assert after >= 1
    assert not ticker._thread.is_alive()
    assert ticker.ticks == after  # nothing after the block


def test_a_final_tick_reads_what_came_last() -> None:
    with _Counting(3600, final_tick=True) as ticker:  # the period never elapses
        pass
    assert ticker.ticks == 1
    with _Counting(3600, final_tick=False) as quiet:
        pass
    assert quiet.ticks == 0
