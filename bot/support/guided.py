"""Guided sessions: a support worker runs the diagnostic with a member structure.

The session's dialogue state is an ordinary conversation stored under ``session:<id>``;
this module keeps who runs it, its notes, and the one-time code to hand it over.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.storage.models import (
    Conversation,
    GuidedSession,
    SessionNote,
    Worker,
    WorkerFocus,
)
from bot.support.codes import hash_code, new_code


def _now() -> datetime:
    return datetime.now(UTC)


class SessionError(ValueError):
    """A French message for the person who made the request."""


def start_session(engine: Engine, worker_id: int, structure_name: str) -> GuidedSession:
    name = " ".join(structure_name.split())
    if not name:
        raise SessionError(
            "indiquez le nom de la structure, par exemple : /nouvelle_session Les Amis du Quartier"
        )
    with Session(engine) as db:
        guided = GuidedSession(worker_id=worker_id, structure_name=name[:200])
        db.add(guided)
        db.commit()
        db.refresh(guided)
        _focus(db, worker_id, guided.id)
        db.commit()
        db.refresh(guided)
        return guided


def sessions_of(engine: Engine, worker_id: int) -> list[GuidedSession]:
    with Session(engine) as db:
        query = select(GuidedSession).where(GuidedSession.worker_id == worker_id)
        return list(db.exec(query.order_by(GuidedSession.id)))  # type: ignore[arg-type]


def get_session(engine: Engine, worker_id: int, session_id: int) -> GuidedSession:
    """The worker's own session; another worker's session is treated as not found."""
    with Session(engine) as db:
        guided = db.get(GuidedSession, session_id)
        if guided is None or guided.worker_id != worker_id:
            raise SessionError("cette session n'existe pas ou ne vous appartient pas")
        return guided


def focus(engine: Engine, worker_id: int, session_id: int | None) -> None:
    with Session(engine) as db:
        if session_id is not None:
            guided = db.get(GuidedSession, session_id)
            if guided is None or guided.worker_id != worker_id:
                raise SessionError("cette session n'existe pas ou ne vous appartient pas")
        _focus(db, worker_id, session_id)
        db.commit()


def focused_session(engine: Engine, worker_id: int) -> GuidedSession | None:
    with Session(engine) as db:
        row = db.get(WorkerFocus, worker_id)
        if row is None or row.session_id is None:
            return None
        return db.get(GuidedSession, row.session_id)


def focus_of_user(engine: Engine, telegram_id: int) -> GuidedSession | None:
    """The session a Telegram user is answering for, if they are a worker with one open
    (one query: it runs for every update of every user)."""
    query = (
        select(GuidedSession)
        .join(WorkerFocus, WorkerFocus.session_id == GuidedSession.id)  # type: ignore[arg-type]
        .join(Worker, Worker.id == WorkerFocus.worker_id)  # type: ignore[arg-type]
        .where(Worker.telegram_id == telegram_id)
    )
    with Session(engine) as db:
        return db.exec(query).first()


def with_owner(engine: Engine, session_id: int) -> tuple[GuidedSession, Worker] | None:
    """A session and the worker who runs it (whose chat shows it)."""
    with Session(engine) as db:
        guided = db.get(GuidedSession, session_id)
        worker = None if guided is None else db.get(Worker, guided.worker_id)
        return None if guided is None or worker is None else (guided, worker)


def add_note(engine: Engine, worker_id: int, session_id: int, text: str) -> SessionNote:
    get_session(engine, worker_id, session_id)
    cleaned = text.strip()
    if not cleaned:
        raise SessionError("la note est vide : écrivez par exemple /note Trésorier à rappeler")
    with Session(engine) as db:
        note = SessionNote(session_id=session_id, text=cleaned[:4000])
        db.add(note)
        db.commit()
        db.refresh(note)
        return note


def notes_of(engine: Engine, session_id: int) -> list[SessionNote]:
    with Session(engine) as db:
        query = select(SessionNote).where(SessionNote.session_id == session_id)
        return list(db.exec(query.order_by(SessionNote.id)))  # type: ignore[arg-type]


def create_handover(engine: Engine, worker_id: int, session_id: int) -> str:
    """A one-time code the member sends to the bot to continue the session on their own."""
    get_session(engine, worker_id, session_id)
    code = new_code()
    with Session(engine) as db:
        guided = db.get(GuidedSession, session_id)
        assert guided is not None
        guided.handover_code_hash = hash_code(code)
        db.add(guided)
        db.commit()
    return code


def redeem_handover(engine: Engine, code: str, member_key: str) -> GuidedSession:
    """Copy the session's conversation to the member; the code then stops working."""
    with Session(engine) as db:
        query = select(GuidedSession).where(GuidedSession.handover_code_hash == hash_code(code))
        guided = db.exec(query).first()
        if guided is None:
            raise SessionError("ce code n'est pas valable ou a déjà servi")
        source = db.get(Conversation, guided.conversation_key)
        target = db.get(Conversation, member_key)
        if source is not None:
            if target is None:
                target = Conversation(key=member_key, dialogue=source.dialogue, state=source.state)
            else:
                target.state, target.dialogue, target.updated_at = (
                    source.state,
                    source.dialogue,
                    _now(),
                )
            db.add(target)
        guided.handover_code_hash = None
        guided.handed_over_at = _now()
        db.add(guided)
        # The member now owns the diagnostic: the worker stops answering for it.
        focus_row = db.get(WorkerFocus, guided.worker_id)
        if focus_row is not None and focus_row.session_id == guided.id:
            focus_row.session_id = None
            db.add(focus_row)
        db.commit()
        db.refresh(guided)
        return guided


def _focus(db: Session, worker_id: int, session_id: int | None) -> None:
    row = db.get(WorkerFocus, worker_id) or WorkerFocus(worker_id=worker_id)
    row.session_id = session_id
    db.add(row)
