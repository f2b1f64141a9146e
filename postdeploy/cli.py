"""``postdeploy`` command line: the group and where each subcommand lives.

Only wiring: each subcommand is a module of :mod:`postdeploy.commands`, imported when it
is invoked (as click's documentation shows for lazily loaded subcommands), so that
``postdeploy verify --profile smoke`` does not pay for SciPy, Locust or the watch.
"""

from __future__ import annotations

from importlib import import_module

import click

__all__ = ["cli", "main"]

#: subcommand → "module:attribute" under postdeploy.commands
COMMANDS = {
    "verify": "verify:verify",
    "load": "verify:load",
    "report": "report:report",
    "baseline": "baseline:baseline",
    "watch": "watch:watch",
    "rules": "rules:rules",
    "snapshot": "snapshot:snapshot",
    "contract": "contract:contract",
    "preflight": "preflight:preflight",
    "serve": "serve:serve",
}


class _LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module, _, attribute = where.partition(":")
        command = getattr(import_module(f"postdeploy.commands.{module}"), attribute)
        if not isinstance(command, click.Command):  # pragma: no cover - a wiring bug
            raise TypeError(f"postdeploy.commands.{where} is not a click command")
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="postdeploy")
def cli() -> None:
    """Post-deployment verification: GO, NO-GO or INCONCLUSIVE, with the evidence."""


def main() -> None:
    cli()
