"""The web UI at ``/``: log in, upload, list (paging, kind filter), download, delete, log out.

Server-rendered pages and plain HTML forms (Post/Redirect/Get), so everything works without
JavaScript; ``/static/app.js`` only enhances (upload progress, confirm before delete, filter
on change). Every operation goes through :class:`~unimedia.service.MediaService`, as the
API's do, so an upload here is in ``/api/v2/media`` and the reverse.

Routes: ``GET /``, ``POST /login``, ``POST /logout``, ``POST /upload``,
``GET /media/{id}/download``, ``POST /media/{id}/delete``, ``GET /static/{name}``; and
``GET /login`` only in a service started with the ``login_open_redirect`` fault
(:data:`planted_router`, see :mod:`unimedia.ui.planted`).
"""

from __future__ import annotations

import logging
import os
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from unimedia.api.deps import (
    FaultsDep,
    MediaServiceDep,
    RuntimeDep,
    SessionDep,
    SettingsDep,
    StoreDep,
)
from unimedia.auth import issue_token
from unimedia.filenames import clean_filename, content_disposition
from unimedia.login import attempt_login
from unimedia.service import InvalidTags, MediaNotFound, parse_tags
from unimedia.settings import Settings
from unimedia.storage import BlobTooLarge
from unimedia.ui import planted
from unimedia.ui import session as ui_session
from unimedia.ui.render import STATIC_FILES, render, secure, static_text
from unimedia.ui.session import Flash, FlashLevel, UiSession
from unimedia.ui.views import KIND_OPTIONS, load_listing, page_url, parse_kind, parse_page

logger = logging.getLogger(__name__)

# Not in the OpenAPI document: the API contract that postdeploy records is the JSON API's.
router = APIRouter(include_in_schema=False)
#: Routes only a faulty release has (create_app includes it when the fault is configured).
planted_router = APIRouter(include_in_schema=False)

BAD_CREDENTIALS = "Invalid username or password."
LOGIN_EXPIRED = "The login form has expired. Please try again."
TOO_MANY_FAILURES = "Too many failed logins for this username. Please wait and try again."
FORM_EXPIRED = "This form has expired. Reload the page and try again."
LOGIN_FAILED = "Logging in failed on the server. Please try again later."
PLEASE_LOG_IN = "Please log in."

FormText = Annotated[str, Form()]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _with_flash(request: Request, response: Response, level: FlashLevel, text: str) -> Response:
    ui_session.set_flash(response, Flash(level, text), secure=ui_session.is_https(request))
    return response


def _login_page(
    request: Request,
    settings: Settings,
    *,
    status_code: int = 200,
    error: str | None = None,
    username: str = "",
    next_url: str | None = None,
) -> Response:
    nonce, fresh = ui_session.login_nonce(request)
    flash = None if error else ui_session.read_flash(request)
    response = render(
        "login.html",
        status_code,
        title="Log in",
        error=error,
        flash=flash,
        username=username,
        next_url=next_url,
        csrf=ui_session.login_csrf_token(settings.token_secret, nonce),
    )
    if fresh:
        ui_session.set_login_cookie(response, nonce, secure=ui_session.is_https(request))
    ui_session.clear_flash(request, response)
    if ui_session.SESSION_COOKIE in request.cookies:
        # Expired or invalid: drop it so the browser stops sending it.
        ui_session.clear_session_cookie(response, secure=ui_session.is_https(request))
    return response


def _form_expired() -> Response:
    return render("error.html", 403, title="Form expired", message=FORM_EXPIRED)


def _session(request: Request, db: SessionDep, settings: Settings) -> UiSession | None:
    return ui_session.current_session(request, db, settings.token_secret)


@router.get("/")
def index(
    request: Request,
    db: SessionDep,
    service: MediaServiceDep,
    settings: SettingsDep,
    faults: FaultsDep,
    page: str | None = None,
    kind: str | None = None,
) -> Response:
    """The media page when logged in, else the login page."""
    ui = _session(request, db, settings)
    if ui is None:
        return _login_page(request, settings)
    listing = load_listing(service, ui.user, page=parse_page(page), kind=parse_kind(kind))
    response = render(
        "media.html",
        title="Your media" if not ui.user.is_admin else "All media",
        user=ui.user,
        csrf=ui.csrf,
        listing=listing,
        kind_options=KIND_OPTIONS,
        flash=ui_session.read_flash(request),
        filter_note=planted.filter_note(faults, kind),
        session_refresh=planted.session_refresh(
            faults, listing.current_url, settings.token_ttl_seconds
        ),
    )
    ui_session.clear_flash(request, response)
    return response


@router.post("/login")
def login(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    faults: FaultsDep,
    runtime: RuntimeDep,
    username: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
    next: FormText = "",  # the form field; only the login_open_redirect fault reads it
) -> Response:
    nonce = request.cookies.get(ui_session.LOGIN_COOKIE)
    expected = ui_session.login_csrf_token(settings.token_secret, nonce) if nonce else None
    if expected is None or not ui_session.tokens_match(expected, csrf_token):
        return _login_page(request, settings, status_code=403, error=LOGIN_EXPIRED)
    attempt = attempt_login(db, runtime.throttle(), username, password)
    if attempt.retry_after is not None:
        page = _login_page(
            request, settings, status_code=429, error=TOO_MANY_FAILURES, username=username
        )
        page.headers["Retry-After"] = str(attempt.retry_after)
        return page
    user = attempt.user
    if user is None:
        return _login_page(
            request, settings, status_code=401, error=BAD_CREDENTIALS, username=username
        )
    if faults.active("login_broken") and faults.param("login_broken") in (None, user.username):
        # The same planted bug as the API's login: token issuance fails for this user.
        return _login_page(request, settings, status_code=500, error=LOGIN_FAILED)
    issued = issue_token(
        user.username,
        user.role,
        secret=settings.token_secret,
        ttl_seconds=settings.token_ttl_seconds,
    )
    response = _redirect(planted.return_address(faults, next) or "/")
    ui_session.set_session_cookie(
        response,
        issued.token,
        max_age=issued.expires_in,
        secure=ui_session.is_https(request),
        insecure_fault=faults.active("insecure_session_cookie"),
    )
    logger.info("UI login of %s", user.username)
    return response


@router.post("/logout")
def logout(
    request: Request, db: SessionDep, settings: SettingsDep, csrf_token: FormText = ""
) -> Response:
    ui = _session(request, db, settings)
    if ui is not None and not ui_session.tokens_match(ui.csrf, csrf_token):
        return _form_expired()
    response = _redirect("/")
    ui_session.clear_session_cookie(response, secure=ui_session.is_https(request))
    return _with_flash(request, response, FlashLevel.STATUS, "You have logged out.")


def _wants_json(request: Request) -> bool:
    """app.js uploads with XMLHttpRequest (for progress) and asks for JSON: it must not
    follow the redirect itself, or it would consume the message meant for the next page."""
    return "application/json" in request.headers.get("accept", "")


def _after_form(request: Request, url: str, level: FlashLevel, text: str) -> Response:
    response: Response = JSONResponse({"location": url}) if _wants_json(request) else _redirect(url)
    return _with_flash(request, response, level, text)


@router.post("/upload")
def upload(
    request: Request,
    db: SessionDep,
    service: MediaServiceDep,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
    tags: FormText = "",
    kind: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    ui = _session(request, db, settings)
    if ui is None:
        return _after_form(request, "/", FlashLevel.STATUS, PLEASE_LOG_IN)
    if not ui_session.tokens_match(ui.csrf, csrf_token):
        return _form_expired()
    back = page_url(1, parse_kind(kind))
    if file is None or not file.filename:
        return _after_form(request, back, FlashLevel.ERROR, "Choose a file to upload.")
    name = clean_filename(file.filename)
    try:
        media = service.upload(
            owner=ui.user,
            filename=name,
            content_type=file.content_type,
            stream=file.file,
            tags=parse_tags(tags),
            limit=settings.max_upload_bytes,
        )
    except InvalidTags as exc:
        return _after_form(request, back, FlashLevel.ERROR, f"Not uploaded: {exc}.")
    except BlobTooLarge as exc:
        text = f"Not uploaded: {name} is larger than {exc.limit} bytes."
        return _after_form(request, back, FlashLevel.ERROR, text)
    except OSError as exc:
        logger.error("cannot store an upload: %s", exc)
        text = f"Not uploaded: {name} could not be stored. Please try again later."
        return _after_form(request, back, FlashLevel.ERROR, text)
    # Back to the first page, where the newest upload is; keep the filter if it shows it.
    kind_filter = parse_kind(kind)
    url = page_url(1, kind_filter if kind_filter is media.kind else None)
    return _after_form(request, url, FlashLevel.STATUS, f"Uploaded {media.filename}")


@router.post("/media/{media_id}/delete")
def delete(
    media_id: str,
    request: Request,
    db: SessionDep,
    service: MediaServiceDep,
    settings: SettingsDep,
    page: FormText = "",
    kind: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    ui = _session(request, db, settings)
    if ui is None:
        return _after_form(request, "/", FlashLevel.STATUS, PLEASE_LOG_IN)
    if not ui_session.tokens_match(ui.csrf, csrf_token):
        return _form_expired()
    back = page_url(parse_page(page), parse_kind(kind))
    try:
        name = service.get(viewer=ui.user, media_id=media_id).filename
        service.delete(viewer=ui.user, media_id=media_id)
    except MediaNotFound:
        return _after_form(request, back, FlashLevel.ERROR, "That media no longer exists.")
    return _after_form(request, back, FlashLevel.STATUS, f"Deleted {name}")


@router.get("/media/{media_id}/download")
def download(
    media_id: str,
    request: Request,
    db: SessionDep,
    service: MediaServiceDep,
    settings: SettingsDep,
    store: StoreDep,
) -> Response:
    ui = _session(request, db, settings)
    if ui is None:
        return _redirect("/")
    try:
        media = service.get(viewer=ui.user, media_id=media_id)
    except MediaNotFound:
        return render("error.html", 404, title="Not found", message="No such media.")
    path = store.path(media.sha256)
    try:
        stat_result = os.stat(path)
    except FileNotFoundError:
        logger.error("blob %s of media %s is missing", media.sha256, media.id)
        return render("error.html", 500, title="Error", message="The media could not be read.")
    return FileResponse(
        path,
        stat_result=stat_result,
        headers={
            # Always an attachment with the stored type and nosniff: an uploaded HTML or SVG
            # file must never render as a page of this origin.
            "Content-Type": media.content_type,
            "Content-Disposition": content_disposition(media.filename),
            "ETag": f'"{media.sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )


@router.get("/static/{name}")
def static(name: str, faults: FaultsDep) -> Response:
    content_type = STATIC_FILES.get(name)
    if content_type is None:
        return render("error.html", 404, title="Not found", message="No such file.")
    response = Response(static_text(name, faults), media_type=content_type)
    # Revalidate every time: a fault switched on after a delay must reach open browsers.
    response.headers["Cache-Control"] = "no-cache"
    return secure(response)


@planted_router.get("/login")
def login_page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    faults: FaultsDep,
    next: str = "/",
) -> Response:
    """``login_open_redirect``: the login page with a return address. A visitor already
    logged in is sent on to it at once — unchecked, like the form's (the planted bug)."""
    if not faults.active(planted.LOGIN_FAULT):
        return JSONResponse({"detail": "Method Not Allowed"}, 405, headers={"Allow": "POST"})
    if _session(request, db, settings) is not None:
        return _redirect(planted.return_address(faults, next) or "/")
    return _login_page(request, settings, next_url=next)
