"""``create_app(settings)``: the one way to build a unimedia ASGI app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool

from unimedia import __version__
from unimedia.api import auth, ops, v2
from unimedia.api.v1 import ROUTERS as V1_ROUTERS
from unimedia.api.v1 import documents
from unimedia.db import make_engine
from unimedia.metrics import Metrics, MetricsMiddleware
from unimedia.middleware import AccessLogMiddleware, BodySizeLimitMiddleware
from unimedia.problems import install_problem_handlers
from unimedia.revisions import prepare_schema
from unimedia.runtime import Runtime
from unimedia.security_headers import SecurityHeadersMiddleware
from unimedia.seed import seed_accounts
from unimedia.settings import Settings
from unimedia.storage import BlobStore
from unimedia.ui import planted as ui_planted
from unimedia.ui.routes import planted_router as ui_planted_router
from unimedia.ui.routes import router as ui_router

logger = logging.getLogger(__name__)


def _prepare(runtime: Runtime) -> None:
    runtime.store.ensure_dirs()
    prepare_schema(runtime.engine)
    with runtime.session_factory() as session:
        seed_accounts(session, runtime.settings.accounts)


def create_app(settings: Settings) -> FastAPI:
    """Build the app. Nothing touches disk or database until the lifespan starts."""
    engine = make_engine(settings.effective_database_url)
    session_factory = sessionmaker(engine, expire_on_commit=False)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        store=BlobStore(settings.blob_dir, faults=settings.faults),
        metrics=Metrics(
            engine=engine,
            session_factory=session_factory,
            version=__version__,
            commit=settings.commit,
        ),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Schema creation and password hashing block; keep them off the event loop.
        await run_in_threadpool(_prepare, runtime)
        logger.info("unimedia %s ready (data in %s)", __version__, settings.data_dir)
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="unimedia",
        version=__version__,
        summary="Unified media repository: the reference target postdeploy verifies.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    app.include_router(ui_router)  # the web UI at / (paths disjoint from the API's)
    app.include_router(ops.router)
    app.include_router(auth.router)
    app.include_router(v2.router)
    for legacy_router in V1_ROUTERS:
        app.include_router(legacy_router)
    if documents.SORT_FAULT in settings.faults.names:
        documents.advertise_sort(app)
    if ui_planted.LOGIN_FAULT in settings.faults.names:
        app.include_router(ui_planted_router)
    # Added last = outermost: the access log sees the 413s the size limit answers.
    app.add_middleware(BodySizeLimitMiddleware, max_upload_bytes=settings.max_upload_bytes)
    app.add_middleware(SecurityHeadersMiddleware, faults=settings.faults)
    app.add_middleware(MetricsMiddleware, metrics=runtime.metrics)
    app.add_middleware(AccessLogMiddleware, faults=settings.faults)
    return app
