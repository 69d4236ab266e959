"""Never lose, never corrupt: restarts, stale and repeated buttons, duplicate updates, Bot API
errors, many users at once, erasure, reminders and webhooks, end to end through PTB."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlmodel import Session, select
from telegram.constants import FloodLimit

from bot.channels.telegram import messages
from bot.channels.telegram.app import Webhook, build_application, running
from bot.channels.telegram.handlers import chat_key
from bot.channels.telegram.network import ResilientRateLimiter
from bot.channels.telegram.processor import PerChatUpdateProcessor
from bot.channels.telegram.reminders import JOB_PREFIX, PARIS
from bot.core.dialogue import STALE_BUTTON
from bot.core.results import build_report
from bot.core.vocabulary import AnswerValue
from bot.knowledge import Knowledge
from bot.settings import Settings
from bot.storage.models import ChatView, Conversation, ProcessedUpdate, Reminder
from bot.storage.store import Store
from tests.support.botapi import FakeBotApi
from tests.support.profiles import EMPLOYER_2021
from tests.support.telegram import TOKEN, BotHarness, Clock, Person

COVID = date(2021, 3, 15)
USER = 42
REMIND = "⏰ Me rappeler avant la date limite"
FIRST_THREE = {"legal_form": "association", "department": "59", "employees": 3}


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest_asyncio.fixture
async def harness(
    api: FakeBotApi, tmp_path: Path, knowledge: Knowledge
) -> AsyncIterator[BotHarness]:
    clock = Clock(datetime(2021, 3, 15, 12, 0, tzinfo=UTC))
    async with BotHarness(api, f"sqlite:///{tmp_path / 'bot.db'}", knowledge, COVID, clock) as bot:
        yield bot


def person(harness: BotHarness, user_id: int = USER) -> Person:
    return harness.person(user_id)


def answers_of(harness: BotHarness, user_id: int = USER) -> dict[str, AnswerValue]:
    return harness.answers(chat_key(user_id))


async def answer_first_three(user: Person) -> None:
    await user.say("/start")
    for _ in range(3):
        question = user.question()
        assert question is not None
        await user.answer(question, FIRST_THREE[question.id], by="buttons")


# -- restarts ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_restart_mid_conversation_goes_on_where_it_was(harness: BotHarness) -> None:
    user = person(harness)
    await answer_first_three(user)
    live = user.live()
    question = user.question()
    assert live is not None and question is not None

    await harness.stop()
    # While the bot is down, the person taps an answer on the question shown.
    assert question.type == "yesno"
    data = live.button_data[live.button_texts.index("Oui")]
    assert live.message_id is not None
    harness.api.push_callback(USER, live.message_id, data)
    await harness.start()
    await harness.idle()

    assert answers_of(harness) == {**FIRST_THREE, question.id: True}
    await user.converse(EMPLOYER_2021, by="buttons")
    answers = answers_of(harness)
    report = build_report(harness.knowledge.catalogue, answers, COVID)
    assert user.results()["✅"] == [r.verdict.aid.name for r in report.eligible]


# -- stale and repeated buttons ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_double_tap_answers_once(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    live = user.live()
    assert live is not None and live.message_id is not None
    association = live.button_data[live.button_texts.index("Association")]
    fondation = live.button_data[live.button_texts.index("Fondation")]
    harness.api.push_callback(USER, live.message_id, association)
    harness.api.push_callback(USER, live.message_id, fondation)  # before the first is handled
    await harness.idle()
    assert answers_of(harness) == {"legal_form": "association"}
    assert user.question() is not None and user.question().id == "department"  # type: ignore[union-attr]
    assert len(harness.api.callback_answers) == 2  # both taps were answered


@pytest.mark.asyncio
async def test_a_button_of_an_old_message_shows_the_current_question(harness: BotHarness) -> None:
    user = person(harness)
    await answer_first_three(user)
    first = user.messages()[1]
    assert first.message_id is not None and first.reply_markup is None
    # An old client still showing the first question's buttons.
    old_data = "c:0:legal_form:fondation"
    harness.api.push_callback(USER, first.message_id, old_data, strict=False)
    await harness.idle()
    assert answers_of(harness) == FIRST_THREE
    assert user.texts()[-1].startswith(messages.e(STALE_BUTTON))
    assert user.question() is not None and user.question().id not in FIRST_THREE  # type: ignore[union-attr]
    # Only one message carries buttons: the question shown again.
    assert len([m for m in user.messages() if m.button_texts]) == 1


@pytest.mark.asyncio
async def test_after_the_results_a_stale_tap_repeats_them_briefly(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    await user.converse(EMPLOYER_2021, by="buttons", refine=False)
    first = user.messages()[1]
    assert first.message_id is not None
    before = user.delivered()
    harness.api.push_callback(USER, first.message_id, "c:0:legal_form:fondation", strict=False)
    await harness.idle()
    assert user.delivered() == before + 1  # one short message, not the whole results again
    brief = user.messages()[-1]
    assert brief.text is not None and brief.text.startswith(messages.e(STALE_BUTTON))
    assert "Vos résultats" in brief.text and "/resultats" in brief.text
    assert "🔄 Recommencer" in brief.button_texts
    await user.say("/resultats")  # asked for: in full
    assert user.delivered() > before + 2 and "Que faire" not in user.texts()[-1]


@pytest.mark.asyncio
async def test_a_stale_validate_or_toggle_does_not_corrupt_the_choices(
    harness: BotHarness,
) -> None:
    user = person(harness)
    await user.say("/start")
    profile = {**FIRST_THREE, "has_siret": True}
    while (question := user.question()) is not None and question.type != "multi":
        await user.answer(question, profile.get(question.id), by="buttons")
    assert question is not None
    before = user.live()
    assert before is not None and before.message_id is not None
    stale_none = before.button_data[before.button_texts.index("Aucun")]
    stale_first = before.button_data[0]
    await user.tap(question.choices[1].label)  # ticks the second choice
    for stale in (stale_none, stale_first):  # old « Aucun » and an old toggle
        harness.api.push_callback(USER, before.message_id, stale, strict=False)
        await harness.idle()
    assert question.id not in answers_of(harness)
    live = user.live()
    assert live is not None and live.message_id == before.message_id
    assert f"✓ {question.choices[1].label}" in live.button_texts
    assert not any(t == f"✓ {question.choices[0].label}" for t in live.button_texts)
    await user.tap("Valider")
    assert answers_of(harness)[question.id] == (question.choices[1].value,)


@pytest.mark.asyncio
async def test_old_restart_and_refine_buttons_are_refused(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    await user.converse(EMPLOYER_2021, by="buttons", refine=False)
    results = user.live()
    assert results is not None and "🔄 Recommencer" in results.button_texts
    offer = next(m for m in user.messages() if m.text and "✓ Non, voir le résultat" in m.text)
    await user.tap("🔄 Recommencer", results)
    await user.tap("Association")
    # The same (old) results message: its restart button is stale now.
    await user.tap("🔄 Recommencer", results)
    assert answers_of(harness) == {"legal_form": "association"}
    assert user.texts()[-1].startswith(messages.e(STALE_BUTTON))
    assert user.question() is not None and user.question().id == "department"  # type: ignore[union-attr]
    assert offer.message_id is not None
    harness.api.push_callback(USER, offer.message_id, "r:0:1", strict=False)
    await harness.idle()
    assert answers_of(harness) == {"legal_form": "association"}


# -- duplicate updates ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_same_update_delivered_twice_is_processed_once(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    await user.tap("Association")
    typed = harness.api.push_text(USER, "59")
    await harness.idle()
    live = user.live()
    assert live is not None and live.message_id is not None
    tapped = harness.api.push_callback(USER, live.message_id, live.button_data[0])
    await harness.idle()
    help_id = harness.api.push_text(USER, "/aide")
    await harness.idle()
    answers, sent = answers_of(harness), len(harness.api.sent)

    for update_id in (typed, tapped, help_id):
        harness.api.push_raw(harness.api.pushed_update(update_id))
    await harness.idle()
    assert answers_of(harness) == answers
    assert len(harness.api.sent) == sent  # nothing said twice


# -- Bot API errors --------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_is_waited_out_and_retried(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    harness.api.fail_next("sendMessage", 429, retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await user.tap("Association")
    assert loop.time() - started >= 1
    assert [c.status for c in harness.api.calls_of("sendMessage")][-2:] == [429, 200]
    assert user.question() is not None and user.question().id == "department"  # type: ignore[union-attr]
    assert answers_of(harness) == {"legal_form": "association"}


@pytest.mark.asyncio
async def test_502_is_retried_and_logged_without_personal_data(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = person(harness)
    await user.say("/start")
    harness.api.fail_next("sendMessage", 502, times=2)
    harness.api.fail_next("editMessageText", 502)
    with caplog.at_level(logging.DEBUG, logger="bot"):
        await user.say("Association loi 1901")
    assert [c.status for c in harness.api.calls_of("sendMessage")][-3:] == [502, 502, 200]
    assert user.question() is not None and user.question().id == "department"  # type: ignore[union-attr]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "sendMessage" in logged and "NetworkError" in logged
    for secret in ("Association loi 1901", "département", str(USER), TOKEN):
        assert secret not in logged


@pytest.mark.asyncio
async def test_a_bot_api_server_without_edit_message_reply_markup(harness: BotHarness) -> None:
    user = person(harness)
    await answer_first_three(user)
    harness.api.fail_next("editMessageReplyMarkup", 404, times=50)
    await user.say("/retour")  # the question left behind would lose its buttons
    await user.say("4")
    assert answers_of(harness)["employees"] == 4
    assert user.question() is not None and user.question().id not in FIRST_THREE  # type: ignore[union-attr]
    assert messages.e(messages.APOLOGY) not in user.texts()
    assert [c.status for c in harness.api.calls_of("editMessageReplyMarkup")][:1] == [404]


@pytest.mark.asyncio
async def test_an_unexpected_error_gets_an_apology_and_the_chat_stays_usable(
    harness: BotHarness,
) -> None:
    user = person(harness)
    await answer_first_three(user)
    # A stored state the engine cannot work with (as after a bad manual edit).
    key = chat_key(USER)
    with Session(harness.store().engine) as session:
        row = session.get(Conversation, key)
        assert row is not None
        state = json.loads(row.state)
        state["answers"]["employees"] = "beaucoup"
        row.state = json.dumps(state)
        session.add(row)
        session.commit()
    await user.say("oui")
    assert user.texts()[-1] == messages.e(messages.APOLOGY)
    await user.say("/recommencer")
    assert user.question() is not None and user.question().id == "legal_form"  # type: ignore[union-attr]
    await user.tap("Mutuelle")
    assert answers_of(harness) == {"legal_form": "mutuelle"}


@pytest.mark.asyncio
async def test_an_unreadable_state_starts_again_with_a_notice(harness: BotHarness) -> None:
    user = person(harness)
    await answer_first_three(user)
    with Session(harness.store().engine) as session:
        row = session.get(Conversation, chat_key(USER))
        assert row is not None
        row.state = json.dumps({"phase": "nowhere"})
        session.add(row)
        session.commit()
    await user.say("oui")
    assert messages.STATE_UNREADABLE in user.texts()[-2]
    assert user.question() is not None and user.question().id == "legal_form"  # type: ignore[union-attr]


# -- many users --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_fifty_users_at_once_without_cross_talk(harness: BotHarness) -> None:
    departments = ["02", "59", "60", "62", "80"]
    people = [person(harness, 1000 + i) for i in range(50)]
    profiles = [
        {
            **EMPLOYER_2021,
            "department": departments[i % 5],
            "employees": i % 12,
            "legal_form": "association" if i % 2 else "cooperative",
        }
        for i in range(50)
    ]
    for p in people:
        harness.api.push_text(p.user_id, "/start")
    await harness.idle()
    await asyncio.gather(
        *(
            p.converse(profile, by="buttons" if i % 2 else "text", refine=i % 3 != 0)
            for i, (p, profile) in enumerate(zip(people, profiles, strict=True))
        )
    )
    for p, profile in zip(people, profiles, strict=True):
        answers = answers_of(harness, p.user_id)
        assert answers == {qid: profile.get(qid) for qid in p.asked}
        report = build_report(harness.knowledge.catalogue, answers, COVID)
        assert p.results().get("✅", []) == [r.verdict.aid.name for r in report.eligible]
        # Each chat reads in order: questions numbered 1, 2, 3…
        numbers = [int(t.split(".")[0].split()[-1]) for t in p.texts() if "Question " in t[:15]]
        assert numbers == sorted(numbers) and numbers[0] == 1


# -- /oublier ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_forget_erases_everything_about_the_user(harness: BotHarness) -> None:
    other = person(harness, 7)
    await other.say("/start")
    user = person(harness)
    await user.say("/start")
    await user.converse(EMPLOYER_2021, by="buttons", refine=False)
    results = user.live()
    assert results is not None
    await user.tap("📋 Fonds UrgencESS", results)
    await user.tap("⏰ Me rappeler avant la date limite")
    assert harness.app is not None and harness.app.job_queue is not None
    assert [j.name for j in harness.app.job_queue.jobs() if j.name.startswith(JOB_PREFIX)]

    await user.say("/oublier")
    assert user.texts()[-1] == messages.e(messages.FORGET_ASK)
    await user.tap("Oui, tout effacer")
    assert user.texts()[-1] == messages.e(messages.FORGOTTEN)

    key = chat_key(USER)
    with Session(harness.store().engine) as session:
        for table in (Conversation, ChatView, ProcessedUpdate, Reminder):
            assert session.exec(select(table).where(table.key == key)).all() == []  # type: ignore[attr-defined]
        assert session.get(Conversation, chat_key(7)) is not None  # others are kept
    assert not [j for j in harness.app.job_queue.jobs() if j.name.startswith(JOB_PREFIX)]
    await user.say("/oublier")
    assert user.texts()[-1] == messages.e(messages.NOTHING_TO_FORGET)
    await user.say("/start")
    assert user.question() is not None and user.question().id == "legal_form"  # type: ignore[union-attr]


# -- reminders ---------------------------------------------------------------------------------


async def ask_for_a_reminder(harness: BotHarness, user: Person) -> Reminder:
    await user.say("/start")
    await user.converse(EMPLOYER_2021, by="buttons", refine=False)
    results = user.live()
    assert results is not None
    await user.tap("📋 Fonds UrgencESS", results)
    await user.tap("⏰ Me rappeler avant la date limite")
    [reminder] = harness.store().reminders(chat_key(USER))
    return reminder


@pytest.mark.asyncio
async def test_a_reminder_is_stored_scheduled_and_survives_a_restart(harness: BotHarness) -> None:
    user = person(harness)
    reminder = await ask_for_a_reminder(harness, user)
    assert reminder.aid_id == "urgencess-2021" and reminder.deadline == date(2021, 7, 31)
    due = datetime(2021, 7, 24, 9, 0, tzinfo=PARIS)
    assert reminder.due_at.replace(tzinfo=UTC) == due
    assert user.texts()[-1] == messages.e(messages.reminder_set(due.date(), reminder.deadline))
    await user.tap("⏰ Me rappeler avant la date limite", user.messages()[-2])
    assert user.texts()[-1] == messages.e(messages.reminder_exists(due.date()))

    harness.clock.now = due - timedelta(seconds=0.5)
    await harness.restart()
    await harness.api.wait_for(lambda: "Rappel AidESS" in user.texts()[-1], timeout=5)
    assert "31 juillet 2021" in user.texts()[-1]
    assert user.live() is not None and user.live().button_texts == ["📋 Voir quoi faire"]  # type: ignore[union-attr]
    await harness.api.wait_for(lambda: not harness.store().reminders(), what="reminder deleted")


@pytest.mark.asyncio
async def test_a_missed_reminder_is_sent_once_or_dropped_after_the_deadline(
    harness: BotHarness,
) -> None:
    user = person(harness)
    reminder = await ask_for_a_reminder(harness, user)
    await harness.stop()
    # The bot was down when the reminder was due; the deadline is still ahead.
    harness.clock.now = datetime(2021, 7, 28, 8, 0, tzinfo=UTC)
    await harness.start()
    await harness.api.wait_for(lambda: "Rappel AidESS" in user.texts()[-1], timeout=5)
    await harness.api.wait_for(lambda: not harness.store().reminders(), what="deleted")
    sent = len(harness.api.sent)
    await harness.restart()
    await asyncio.sleep(0.2)
    assert len(harness.api.sent) == sent  # sent once

    # Another reminder, and the bot stays down past the deadline: dropped silently.
    harness.clock.now = datetime(2021, 3, 15, 12, 0, tzinfo=UTC)
    await user.tap(REMIND, next(m for m in user.messages() if REMIND in m.button_texts))
    assert len(harness.store().reminders()) == 1 and reminder.deadline == date(2021, 7, 31)
    await harness.stop()
    harness.clock.now = datetime(2021, 8, 2, 8, 0, tzinfo=UTC)
    await harness.start()
    await asyncio.sleep(0.2)
    assert harness.store().reminders() == []
    assert "Rappel AidESS" not in user.texts()[-1]


# -- webhook -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.asyncio
async def test_webhook_mode_checks_the_secret_token(
    api: FakeBotApi, tmp_path: Path, knowledge: Knowledge
) -> None:
    port = free_port()
    harness = BotHarness(api, f"sqlite:///{tmp_path / 'hook.db'}", knowledge, COVID)
    store = harness.store()
    app = build_application(
        harness.settings(), knowledge, store, as_of=COVID, rate_limiter=ResilientRateLimiter()
    )
    mode = Webhook(f"http://127.0.0.1:{port}/aidess/hook", "127.0.0.1", port, "s3cret_token")
    async with running(app, mode):
        assert api.webhook_url == mode.url
        update_id = api.push_text(USER, "/start")  # used only as a well-formed update
        update = api.pushed_update(update_id)
        url = f"http://127.0.0.1:{port}/aidess/hook"
        async with httpx.AsyncClient() as client:
            refused = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            )
            accepted = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret_token"}
            )
        assert refused.status_code == 403 and accepted.status_code == 200
        replies = await api.wait_sent(USER, 2)
        assert "Bonjour" in (replies[0].text or "") and "Question 1." in (replies[1].text or "")
    store.engine.dispose()


def test_default_rate_limiter_keeps_to_telegram_flood_limits(knowledge: Knowledge) -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    app = build_application(settings, knowledge, Store.from_url("sqlite://"))
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, ResilientRateLimiter)
    assert limiter._base_limiter is not None  # PTB's AIORateLimiter, with Telegram's limits
    assert limiter._base_limiter.max_rate == FloodLimit.MESSAGES_PER_SECOND
    assert isinstance(app.update_processor, PerChatUpdateProcessor)


@pytest.mark.asyncio
async def test_a_bot_api_without_command_menu_still_serves(
    api: FakeBotApi, tmp_path: Path, knowledge: Knowledge
) -> None:
    """Another Bot API server may not implement setMyCommands: the diagnostic still works."""
    api.fail_next("setMyCommands", 404)
    async with BotHarness(api, f"sqlite:///{tmp_path / 'bot.db'}", knowledge, COVID) as bot:
        user = bot.person(USER)
        await user.say("/start")
        assert user.question() is not None and user.question().id == "legal_form"  # type: ignore[union-attr]
