"""Storage of conversation states with SQLModel (SQLite by default, any SQLAlchemy URL).

Only what the conversation needs is kept: the answers and where the dialogue stands, under
a channel key (``terminal:local``, ``telegram:<chat id>``). No names, no message texts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Field, Session, SQLModel, create_engine, delete, select


def _now() -> datetime:
    return datetime.now(UTC)


class Conversation(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=100)
    dialogue: str = Field(max_length=50)
    state: str  # JSON of DialogueState.to_json()
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class StorageError(Exception):
    """The database could not be reached or written; the message is for people."""


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    from bot.schema import create_schema  # imports every table module, including this one

    create_schema(engine)
    return engine


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(make_engine(url))

    def load(self, key: str) -> dict[str, Any] | None:
        with Session(self.engine) as session:
            row = session.get(Conversation, key)
            return None if row is None else dict(json.loads(row.state))

    def save(self, key: str, dialogue: str, state: dict[str, Any]) -> None:
        with Session(self.engine) as session:
            row = session.get(Conversation, key)
            text = json.dumps(state, ensure_ascii=False, sort_keys=True)
            if row is None:
                row = Conversation(key=key, dialogue=dialogue, state=text)
            else:
                row.state, row.dialogue, row.updated_at = text, dialogue, _now()
            session.add(row)
            session.commit()

    def delete(self, key: str) -> bool:
        with Session(self.engine) as session:
            statement = delete(Conversation).where(Conversation.key == key)  # type: ignore[arg-type]
            result = session.exec(statement)
            session.commit()
            return bool(result.rowcount)

    def keys(self) -> list[str]:
        with Session(self.engine) as session:
            return list(session.exec(select(Conversation.key)))
