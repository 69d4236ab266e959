"""Anonymised figures for coordinators. Only counts: no id, name or answer of anyone."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.dialogue import DialogueState, Phase
from bot.core.rules import Status, statuses
from bot.knowledge import Knowledge
from bot.storage.models import (
    ContactRequest,
    Conversation,
    GuidedSession,
    RequestStatus,
    session_key,
)

# Counts below this are shown as "< 3" so that a small département cannot single anyone out.
MIN_COUNT = 3


@dataclass
class Stats:
    started: int = 0
    finished: int = 0
    stopped_at: Counter[str] = field(default_factory=Counter)  # question id -> count
    needs_by_department: Counter[tuple[str, str]] = field(default_factory=Counter)
    needs_by_sector: Counter[tuple[str, str]] = field(default_factory=Counter)
    eligible: Counter[str] = field(default_factory=Counter)  # aid id -> finished diagnostics
    requests_waiting: int = 0
    requests_taken: int = 0


def compute_stats(engine: Engine, knowledge: Knowledge, as_of: date) -> Stats:
    stats = Stats()
    questions = knowledge.dialogue.questions
    with Session(engine) as db:
        # A handed-over session lives on in the member's own conversation: count it once.
        handed_over = {
            session_key(session_id)
            for session_id in db.exec(
                select(GuidedSession.id).where(GuidedSession.handed_over_at != None)  # noqa: E711
            )
            if session_id is not None
        }
        rows = db.exec(select(Conversation.key, Conversation.state)).all()
        conversations = [state for key, state in rows if key not in handed_over]
        requests = db.exec(select(ContactRequest.status)).all()
    for raw in conversations:
        state = DialogueState.from_json(json.loads(raw), questions)
        if not state.answers:
            continue
        stats.started += 1
        if state.phase is Phase.ASKING:
            if state.current:
                stats.stopped_at[state.current] += 1
            continue
        stats.finished += 1
        needs = state.answers.get("needs") or ()
        assert isinstance(needs, tuple)
        department, sector = state.answers.get("department"), state.answers.get("sector")
        for need in needs:
            if isinstance(department, str):
                stats.needs_by_department[(department, need)] += 1
            if isinstance(sector, str):
                stats.needs_by_sector[(sector, need)] += 1
        for aid_id, status in statuses(knowledge.catalogue, state.answers, as_of).items():
            if status is Status.ELIGIBLE:
                stats.eligible[aid_id] += 1
    stats.requests_waiting = sum(1 for s in requests if s == RequestStatus.WAITING)
    stats.requests_taken = sum(1 for s in requests if s == RequestStatus.TAKEN)
    return stats


def _count(n: int) -> str:
    return f"< {MIN_COUNT}" if 0 < n < MIN_COUNT else str(n)


def render_stats(stats: Stats, knowledge: Knowledge) -> str:
    questions = knowledge.dialogue.questions
    names = {a.id: a.name for a in knowledge.catalogue.aids}
    label = {q: questions[q].label for q in questions}
    needs_q = questions.get("needs")
    need_label = needs_q.choice_label if needs_q else str
    sector_q = questions.get("sector")
    sector_label = sector_q.choice_label if sector_q else str
    lines = [
        "Statistiques AidESS (anonymes)",
        f"Diagnostics commencés : {stats.started}",
        f"Diagnostics terminés : {stats.finished}",
        f"Demandes de rappel en attente : {stats.requests_waiting}",
        f"Demandes de rappel prises en charge : {stats.requests_taken}",
        "",
        "Où les personnes s'arrêtent (question en cours) :",
    ]
    lines += [f"  {label.get(q, q)} : {_count(n)}" for q, n in stats.stopped_at.most_common()] or [
        "  aucun diagnostic en cours"
    ]
    lines += ["", "Besoins par département :"]
    lines += [
        f"  {d} – {need_label(n)} : {_count(c)}"
        for (d, n), c in sorted(stats.needs_by_department.items())
    ] or ["  aucun"]
    lines += ["", "Besoins par secteur :"]
    lines += [
        f"  {sector_label(s)} – {need_label(n)} : {_count(c)}"
        for (s, n), c in sorted(stats.needs_by_sector.items())
    ] or ["  aucun"]
    lines += ["", "Aides le plus souvent accessibles :"]
    lines += [f"  {names.get(a, a)} : {_count(c)}" for a, c in stats.eligible.most_common(10)] or [
        "  aucune"
    ]
    return "\n".join(lines)
