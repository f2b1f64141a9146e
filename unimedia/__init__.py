"""unimedia: the unified media repository that postdeploy verifies.

A small but real service (FastAPI, SQLAlchemy, content-addressed blobs on disk) so that
postdeploy has something honest to verify on a machine with nothing else on it. Build it
with :func:`unimedia.app.create_app`; run it with ``python -m unimedia serve``.
"""

from __future__ import annotations

__version__ = "2.0.0"

__all__ = ["__version__"]
