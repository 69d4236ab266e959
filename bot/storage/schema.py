"""Every table of the application, gathered so the schema can be created or migrated whole."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData
from sqlmodel import SQLModel

# Imported for its side effect: the module registers every table on SQLModel.metadata.
from bot.storage import models  # noqa: F401


def metadata() -> MetaData:
    return SQLModel.metadata


def create_schema(engine: Engine) -> None:
    """Bring the database to the current schema through the Alembic migrations."""
    from bot.storage.migrate import upgrade

    upgrade(engine)
