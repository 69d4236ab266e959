"""Builds the written summary of a guided session from what storage holds."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

from bot.core.dialogue import DialogueState
from bot.core.results import build_report
from bot.knowledge import Knowledge
from bot.storage.models import GuidedSession
from bot.storage.store import Store
from bot.support.guided import notes_of
from bot.support.summary import Note, Summary


class SummaryNotFound(LookupError):
    pass


def session_summary(engine: Engine, knowledge: Knowledge, session_id: int, as_of: date) -> Summary:
    with Session(engine) as db:
        guided = db.get(GuidedSession, session_id)
    if guided is None:
        raise SummaryNotFound(f"aucune session n° {session_id}")
    data = Store(engine).load(guided.conversation_key) or {}
    state = DialogueState.from_json(data, knowledge.dialogue.questions)
    report = build_report(knowledge.catalogue, state.answers, as_of)
    notes = [Note(n.text, n.created_at) for n in notes_of(engine, session_id)]
    return Summary(
        f"Synthèse — {guided.structure_name}",
        report,
        knowledge.dialogue.questions,
        state.answers,
        notes,
    )
