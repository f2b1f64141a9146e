"""``docs/configuration.md`` names every setting there is, and only settings there are.

Three inventories are taken from the code itself: the keys of the file model (pydantic),
the environment variables ``config.py`` reads, and the options of every subcommand and of
the pytest plugin. A setting added without a line in the reference fails here.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import click
import pytest
from pydantic import BaseModel

from postdeploy import config
from postdeploy.cli import cli

REPO = Path(__file__).resolve().parents[1]
PAGE = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
VARIABLE = re.compile(r"\b(?:POSTDEPLOY_[A-Z][A-Z_]*[A-Z]|UNIMEDIA_FAULTS)\b")


def _file_keys(model: type[BaseModel] = config._FileModel, prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        inner = field.annotation
        listed = typing.get_args(inner) if typing.get_origin(inner) is list else ()
        if listed and isinstance(listed[0], type) and issubclass(listed[0], BaseModel):
            inner = listed[0]  # an array of tables, [[slo]]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            keys += _file_keys(inner, f"{prefix}{name}.")
        else:
            keys.append(f"{prefix}{name}")
    return keys


def _section(table: str) -> str:
    """The page's text under ``### `[table]` …`` up to the next heading."""
    match = re.search(
        rf"^### `\[\[?{re.escape(table)}(?:\.NAME)?\]\]?`.*?$(.*?)(?=^#)", PAGE, re.M | re.S
    )
    assert match, f"docs/configuration.md has no section for [{table}]"
    return match.group(1)


@pytest.mark.parametrize("key", _file_keys())
def test_every_file_key_is_documented_in_its_table(key: str) -> None:
    table, _, name = key.rpartition(".")
    if not table:  # a table of its own (accounts)
        table, name = key, "role"
    assert f"| `{name}` |" in _section(table), f"[{table}] {name} is not in the reference"


def test_every_account_key_is_documented() -> None:
    for name in config._AccountModel.model_fields:
        assert f"| `{name}` |" in _section("accounts"), name


def _variables_read() -> set[str]:
    source = Path(config.__file__).read_text(encoding="utf-8")
    return set(VARIABLE.findall(source)) - {"POSTDEPLOY_PASSWORD"}


def test_every_variable_the_config_reads_is_documented() -> None:
    missing = sorted(v for v in _variables_read() if v not in PAGE)
    assert not missing, f"not in docs/configuration.md: {missing}"


def test_the_page_names_no_variable_that_does_not_exist() -> None:
    known = _variables_read() | {"POSTDEPLOY_PASSWORD_ALICE"}
    stale = sorted(set(VARIABLE.findall(PAGE)) - known)
    assert not stale, f"docs/configuration.md names unknown variables: {stale}"


def _commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    context = click.Context(cli)
    for name in cli.list_commands(context):
        command = cli.get_command(context, name)
        assert command is not None
        if isinstance(command, click.Group):
            sub = click.Context(command)
            found += [
                (f"{name} {s}", command.get_command(sub, s)) for s in command.list_commands(sub)
            ]  # type: ignore[misc]
        else:
            found.append((name, command))
    return found


@pytest.mark.parametrize(
    ("name", "command"), _commands(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_flag_of_every_command_is_documented(name: str, command: click.Command) -> None:
    heading = re.search(rf"^### `postdeploy {name.split()[0]}.*?$(.*?)(?=^#)", PAGE, re.M | re.S)
    assert heading, f"no section for postdeploy {name}"
    for option in command.params:
        if not isinstance(option, click.Option) or option.hidden:
            continue
        flags = [flag for flag in option.opts if flag.startswith("--") and flag != "--help"]
        for flag in flags:
            assert flag in heading.group(1), f"postdeploy {name}: {flag} is not documented"


def test_every_plugin_option_is_documented() -> None:
    source = (REPO / "postdeploy" / "pytest" / "plugin.py").read_text(encoding="utf-8")
    options = set(re.findall(r'"(--postdeploy-[a-z-]+)"', source))
    assert options, "the plugin's options were not found"
    missing = sorted(option for option in options if option not in PAGE)
    assert not missing, missing
