"""What one app instance holds: its settings and the resources built from them."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from unimedia.faults import FaultSet
from unimedia.login_throttle import LoginThrottle
from unimedia.metrics import Metrics
from unimedia.settings import Settings
from unimedia.storage import BlobStore


@dataclass(frozen=True, slots=True)
class Runtime:
    """Kept on ``app.state.runtime``; dependencies in ``api/deps.py`` hand out its parts."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    store: BlobStore
    metrics: Metrics
    blob_lock: threading.Lock = field(default_factory=threading.Lock)
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    # The error_every fault's count of /api/ requests since its onset (event-loop only).
    error_every_count: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def throttle(self) -> LoginThrottle | None:
        """The failed-login throttle, or ``None`` under the ``login_unthrottled`` fault."""
        return None if self.faults.active("login_unthrottled") else self.login_throttle

    @property
    def faults(self) -> FaultSet:
        return self.settings.faults
