"""Operations endpoints, no authentication: ``/healthz``, ``/readyz``, ``/version``,
``/metrics`` (Prometheus text format; see :mod:`unimedia.metrics`).

``/healthz`` says the process serves HTTP (restart me if not); ``/readyz`` says it can do
its job (database and storage), so a load balancer sends traffic only when both work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from unimedia import __version__
from unimedia.api.deps import FaultsDep, RuntimeDep, SettingsDep
from unimedia.db import ping
from unimedia.schemas import Health, Readiness, VersionOut

logger = logging.getLogger(__name__)

router = APIRouter(tags=["ops"])


@router.get("/healthz", responses={503: {"model": Health}})
def healthz(faults: FaultsDep) -> JSONResponse:
    if faults.active("unhealthy"):
        return JSONResponse({"status": "error"}, status_code=503)
    return JSONResponse({"status": "ok"})


def _check(name: str, probe: Callable[[], object]) -> str:
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 -- any failure means "not ready", reported as such
        logger.warning("readiness check %s failed: %s", name, exc)
        return f"error: {exc}"
    return "ok"


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(runtime: RuntimeDep) -> JSONResponse:
    # The planted bug of ``readiness_lies``: a storage result cached at startup.
    lying = runtime.faults.active("readiness_lies")
    checks = {
        "database": _check("database", lambda: ping(runtime.engine, runtime.faults)),
        "storage": "ok" if lying else _check("storage", runtime.store.probe),
    }
    ready = all(result == "ok" for result in checks.values())
    body = Readiness(status="ready" if ready else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/version")
def version(settings: SettingsDep, faults: FaultsDep) -> VersionOut:
    reported = faults.param("wrong_version") if faults.active("wrong_version") else None
    return VersionOut(
        version=reported or __version__, commit=settings.commit, build_time=settings.build_time
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
async def metrics(runtime: RuntimeDep) -> Response:
    # Collecting counts media in the database and reads /proc: off the event loop.
    body = await run_in_threadpool(runtime.metrics.exposition)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
