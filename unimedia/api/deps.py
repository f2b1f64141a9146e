"""FastAPI dependencies, as ``Annotated`` aliases so that handlers just declare types.

The ones that never block are ``async def``: FastAPI runs every *sync* dependency in the
thread pool, one hop each, and on a busy 2-core machine those hops, not the work, were
a good part of a request's latency. What may block — the token's user lookup, the
handlers' queries — stays sync, off the event loop.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from unimedia.auth import InvalidToken, decode_token, token_has_expired
from unimedia.faults import FaultSet
from unimedia.models import User
from unimedia.problems import ProblemError, internal_error
from unimedia.runtime import Runtime
from unimedia.service import MediaService
from unimedia.settings import Settings
from unimedia.storage import BlobStore


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


async def get_faults(runtime: RuntimeDep) -> FaultSet:
    return runtime.faults


async def get_store(runtime: RuntimeDep) -> BlobStore:
    return runtime.store


SettingsDep = Annotated[Settings, Depends(get_settings)]
FaultsDep = Annotated[FaultSet, Depends(get_faults)]
StoreDep = Annotated[BlobStore, Depends(get_store)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[Session]:
    # Opening a session does not touch the database (the connection is taken lazily, in
    # the sync code that queries); closing one returns a pooled connection: both cheap.
    with runtime.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False)


def unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, detail, headers={"WWW-Authenticate": "Bearer"})


def get_current_user(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: SessionDep,
    runtime: RuntimeDep,
) -> User:
    """The user behind the bearer token. Role comes from the database, not the token, so a
    demoted admin loses rights at once.

    Sync on purpose (the thread pool), even against SQLite where the query takes
    microseconds: taking a connection can wait for the pool, and a wait on the event loop
    is a deadlock — the connections are given back by session teardowns that run on that
    same loop. (Tried, and caught by the 20-user benchmark.)
    """
    if credentials is None:
        raise unauthorized("A bearer token is required.")
    try:
        claims = decode_token(credentials.credentials, secret=runtime.settings.token_secret)
    except InvalidToken as exc:
        if runtime.faults.active("expired_token_error") and token_has_expired(
            credentials.credentials
        ):
            raise internal_error() from exc  # the planted bug: expiry "handled" by crashing
        raise unauthorized("The bearer token is invalid or has expired.") from exc

    user = session.scalar(select(User).where(User.username == claims.username))
    if user is None:
        raise unauthorized("The bearer token is invalid or has expired.")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_media_service(runtime: RuntimeDep, session: SessionDep) -> MediaService:
    return MediaService(session, runtime.store, runtime.faults, runtime.blob_lock)


MediaServiceDep = Annotated[MediaService, Depends(get_media_service)]


async def planted_error_rate(runtime: RuntimeDep) -> None:
    """The ``error_rate`` and ``error_every`` faults: a share of /api/ requests fail as a
    flaky backend would (at random, or exactly one in N: a steady leak).

    A router-level dependency of every /api/ router, so it hits exactly the API traffic.
    ``async``: it runs on the event loop, so the plain counter needs no lock.
    """
    faults = runtime.faults
    # Not security-relevant randomness: it decides which requests fail.
    if faults.active("error_rate") and random.random() < faults.param_float("error_rate"):  # noqa: S311
        raise internal_error()
    if faults.active("error_every"):
        every = int(faults.param_float("error_every"))
        if next(runtime.error_every_count) % every == 0:
            raise internal_error()


#: ``slow_tail``: how much slower the unlucky requests are. Large against a median of a
#: few milliseconds, so p99 moves by seconds while the median stays where it was.
SLOW_TAIL_SECONDS = 1.5


async def stall(seconds: float) -> None:
    """How every planted slowness waits: without blocking the event loop. One function, so
    the faults' tests can observe *which* requests stall and for how long (a behaviour)
    instead of timing them (a wall clock on a shared machine)."""
    await asyncio.sleep(seconds)


async def planted_slow_tail(faults: FaultsDep) -> None:
    """The ``slow_tail`` fault: a small share of API requests stall (a lock convoy, a GC
    pause): percentiles move, the median does not."""
    if faults.active("slow_tail") and random.random() < faults.param_float("slow_tail"):  # noqa: S311
        await stall(SLOW_TAIL_SECONDS)


async def planted_slow_list(faults: FaultsDep) -> None:
    """The ``slow_list`` fault: listings wait first (a lost index), without blocking the loop."""
    if faults.active("slow_list"):
        await stall(faults.param_float("slow_list"))


async def planted_slow_download(faults: FaultsDep) -> None:
    """The ``slow_download`` fault: downloads stall, without blocking the event loop."""
    if faults.active("slow_download"):
        await stall(faults.param_float("slow_download"))
