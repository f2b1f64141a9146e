"""Python's cycle collector paused while a spec is read and compared (issue 17: speed).

Reading a 5 MB document makes a few million dicts, lists and strings that all live until
the diff is done. CPython's cycle collector is triggered by allocations, not by garbage,
and each of its full passes walks every live container again: on the benchmark spec
(``scripts/contract_diff_benchmark.py``) that was about a third of ``contract diff``'s CPU
time for JSON and more than half of it for YAML, spent finding nothing to free.

Nothing read or made here needs it: documents, schema views and changes are freed by
reference counting as usual (only reference *cycles* wait for the collector, and the
classifier builds none it must reclaim early), and the memory itself is bounded by the
limits of :mod:`postdeploy.contract.limits`. The collector is switched back on afterwards,
exactly when it was on before (so a caller that disabled it keeps it disabled).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cycle collector for the ``with`` block; restore it after, whatever
    happens inside."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
