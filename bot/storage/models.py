"""Every table of the application, in one module: storage owns the schema.

The support network and the channels import these classes; storage imports nothing from
them, so the migrations can gather the whole schema without an import circle.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


SESSION_PREFIX = "session:"


def session_key(session_id: int) -> str:
    """The conversation key of a guided session's diagnostic."""
    return f"{SESSION_PREFIX}{session_id}"


# -- Conversations and delivery (every channel) ---------------------------------------


class Conversation(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=100)
    dialogue: str = Field(max_length=50)
    state: str  # JSON of DialogueState.to_json()
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class ProcessedUpdate(SQLModel, table=True):
    """An update already applied, so a redelivered one is not applied twice."""

    __tablename__ = "processed_update"
    update_id: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    key: str = Field(index=True, max_length=100)
    at: datetime = Field(default_factory=_now, index=True)


class ChatView(SQLModel, table=True):
    """What the channel showed last: the message with live buttons, and an unanswered update."""

    __tablename__ = "chat_view"
    key: str = Field(primary_key=True, max_length=100)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    tag: str | None = Field(default=None, max_length=100)  # what the buttons are about
    pending_update_id: int | None = Field(default=None, sa_type=BigInteger)  # saved, not replied
    updated_at: datetime = Field(default_factory=_now)


class Reminder(SQLModel, table=True):
    """A deadline reminder asked for by a user."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("key", "aid_id"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, max_length=100)
    aid_id: str = Field(max_length=100)
    deadline: date
    due_at: datetime
    created_at: datetime = Field(default_factory=_now)


class ContactDraft(SQLModel, table=True):
    """A call-back request being prepared: the consent given so far, and the next step.

    Kept in the database so that a restart in the middle of the exchange loses nothing;
    erased when the request is sent, cancelled, or the user asks to forget.
    """

    __tablename__ = "contact_draft"
    key: str = Field(primary_key=True, max_length=100)
    step: str = Field(max_length=20)  # consent, method, phone, email
    share_answers: bool | None = None
    message_id: int | None = Field(default=None, sa_type=BigInteger)  # the prompt's message
    updated_at: datetime = Field(default_factory=_now)


# -- Support network ---------------------------------------------------------------


class Worker(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Telegram ids go beyond 32 bits.
    telegram_id: int | None = Field(default=None, index=True, unique=True, sa_type=BigInteger)
    name: str = Field(max_length=120)
    organisation: str = Field(max_length=200)
    departments: str = Field(max_length=200)  # comma-separated INSEE codes
    created_at: datetime = Field(default_factory=_now)

    def covers(self, department: str | None) -> bool:
        return department is not None and department in self.department_codes()

    def department_codes(self) -> list[str]:
        return [d for d in self.departments.split(",") if d]


class Invitation(SQLModel, table=True):
    code_hash: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=120)
    organisation: str = Field(max_length=200)
    departments: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=_now)
    used_at: datetime | None = None


class GuidedSession(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    worker_id: int = Field(foreign_key="worker.id", index=True)
    structure_name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=_now)
    handover_code_hash: str | None = Field(default=None, max_length=64, index=True)
    handed_over_at: datetime | None = None

    @property
    def conversation_key(self) -> str:
        return session_key(self.id or 0)


class SessionNote(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="guidedsession.id", index=True)
    text: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=_now)


class WorkerFocus(SQLModel, table=True):
    """Which of their sessions a worker is currently answering for."""

    worker_id: int = Field(primary_key=True, foreign_key="worker.id")
    session_id: int | None = Field(default=None, foreign_key="guidedsession.id")


class RequestStatus(StrEnum):
    WAITING = "waiting"
    TAKEN = "taken"


class ContactRequest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    requester_key: str = Field(max_length=100, index=True)  # e.g. telegram:<user id>
    department: str = Field(max_length=3, index=True)
    method: str = Field(max_length=20)
    contact: str | None = Field(default=None, max_length=200)  # phone or e-mail, if chosen
    shared_answers: str | None = None  # JSON snapshot, only with consent
    status: str = Field(default=RequestStatus.WAITING, max_length=20, index=True)
    worker_id: int | None = Field(default=None, foreign_key="worker.id")
    created_at: datetime = Field(default_factory=_now)
    taken_at: datetime | None = None
    flagged_at: datetime | None = None

    def answers(self) -> dict[str, Any]:
        return dict(json.loads(self.shared_answers)) if self.shared_answers else {}
