"""Storage of conversation states with SQLModel (SQLite by default, any SQLAlchemy URL).

Only what the conversation needs is kept: the answers and where the dialogue stands, under
a channel key (``terminal:local``, ``telegram:<chat id>``). No names, no message texts.
Channels with delivery guarantees (Telegram) also keep, under the same key: the ids of the
updates already processed (a few days), which bot message carries the live buttons, and the
deadline reminders asked for. ``forget`` erases all of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, col, create_engine, delete, select

from bot.storage.models import ChatView, ContactDraft, Conversation, ProcessedUpdate, Reminder


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class View:
    """The channel-side view of one conversation (see ``ChatView``)."""

    message_id: int | None = None
    tag: str | None = None
    pending_update_id: int | None = None


@dataclass(frozen=True)
class Turn:
    """Everything needed to handle one update, read in one go."""

    state: dict[str, Any] | None
    view: View
    seen: bool  # this update was processed already


class StorageError(Exception):
    """The database could not be reached or written; the message is for people."""


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    from bot.storage.schema import create_schema  # imports every table module, including this one

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

    # -- channels with delivery guarantees (Telegram) -------------------------------------------

    # These run on every Telegram update: SQL Core statements, not ORM sessions (3× cheaper).

    def open_turn(self, key: str, update_id: int | None) -> Turn:
        """The state, the view and whether ``update_id`` was processed (None: not asked)."""

        def one(column: Any, where: Any) -> Any:
            return select(column).where(where).scalar_subquery()

        statement = sa_select(  # sqlmodel's select() takes at most 4 columns
            one(Conversation.state, Conversation.key == key),
            one(ChatView.message_id, ChatView.key == key),
            one(ChatView.tag, ChatView.key == key),
            one(ChatView.pending_update_id, ChatView.key == key),
            one(ProcessedUpdate.update_id, ProcessedUpdate.update_id == update_id),
        )
        with self.engine.connect() as connection:
            state, message_id, tag, pending, seen = connection.execute(statement).one()
        return Turn(
            None if state is None else dict(json.loads(state)),
            View(message_id, tag, pending),
            seen is not None,
        )

    def save_turn(
        self, key: str, dialogue: str, state: dict[str, Any] | None, update_id: int
    ) -> None:
        """Before replying: the new state (if any) and the update, marked as not yet replied."""
        now = _now()
        with self.engine.begin() as connection:
            if state is not None:
                text = json.dumps(state, ensure_ascii=False, sort_keys=True)
                _upsert(
                    connection,
                    Conversation,
                    key,
                    {"dialogue": dialogue, "state": text, "updated_at": now},
                    {"created_at": now},
                )
            _record(connection, key, update_id, now)
            _upsert(connection, ChatView, key, {"pending_update_id": update_id, "updated_at": now})

    def finish_turn(self, key: str, update_id: int | None, view: View, *, record: bool) -> None:
        """After replying: what is shown now; ``record`` marks the update as processed."""
        now = _now()
        with self.engine.begin() as connection:
            if record and update_id is not None:
                _record(connection, key, update_id, now)
            values = {"message_id": view.message_id, "tag": view.tag, "updated_at": now}
            _upsert(connection, ChatView, key, {**values, "pending_update_id": None})

    def mark_processed(self, key: str, update_id: int) -> None:
        """An update that changed nothing stored was handled (see ``open_turn(...).seen``)."""
        with self.engine.begin() as connection:
            _record(connection, key, update_id, _now())

    def pending_replies(self, prefix: str) -> list[str]:
        """Keys whose last update was saved but not replied to (the process died in between)."""
        with Session(self.engine) as session:
            statement = select(ChatView.key).where(
                col(ChatView.pending_update_id).is_not(None), col(ChatView.key).startswith(prefix)
            )
            return list(session.exec(statement))

    def forget(self, key: str) -> bool:
        """Erase everything kept under ``key``; True when there was something."""
        with Session(self.engine) as session:
            found = 0
            for table in (Conversation, ChatView, ProcessedUpdate, Reminder, ContactDraft):
                found += session.exec(delete(table).where(col(table.key) == key)).rowcount
            session.commit()
            return bool(found)

    def purge(self, prefix: str, *, inactive_before: datetime, processed_before: datetime) -> int:
        """Delete conversations left inactive and old processed-update ids; return the count."""
        with Session(self.engine) as session:
            stale = list(
                session.exec(
                    select(Conversation.key).where(
                        col(Conversation.key).startswith(prefix),
                        col(Conversation.updated_at) < inactive_before,
                    )
                )
            )
            count = 0
            for key in stale:
                for table in (Conversation, ChatView, Reminder, ContactDraft):
                    count += session.exec(delete(table).where(col(table.key) == key)).rowcount
            count += session.exec(
                delete(ProcessedUpdate).where(col(ProcessedUpdate.at) < processed_before)
            ).rowcount
            session.commit()
            return count

    def add_reminder(
        self, key: str, aid_id: str, deadline: date, due_at: datetime
    ) -> Reminder | None:
        """Store a reminder; None when this aid already has one for this key."""
        with Session(self.engine) as session:
            existing = session.exec(
                select(Reminder).where(Reminder.key == key, Reminder.aid_id == aid_id)
            ).first()
            if existing is not None:
                return None
            reminder = Reminder(key=key, aid_id=aid_id, deadline=deadline, due_at=due_at)
            session.add(reminder)
            session.commit()
            session.refresh(reminder)
            return reminder

    def reminder(self, reminder_id: int) -> Reminder | None:
        with Session(self.engine) as session:
            return session.get(Reminder, reminder_id)

    def reminders(self, key: str | None = None) -> list[Reminder]:
        with Session(self.engine) as session:
            statement = select(Reminder).order_by(col(Reminder.due_at))
            if key is not None:
                statement = statement.where(Reminder.key == key)
            return list(session.exec(statement))

    def delete_reminder(self, reminder_id: int) -> bool:
        with Session(self.engine) as session:
            result = session.exec(delete(Reminder).where(col(Reminder.id) == reminder_id))
            session.commit()
            return bool(result.rowcount)

    # -- call-back requests being prepared ------------------------------------------------------

    def draft(self, key: str) -> ContactDraft | None:
        with Session(self.engine) as session:
            return session.get(ContactDraft, key)

    def save_draft(
        self,
        key: str,
        step: str,
        *,
        share_answers: bool | None = None,
        message_id: int | None = None,
    ) -> None:
        values = {
            "step": step,
            "share_answers": share_answers,
            "message_id": message_id,
            "updated_at": _now(),
        }
        with self.engine.begin() as connection:
            _upsert(connection, ContactDraft, key, values)

    def drop_draft(self, key: str, *, steps: tuple[str, ...] | None = None) -> bool:
        """Erase the draft of ``key`` (only when at one of ``steps``, if given)."""
        statement = delete(ContactDraft).where(col(ContactDraft.key) == key)
        if steps is not None:
            statement = statement.where(col(ContactDraft.step).in_(steps))
        with Session(self.engine) as session:
            result = session.exec(statement)
            session.commit()
            return bool(result.rowcount)


def _upsert(
    connection: Connection,
    table: type[SQLModel],
    key: str,
    values: dict[str, Any],
    on_insert: dict[str, Any] | None = None,
) -> None:
    """Update the row of ``key``, or insert it (callers serialise the writes of one key)."""
    column = table.__table__.c.key  # type: ignore[attr-defined]
    updated = connection.execute(update(table).where(column == key).values(**values))
    if not updated.rowcount:
        connection.execute(insert(table).values(key=key, **values, **(on_insert or {})))


def _record(connection: Connection, key: str, update_id: int, now: datetime) -> None:
    values = {"update_id": update_id, "key": key, "at": now}
    if connection.dialect.name in _INSERT_IGNORE:
        ignore = _INSERT_IGNORE[connection.dialect.name](ProcessedUpdate)
        connection.execute(ignore.values(**values).on_conflict_do_nothing())
        return
    seen = connection.execute(
        select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
    ).first()
    if seen is None:
        connection.execute(insert(ProcessedUpdate).values(**values))


_INSERT_IGNORE: dict[str, Any] = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


def use_write_ahead_log(engine: Engine) -> None:
    """For a long-running service on SQLite: WAL journal, fsync at checkpoints only.

    A commit then survives the process being killed (kill -9), not a power cut of the
    machine; commits get about 10× cheaper. Other databases are left as they are.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    engine.dispose()  # connections opened before get the pragmas too
