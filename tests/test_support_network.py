"""Workers, guided sessions, call-back requests, summaries and statistics, on real databases
(SQLite and PostgreSQL 15)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.knowledge import Knowledge
from bot.storage.store import Store, make_engine
from bot.support.contact_requests import (
    ContactMethod,
    RequestError,
    create_request,
    overdue_requests,
    queue_for,
    take_request,
)
from bot.support.guided import (
    SessionError,
    add_note,
    create_handover,
    focused_session,
    get_session,
    redeem_handover,
    sessions_of,
    start_session,
)
from bot.support.session_summary import session_summary
from bot.support.stats import compute_stats, render_stats
from bot.support.workers import (
    WorkerError,
    add_worker,
    invite_worker,
    redeem_invitation,
    worker_for,
)

ANSWERS_STATE = {
    "answers": {
        "legal_form": "association",
        "department": "59",
        "employees": 2,
        "needs": ["emploi"],
    },
    "order": ["legal_form", "department", "employees", "needs"],
    "phase": "results",
}


@pytest.fixture
def engine(database_url: str) -> Engine:
    return make_engine(database_url)


def test_invitation_code_is_single_use(engine: Engine) -> None:
    code = invite_worker(engine, "Claire", "DLA du Nord", ["59", "Pas-de-Calais"])
    worker = redeem_invitation(engine, code.lower().replace("-", " "), telegram_id=1001)
    assert worker.department_codes() == ["59", "62"]
    assert worker_for(engine, 1001) is not None
    with pytest.raises(WorkerError, match="déjà servi"):
        redeem_invitation(engine, code, telegram_id=1002)
    assert worker_for(engine, 1002) is None


def test_unknown_department_is_refused(engine: Engine) -> None:
    with pytest.raises(WorkerError, match="Narnia"):
        add_worker(engine, "X", "Y", ["Narnia"])


def test_a_worker_sees_only_their_own_sessions(engine: Engine) -> None:
    claire = add_worker(engine, "Claire", "DLA", ["59"], telegram_id=1)
    paul = add_worker(engine, "Paul", "CRESS", ["80"], telegram_id=2)
    assert claire.id is not None and paul.id is not None
    mine = start_session(engine, claire.id, "Les Amis du Quartier")
    assert [s.structure_name for s in sessions_of(engine, claire.id)] == ["Les Amis du Quartier"]
    assert sessions_of(engine, paul.id) == []
    assert mine.id is not None
    with pytest.raises(SessionError):
        get_session(engine, paul.id, mine.id)
    with pytest.raises(SessionError):
        add_note(engine, paul.id, mine.id, "indiscret")


def test_handover_copies_the_conversation_once(engine: Engine, knowledge: Knowledge) -> None:
    worker = add_worker(engine, "Claire", "DLA", ["59"], telegram_id=1)
    assert worker.id is not None
    guided = start_session(engine, worker.id, "Les Amis")
    assert guided.id is not None
    store = Store(engine)
    store.save(guided.conversation_key, "diagnostic", ANSWERS_STATE)
    code = create_handover(engine, worker.id, guided.id)
    redeem_handover(engine, code, "telegram:555")
    assert store.load("telegram:555") == ANSWERS_STATE
    assert focused_session(engine, worker.id) is None  # the worker no longer answers for it
    stats = compute_stats(engine, knowledge, date(2026, 11, 26))
    assert stats.finished == 1  # the member's copy, not the session's as well
    with pytest.raises(SessionError, match="déjà servi"):
        redeem_handover(engine, code, "telegram:666")
    assert store.load("telegram:666") is None


def test_requests_reach_only_workers_of_the_department(engine: Engine) -> None:
    nord = add_worker(engine, "Claire", "DLA du Nord", ["59"], telegram_id=1)
    somme = add_worker(engine, "Paul", "DLA de la Somme", ["80"], telegram_id=2)
    request = create_request(
        engine,
        "telegram:9",
        "59",
        ContactMethod.PHONE,
        "06 00 00 00 00",
        {"legal_form": "association"},
    )
    assert [r.id for r in queue_for(engine, nord)] == [request.id]
    assert queue_for(engine, somme) == []
    assert request.id is not None
    with pytest.raises(RequestError):
        take_request(engine, somme, request.id)
    taken = take_request(engine, nord, request.id)
    assert taken.worker_id == nord.id and taken.status == "taken"
    assert queue_for(engine, nord) == []


def test_a_request_cannot_be_taken_twice(engine: Engine) -> None:
    first = add_worker(engine, "A", "DLA", ["59"], telegram_id=1)
    second = add_worker(engine, "B", "CRESS", ["59"], telegram_id=2)
    request = create_request(engine, "telegram:9", "59", ContactMethod.TELEGRAM, None, None)
    assert request.id is not None
    take_request(engine, first, request.id)
    with pytest.raises(RequestError, match="déjà été prise"):
        take_request(engine, second, request.id)


def test_phone_request_needs_a_number(engine: Engine) -> None:
    with pytest.raises(RequestError):
        create_request(engine, "telegram:9", "59", ContactMethod.PHONE, "  ", None)


def test_overdue_requests_are_found_once(engine: Engine) -> None:
    create_request(engine, "telegram:9", "59", ContactMethod.TELEGRAM, None, None)
    later = datetime.now(UTC) + timedelta(hours=49)
    assert len(overdue_requests(engine, timedelta(hours=48), now=later)) == 1
    assert overdue_requests(engine, timedelta(hours=48)) == []


def test_session_summary_holds_answers_results_notes(engine: Engine, knowledge: Knowledge) -> None:
    worker = add_worker(engine, "Claire", "DLA", ["59"], telegram_id=1)
    assert worker.id is not None
    guided = start_session(engine, worker.id, "Les Amis du Quartier")
    assert guided.id is not None
    Store(engine).save(guided.conversation_key, "diagnostic", ANSWERS_STATE)
    add_note(engine, worker.id, guided.id, "Trésorier à rappeler mardi")
    summary = session_summary(engine, knowledge, guided.id, date(2026, 11, 26))
    text = summary.to_markdown()
    assert "Les Amis du Quartier" in text
    assert "Nombre de salariés : 2 salariés" in text
    assert "Trésorier à rappeler mardi" in text
    assert "Activité partielle" in text and "Que faire" in text
    pdf = summary.to_pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


def test_stats_count_without_personal_data(engine: Engine, knowledge: Knowledge) -> None:
    store = Store(engine)
    store.save("telegram:123456789", "diagnostic", ANSWERS_STATE)
    store.save(
        "telegram:987654321",
        "diagnostic",
        {
            "answers": {"legal_form": "association"},
            "order": ["legal_form"],
            "phase": "asking",
            "current": "department",
        },
    )
    create_request(
        engine, "telegram:123456789", "59", ContactMethod.EMAIL, "tresorier@example.org", None
    )
    stats = compute_stats(engine, knowledge, date(2026, 11, 26))
    assert (stats.started, stats.finished, stats.requests_waiting) == (2, 1, 1)
    assert stats.stopped_at["department"] == 1
    assert stats.eligible["activite-partielle"] == 1
    text = render_stats(stats, knowledge)
    for private in ("123456789", "987654321", "tresorier@example.org"):
        assert private not in text
    assert "Créer ou garder un emploi : < 3" in text  # small counts are not shown exactly
