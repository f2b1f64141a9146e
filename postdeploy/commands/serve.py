"""``postdeploy serve``: run the HTTP gate (FastAPI under uvicorn).

Prints exactly one line on stdout once it accepts connections — its base URL — so that
``--port 0`` is usable (as ``unimedia serve`` does). Refuses to start without a token
(POSTDEPLOY_SERVE_TOKEN) or an allow-list (POSTDEPLOY_SERVE_ALLOWED_TARGETS / [serve]):
a gate anyone can call, or that verifies any URL it is given, is a traffic cannon.
"""

from __future__ import annotations

import socket
from pathlib import Path

import click

from postdeploy.commands.common import one_line_errors, setup_logging
from postdeploy.errors import ConfigError

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8808, show_default=True, help="0: any free port.")
@click.option("--config", "config_file", type=click.Path(path_type=Path))
@click.option("--report-dir", type=click.Path(path_type=Path), help="Default: reports/serve.")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True,
              help="Verifications at once (never two on one target).")  # fmt: skip
@click.option("-v", "--verbose", is_flag=True)
def serve(
    host: str, port: int, config_file: Path | None, report_dir: Path | None, workers: int,
    verbose: bool,
) -> None:  # fmt: skip
    """Serve the gate over HTTP for delivery tools (Flagger, Argo Rollouts, CI)."""
    import importlib.util

    setup_logging(verbose=verbose, debug=False)
    with one_line_errors():
        if not all(importlib.util.find_spec(name) for name in ("fastapi", "uvicorn")):
            raise ConfigError(
                "postdeploy serve needs FastAPI and uvicorn: pip install 'postdeploy[unimedia]'"
            )
        import uvicorn

        from postdeploy.config import load_config
        from postdeploy.serve import JobBoard, VerifyInProcess, create_app

        config = load_config(config_file=config_file)
        if config.serve.token is None:
            raise ConfigError("postdeploy serve needs a bearer token: set POSTDEPLOY_SERVE_TOKEN")
        if not config.serve.allowed_targets:
            raise ConfigError(
                "postdeploy serve verifies only allowed targets: set "
                "POSTDEPLOY_SERVE_ALLOWED_TARGETS (comma-separated base URLs) or "
                "[serve] allowed_targets"
            )
        directory = (report_dir or config.report_dir / "serve").resolve()
        board = JobBoard(
            work_dir=directory, execute=VerifyInProcess(config.environment),
            queue_size=config.serve.queue_size, workers=workers,
        )  # fmt: skip
        app = create_app(config.serve, board)
        try:
            sock = socket.create_server((host, port))
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    bound_host, bound_port = sock.getsockname()[:2]
    server = uvicorn.Server(uvicorn.Config(app, log_level="info" if verbose else "warning"))
    click.echo(f"http://{bound_host}:{bound_port}")  # the one stdout line: where it listens
    try:
        server.run(sockets=[sock])
    finally:
        board.stop()
        sock.close()
