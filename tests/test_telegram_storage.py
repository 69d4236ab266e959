"""What the Telegram bot keeps in the database, on SQLite and PostgreSQL 15, and one whole
conversation with a restart and a redelivered update on each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
import pytest_asyncio
from sqlmodel import Session

from bot.channels.telegram.handlers import chat_key
from bot.core.dialogue import DialogueState
from bot.knowledge import Knowledge
from bot.storage.models import ProcessedUpdate
from bot.storage.store import Store, View
from tests.support.botapi import FakeBotApi
from tests.support.telegram import BotHarness, Person

KEY = chat_key(5_000_000_001)  # beyond 32 bits, as real Telegram ids are
OTHER = chat_key(7)


@pytest.fixture
def store(database_url: str) -> Store:
    return Store.from_url(database_url)


def test_a_turn_is_saved_before_and_finished_after_the_reply(store: Store) -> None:
    turn = store.open_turn(KEY, 10)
    assert turn.state is None and turn.view == View() and not turn.seen
    store.save_turn(KEY, "diagnostic", {"answers": {"employees": 3}, "revision": 1}, 10)
    saved = store.open_turn(KEY, 10)
    assert saved.seen and saved.state == {"answers": {"employees": 3}, "revision": 1}
    assert saved.view.pending_update_id == 10
    assert store.pending_replies("telegram:") == [KEY]  # the process died here: to resume
    store.finish_turn(KEY, 10, View(4_000_000_000, "department"), record=False)
    done = store.open_turn(KEY, 11)
    assert done.view == View(4_000_000_000, "department", None) and not done.seen
    assert store.pending_replies("telegram:") == []
    store.mark_processed(KEY, 11)
    store.mark_processed(KEY, 11)  # twice is harmless
    store.finish_turn(KEY, 12, View(), record=True)
    assert store.open_turn(KEY, 11).seen and store.open_turn(KEY, 12).seen
    assert store.load(KEY) == {"answers": {"employees": 3}, "revision": 1}  # the old API


def test_forget_purge_and_reminders(store: Store) -> None:
    for key, update_id in ((KEY, 1), (OTHER, 2)):
        store.save_turn(key, "diagnostic", {"revision": 0}, update_id)
        store.finish_turn(key, update_id, View(3, "legal_form"), record=False)
    due = datetime(2021, 7, 24, 7, 0, tzinfo=UTC)
    reminder = store.add_reminder(KEY, "urgencess-2021", date(2021, 7, 31), due)
    assert reminder is not None and reminder.id is not None
    assert store.add_reminder(KEY, "urgencess-2021", date(2021, 7, 31), due) is None
    [stored] = store.reminders(KEY)
    assert stored.due_at.replace(tzinfo=UTC) == due and store.reminder(reminder.id) is not None

    assert store.forget(KEY)
    assert store.open_turn(KEY, 1) == store.open_turn(KEY, 999)  # nothing left, not even ids
    assert store.reminders(KEY) == [] and not store.forget(KEY)
    assert store.load(OTHER) is not None

    later = datetime.now(UTC) + timedelta(days=1)
    assert store.purge("telegram:", inactive_before=later, processed_before=later) >= 2
    assert store.load(OTHER) is None
    with Session(store.engine) as session:
        assert session.get(ProcessedUpdate, 2) is None


@pytest_asyncio.fixture
async def harness(database_url: str, knowledge: Knowledge) -> AsyncIterator[BotHarness]:
    async with FakeBotApi() as api:
        async with BotHarness(api, database_url, knowledge, date(2021, 3, 15)) as bot:
            yield bot


@pytest.mark.asyncio
async def test_a_conversation_survives_a_restart_and_a_redelivery(harness: BotHarness) -> None:
    user = Person(harness.api, 42, harness.knowledge.dialogue.questions, harness.idle)
    await user.say("/start")
    await user.tap("Association")
    typed = harness.api.push_text(42, "Somme")
    await harness.idle()
    await harness.restart()
    harness.api.push_raw(harness.api.pushed_update(typed))
    await harness.idle()
    question = user.question()
    assert question is not None
    await user.answer(question, 2, by="buttons")
    data = harness.store().load(chat_key(42))
    assert data is not None
    answers = DialogueState.from_json(data, harness.knowledge.dialogue.questions).answers
    assert answers == {"legal_form": "association", "department": "80", question.id: 2}
