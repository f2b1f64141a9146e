"""The gate over HTTP: ``POST /runs``, ``GET /runs/{id}``, reports, and the webhook dialects
of the delivery tools (Flagger, Argo Rollouts' Web metric provider).

Every route but ``/healthz`` needs ``Authorization: Bearer <token>`` (the Flagger routes
also take it as ``metadata.token``: a Canary cannot set headers). A request naming a
target outside ``allowed_targets`` is refused before anything is sent to it. Webhook
routes run-then-answer: the first call starts the verification, each call waits at most
``answer_within_s`` for it, and answers "still running" in the caller's own terms
rather than blocking past its timeout.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from postdeploy.config import ServeSettings
from postdeploy.serve.answers import FLAGGER_HOOKS, argo_answer, flagger_answer
from postdeploy.serve.jobs import Job, JobBoard, QueueFull, RunRequest
from postdeploy.serve.runner import report_path

__all__ = ["create_app", "target_allowed"]

REPORTS = ("verdict.json", "report.html", "summary.md", "junit.xml")
_NAME = r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$"  # profiles, versions: no spaces, no leading '-'


class RunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str = Field(min_length=1, max_length=2000)
    profile: str = Field(default="smoke", pattern=_NAME)
    stages: str | None = Field(default=None, pattern=r"^[a-z0-9_-]+(,[a-z0-9_-]+)*$")
    expected_version: str | None = Field(default=None, pattern=_NAME)
    rollback_of: str | None = Field(default=None, pattern=_NAME)
    dry_run: bool = False


class FlaggerPayload(BaseModel):
    """Flagger's ``CanaryWebhookPayload`` (pkg/apis/flagger/v1beta1): name, namespace,
    phase, checksum, metadata (string → string)."""

    model_config = ConfigDict(extra="ignore")

    name: str
    namespace: str
    phase: str = ""
    checksum: str = ""
    metadata: dict[str, str] = Field(default_factory=dict)


def _origin(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port, parts.path.rstrip("/")


def target_allowed(url: str, allowed: tuple[str, ...]) -> bool:
    """Same scheme, host and port as an allowed base URL, and under its path."""
    try:
        scheme, host, port, path = _origin(url)
    except ValueError:
        return False
    if scheme not in ("http", "https") or not host:
        return False
    for entry in allowed:
        a_scheme, a_host, a_port, a_path = _origin(entry)
        if (scheme, host, port) == (a_scheme, a_host, a_port) and (
            path == a_path or path.startswith(a_path + "/")
        ):
            return True
    return False


def create_app(settings: ServeSettings, board: JobBoard) -> FastAPI:
    if settings.token is None:
        raise ValueError("postdeploy serve needs a token")  # the command checks this first
    token = settings.token.reveal().encode()
    app = FastAPI(title="postdeploy gate", version="1", docs_url=None, redoc_url=None)

    def authorized(authorization: Annotated[str | None, Header()] = None) -> None:
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(value.encode(), token):
            raise HTTPException(401, "a valid bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})  # fmt: skip

    guarded = [Depends(authorized)]

    def start(request: RunRequest, key: str | None) -> Job:
        if not target_allowed(request.target, settings.allowed_targets):
            raise HTTPException(403, f"target {request.target} is not in the allow-list")
        try:
            return board.submit(request, key=key)
        except QueueFull as exc:
            raise HTTPException(429, str(exc), headers={"Retry-After": "30"}) from None

    def waited(job: Job) -> Job:
        job.done.wait(settings.answer_within_s)
        return job

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/runs", status_code=202, dependencies=guarded)
    def post_run(body: RunBody) -> JSONResponse:
        job = start(RunRequest(**body.model_dump()), None)
        return JSONResponse(job.to_dict(), status_code=202,
                            headers={"Location": f"/runs/{job.id}"})  # fmt: skip

    @app.get("/runs/{job_id}", dependencies=guarded)
    def get_run(job_id: str) -> dict[str, Any]:
        return _job(board, job_id).to_dict()

    @app.get("/runs/{job_id}/reports/{name}", dependencies=guarded)
    def get_report(job_id: str, name: str) -> FileResponse:
        if name not in REPORTS:
            raise HTTPException(404, f"reports: {', '.join(REPORTS)}")
        path = report_path(_job(board, job_id), name)
        if path is None:
            raise HTTPException(404, f"{name} is not written (yet)")
        return FileResponse(path)

    @app.post("/flagger/{hook}")
    def flagger(
        hook: str, payload: FlaggerPayload,
        authorization: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:  # fmt: skip
        # A Canary's webhook spec has no headers; Flagger's own docs pass a token in
        # metadata, so this route also takes it from there (as the bearer token's value).
        in_metadata = payload.metadata.get("token")
        authorized(authorization if in_metadata is None else f"Bearer {in_metadata}")
        if hook not in FLAGGER_HOOKS:
            raise HTTPException(404, f"hooks: {', '.join(sorted(FLAGGER_HOOKS))}")
        meta = payload.metadata
        if not meta.get("target"):
            raise HTTPException(422, "metadata.target (the canary's URL) is required")
        request = _run_request(meta)
        key = f"flagger:{payload.namespace}/{payload.name}:{payload.checksum}"
        status, body = flagger_answer(hook, waited(start(request, key)))
        return JSONResponse(body, status_code=status)

    @app.api_route("/argo", methods=["GET", "POST"], dependencies=guarded)
    async def argo(request: Request) -> JSONResponse:
        params: dict[str, Any] = dict(request.query_params)
        if request.method == "POST" and await request.body():
            params |= await request.json()
        params = {k: str(v) for k, v in params.items() if v is not None}
        if not params.get("target"):
            raise HTTPException(422, "target is required")
        run = _run_request(params)
        key = "argo:" + (params.get("key") or "|".join(
            str(v) for v in run.to_dict().values()))  # fmt: skip
        job = start(run, key)
        from starlette.concurrency import run_in_threadpool

        status, body = argo_answer(await run_in_threadpool(waited, job))
        return JSONResponse(
            body, status_code=status, headers={"Retry-After": "10"} if status == 503 else None
        )

    return app


def _run_request(values: dict[str, str]) -> RunRequest:
    """A RunRequest from webhook metadata / query parameters (validated like POST /runs)."""
    fields = {k: values[k] for k in ("target", "profile", "stages", "expected_version",
                                     "rollback_of") if values.get(k)}  # fmt: skip
    if "dry_run" in values:
        fields["dry_run"] = values["dry_run"].lower() in ("1", "true", "yes")
    try:
        return RunRequest(**RunBody(**fields).model_dump())
    except ValueError as exc:
        raise HTTPException(422, re.sub(r"\s+", " ", str(exc))[:300]) from None


def _job(board: JobBoard, job_id: str) -> Job:
    job = board.get(job_id)
    if job is None:
        raise HTTPException(404, f"no run {job_id}")
    return job
