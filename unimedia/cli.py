"""``unimedia serve``: run the service on a socket it binds itself. Also ``unimedia db
upgrade|downgrade|current`` (the schema migrations, see :mod:`unimedia.revisions`) and
``unimedia seed-legacy`` (the pre-unification data set, :mod:`unimedia.legacy_seed`).

The contract a harness relies on: stdout carries exactly one line, the base URL, printed
once the server accepts connections (so ``--port 0`` is usable: the OS picks the port and
the line says which). Everything else goes to stderr. SIGTERM/SIGINT shut down cleanly
with exit 0; bad configuration is one ``error:`` line and exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import ssl
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from unimedia import __version__
from unimedia.errors import ConfigError
from unimedia.faults import CATALOGUE, FaultSet

logger = logging.getLogger("unimedia.cli")

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    faults = "\n".join(f"  {name:24} {text}" for name, text in CATALOGUE.items())
    parser = argparse.ArgumentParser(
        prog="unimedia",
        description="unimedia, the unified media repository (reference target of postdeploy).",
        epilog=f"faults (UNIMEDIA_FAULTS=name[:param][@delay],...):\n{faults}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"unimedia {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port; 0 lets the OS pick one")
    serve.add_argument("--data", type=Path, required=True, help="data directory (DB, blobs)")
    serve.add_argument("--accounts", type=Path, help="seed accounts JSON file")
    serve.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in --data)")
    serve.add_argument("--watch-pid", type=int, help="stop when this process no longer exists")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    serve.add_argument(
        "--tls-ca-cert", type=Path,
        help="serve HTTPS with a certificate issued at startup from this CA (PEM)",
    )  # fmt: skip
    serve.add_argument("--tls-ca-key", type=Path, help="the private key of --tls-ca-cert (PEM)")

    seed = commands.add_parser(
        "seed-legacy", help="create the legacy (pre-unification) schema and fill it"
    )
    _database_options(seed)
    seed.add_argument("--count", type=int, required=True, help="records to create (≤ 1000000)")
    seed.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    seed.add_argument("--accounts", type=Path, help="seed accounts JSON file")

    db = commands.add_parser("db", help="database schema migrations (Alembic)")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    up = db_commands.add_parser("upgrade", help="migrate up (default: to the newest revision)")
    _database_options(up)
    up.add_argument("revision", nargs="?", default="head")
    down = db_commands.add_parser(
        "downgrade",
        help="migrate down (default: to the legacy schema, i.e. undo the unification; "
        "'-1' for one revision)",
    )
    _database_options(down)
    down.add_argument("revision", nargs="?", default="0001_legacy")  # schema.LEGACY_REVISION
    down.add_argument(
        "--allow-loss",
        action="store_true",
        help="drop media the older schema cannot hold instead of refusing",
    )
    current = db_commands.add_parser("current", help="print the database's schema revision")
    _database_options(current)
    return parser


def _database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, help="data directory (DB, blobs)")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in --data)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Alembic announces its plugins at INFO on import: noise in every start's stderr.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # Access lines are JSON already; no prefix so each line parses as it is.
    access_handler = logging.StreamHandler(sys.stderr)
    access_handler.setFormatter(logging.Formatter("%(message)s"))
    access = logging.getLogger("unimedia.access")
    access.handlers[:] = [access_handler]
    access.propagate = False


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _base_url(sock: socket.socket, *, https: bool) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if https else 'http'}://{host}:{port}"


def _tls_factory(
    args: argparse.Namespace, host: str, faults: FaultSet
) -> Callable[..., ssl.SSLContext] | None:
    """uvicorn's ``ssl_context_factory`` for ``--tls-ca-cert``, or None for plain HTTP.

    The certificate is issued here, before binding, so a bad CA is one ``error:`` line."""
    from unimedia.tls import STARTUP_FAULTS, TlsIssuer, server_context

    if args.tls_ca_cert is None:
        if wanted := [name for name in STARTUP_FAULTS if name in faults.names]:
            raise ConfigError(
                f"fault {wanted[0]!r} needs HTTPS: give --tls-ca-cert and --tls-ca-key"
            )
        return None
    if args.tls_ca_key is None:
        raise ConfigError("--tls-ca-cert needs --tls-ca-key")
    context = server_context(TlsIssuer(args.tls_ca_cert, args.tls_ca_key), host, faults, args.data)
    return lambda _config, _default: context


def process_exists(pid: int) -> bool:
    """True while ``pid`` runs. A zombie (exited, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no procfs: trust kill(0)
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _watch(pid: int, stop: threading.Event, on_gone: Callable[[], None]) -> None:
    while not stop.wait(0.5):
        if not process_exists(pid):
            logger.info("watched process %d is gone; shutting down", pid)
            on_gone()
            return


async def _serve(server: object, sock: socket.socket, url: str) -> None:
    import uvicorn

    assert isinstance(server, uvicorn.Server)  # noqa: S101 -- typed loosely to import lazily
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.01)
    if server.started:
        print(url, flush=True)  # noqa: T201 -- the one stdout line is the CLI's contract
    await serving


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from unimedia.app import create_app
    from unimedia.db import make_engine
    from unimedia.revisions import prepare_schema
    from unimedia.settings import load_settings

    try:
        settings = load_settings(
            args.data.resolve(), accounts_file=args.accounts, database_url=args.database_url
        )
        # The certificate is issued first: a TLS fault the service cannot honour is one
        # line and exit 2 before anything touches the database.
        tls = _tls_factory(args, args.host, settings.faults)
        # Checked before binding, so a database that needs `unimedia db upgrade` is one
        # line and exit 2 rather than a failed startup inside the server.
        engine = make_engine(settings.effective_database_url)
        try:
            prepare_schema(engine)
        finally:
            engine.dispose()
        app = create_app(settings)
    except ConfigError as exc:
        print(f"unimedia: error: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(f"unimedia: error: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_CONFIG
    url = _base_url(sock, https=tls is not None)
    config = uvicorn.Config(
        app,
        log_config=None,  # logging is configured above; uvicorn must not replace it
        access_log=False,  # our access log is JSON and token-free
        lifespan="on",
        timeout_graceful_shutdown=5,
        server_header=False,
        ssl_context_factory=tls,
    )
    server = uvicorn.Server(config)

    def request_exit(_signum: int = 0, _frame: FrameType | None = None) -> None:
        server.should_exit = True

    # uvicorn swaps in its own handlers while serving and, after shutting down, re-raises
    # the signal it caught under the handlers it found: ours, so the process exits 0
    # instead of dying of the signal.
    signal.signal(signal.SIGTERM, request_exit)
    signal.signal(signal.SIGINT, request_exit)
    stop_watching = threading.Event()
    if args.watch_pid is not None:
        threading.Thread(
            target=_watch,
            args=(args.watch_pid, stop_watching, request_exit),
            name="watch-pid",
            daemon=True,
        ).start()
    try:
        asyncio.run(_serve(server, sock, url))
    finally:
        stop_watching.set()
        sock.close()
    return EXIT_OK if server.started else EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging(getattr(args, "log_level", "info"))
    if args.command == "serve":
        return serve(args)
    from unimedia.cli_db import run_db_command, run_seed_legacy

    if args.command == "seed-legacy":
        return run_seed_legacy(args)
    if args.command == "db":
        return run_db_command(args)
    return EXIT_FAILURE  # pragma: no cover -- argparse rejects unknown commands
