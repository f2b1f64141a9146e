"""Put the seed accounts into the database, idempotently."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from unimedia.accounts import Account
from unimedia.auth import hash_password, verify_password
from unimedia.models import User

logger = logging.getLogger(__name__)


def seed_accounts(session: Session, accounts: Iterable[Account]) -> None:
    """Create missing users; update the role, and the hash only if the password changed
    (rehashing on every start would change the stored hash for nothing)."""
    for account in accounts:
        user = session.scalar(select(User).where(User.username == account.username))
        if user is None:
            session.add(
                User(
                    username=account.username,
                    password_hash=hash_password(account.password),
                    role=account.role,
                )
            )
            logger.info("created account %s (%s)", account.username, account.role.value)
            continue
        if not verify_password(account.password, user.password_hash):
            user.password_hash = hash_password(account.password)
            logger.info("updated the password of account %s", account.username)
        user.role = account.role
    session.commit()
