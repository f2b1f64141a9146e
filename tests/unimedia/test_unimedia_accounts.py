"""Seed accounts: the file format, generated defaults, idempotent seeding."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from unimedia.accounts import Role, generated_accounts, load_accounts_file
from unimedia.db import make_engine
from unimedia.errors import ConfigError
from unimedia.models import User
from unimedia.revisions import prepare_schema
from unimedia.seed import seed_accounts
from unimedia.settings import load_settings


def test_generated_accounts_are_private_and_stable(tmp_path: Path) -> None:
    first = generated_accounts(tmp_path)
    assert [(a.username, a.role) for a in first] == [
        ("alice", Role.USER),
        ("bob", Role.USER),
        ("admin", Role.ADMIN),
    ]
    path = tmp_path / "accounts.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert generated_accounts(tmp_path) == first
    assert all(a.password not in repr(a) for a in first)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("not json", "not valid JSON"),
        ("[]", "accounts"),
        ('{"accounts": []}', "empty"),
        ('{"accounts": [{"username": "a"}]}', "password"),
        ('{"accounts": [{"username": "a", "password": "p", "role": "root"}]}', "role"),
        (
            '{"accounts": [{"username": "a", "password": "p"},'
            ' {"username": "a", "password": "q"}]}',
            "duplicate",
        ),
    ],
)
def test_malformed_accounts_files_are_one_line_errors(
    tmp_path: Path, text: str, complaint: str
) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=complaint) as excinfo:
        load_accounts_file(path)
    assert "\n" not in str(excinfo.value)


def test_seeding_is_idempotent_and_updates_passwords(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    prepare_schema(engine)

    def seed(password: str) -> str:
        document = {"accounts": [{"username": "alice", "password": password, "role": "user"}]}
        path.write_text(json.dumps(document))
        with Session(engine) as session:
            seed_accounts(session, load_accounts_file(path))
            users = session.scalars(select(User)).all()
            assert [u.username for u in users] == ["alice"]
            return users[0].password_hash

    first = seed("one")
    assert seed("one") == first
    assert seed("two") != first
    engine.dispose()


def test_load_settings_reads_the_environment(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.json"
    accounts.write_text('{"accounts": [{"username": "carol", "password": "pw", "role": "admin"}]}')
    settings = load_settings(
        tmp_path / "data",
        environ={
            "UNIMEDIA_ACCOUNTS_FILE": str(accounts),
            "UNIMEDIA_FAULTS": "unhealthy",
            "UNIMEDIA_COMMIT": "deadbeef",
            "UNIMEDIA_MAX_UPLOAD_BYTES": "1234",
        },
    )
    assert [a.username for a in settings.accounts] == ["carol"]
    assert settings.faults.active("unhealthy")
    assert settings.commit == "deadbeef"
    assert settings.max_upload_bytes == 1234
    assert settings.effective_database_url.endswith("unimedia.db")
    # The token secret is kept, so a restart keeps tokens valid.
    again = load_settings(tmp_path / "data", accounts_file=accounts, environ={})
    assert again.token_secret == settings.token_secret


def test_load_settings_rejects_bad_numbers(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="UNIMEDIA_TOKEN_TTL"):
        load_settings(tmp_path, environ={"UNIMEDIA_TOKEN_TTL": "soon"})
