"""Alembic environment: migrations run on the connection handed over by bot.storage.migrate.

Run from the alembic command line (to generate a revision), it opens DATABASE_URL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.settings import Settings
from bot.storage.schema import metadata


def run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata(),
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode rebuilds tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    with create_engine(Settings.from_env().database_url).connect() as connection:
        run(connection)
        connection.commit()
