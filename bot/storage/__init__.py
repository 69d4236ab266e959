"""Storage: SQLModel tables, the conversation store, Alembic migrations."""
