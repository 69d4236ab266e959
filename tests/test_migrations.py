"""Schema migrations on real databases: from empty, from the previous schema, and in step
with the models."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from bot.storage.migrate import upgrade
from bot.storage.schema import metadata
from bot.storage.store import Store, make_engine

APP_TABLES = {
    "conversation",
    "worker",
    "invitation",
    "guidedsession",
    "sessionnote",
    "contact_draft",
    "workerfocus",
    "contactrequest",
    "processed_update",
    "chat_view",
    "reminder",
}


def test_empty_database_gets_every_table(database_url: str) -> None:
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    assert APP_TABLES <= tables and "alembic_version" in tables


def test_models_and_migrations_agree(database_url: str) -> None:
    """A model changed without a migration would be caught here."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata())
    assert differences == []


def test_upgrade_from_previous_schema_keeps_conversations(database_url: str) -> None:
    engine = create_engine(database_url)
    upgrade(engine, "0001")  # the first release's schema
    state = {"answers": {"legal_form": "association"}, "order": ["legal_form"]}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conversation (key, dialogue, state, created_at, updated_at) "
                "VALUES ('telegram:42', 'diagnostic', :state, :now, :now)"
            ),
            {"state": json.dumps(state), "now": "2026-01-01 00:00:00"},
        )
    upgraded = make_engine(database_url)
    assert Store(upgraded).load("telegram:42") == state
    assert APP_TABLES <= set(inspect(upgraded).get_table_names())


def test_database_created_before_migrations_is_adopted(database_url: str) -> None:
    """A database made by the first release (no alembic_version table) is stamped, then
    upgraded, without recreating its conversation table."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE conversation (key VARCHAR(100) PRIMARY KEY, dialogue VARCHAR(50) "
                "NOT NULL, state VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, "
                "updated_at TIMESTAMP NOT NULL)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO conversation VALUES ('terminal:local', 'diagnostic', '{}', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
    upgraded = make_engine(database_url)
    assert Store(upgraded).load("terminal:local") == {}
    assert "worker" in inspect(upgraded).get_table_names()
