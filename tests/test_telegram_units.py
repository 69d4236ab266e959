"""The Telegram adapter's pure parts: callback data, message splitting, update ordering."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from telegram import Update

from bot.channels.telegram import keyboards, messages
from bot.channels.telegram.keyboards import AidButton, DialogueButton, ReminderButton
from bot.channels.telegram.processor import PerChatUpdateProcessor
from bot.core.dialogue import Ask, Change, Confirm, Pick, Refine, Restart, Toggle
from bot.core.results import build_report
from bot.core.vocabulary import ChoiceDef, Question, QuestionType
from bot.knowledge import Knowledge

HUGE = keyboards.WIDEST_REVISION


def decoded(data: str, questions: dict[str, Question]) -> DialogueButton:
    button = keyboards.decode(data, questions)
    assert isinstance(button, DialogueButton), data
    return button


def test_every_question_button_round_trips_within_64_bytes(knowledge: Knowledge) -> None:
    questions = dict(knowledge.dialogue.questions)
    keyboards.check_fits(questions.values())
    for question in questions.values():
        draft = question.choice_values()[:1] if question.type is QuestionType.MULTI else ()
        markup = keyboards.question_keyboard(Ask(question, 3, None, draft, HUGE))
        events = []
        for row in markup.inline_keyboard:
            for button in row:
                assert isinstance(button.callback_data, str)
                assert len(button.callback_data.encode()) <= 64
                events.append(decoded(button.callback_data, questions).event)
        assert events[-1] == Pick(question.id, None, HUGE)  # « Je ne sais pas », always last
        if question.type is QuestionType.CHOICE:
            assert events[:-1] == [Pick(question.id, v, HUGE) for v in question.choice_values()]
        if question.type is QuestionType.MULTI:
            toggles = [Toggle(question.id, v, HUGE) for v in question.choice_values()]
            assert events[:-2] == toggles and events[-2] == Confirm(question.id, HUGE)
            labels = [b.text for row in markup.inline_keyboard for b in row]
            assert labels[0].startswith("✓ ") and "Valider" in labels
        if question.type is QuestionType.YESNO:
            assert events[:2] == [Pick(question.id, True, HUGE), Pick(question.id, False, HUGE)]


def test_long_choice_values_travel_as_an_index() -> None:
    long_value = "valeur_" + "x" * 60
    question = Question(
        id="besoin",
        type=QuestionType.CHOICE,
        text="?",
        label="Besoin",
        choices=(ChoiceDef(value="court", label="Court"), ChoiceDef(value=long_value, label="L")),
    )
    markup = keyboards.question_keyboard(Ask(question, 1, revision=7))
    data = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert data[0] == "c:7:besoin:court" and data[1] == "c:7:besoin:#1"
    assert decoded(str(data[1]), {"besoin": question}).event == Pick("besoin", long_value, 7)
    too_long = question.model_copy(update={"id": "q" * 60})
    with pytest.raises(ValueError, match="64 bytes"):
        keyboards.check_fits([too_long])


def test_other_buttons_and_garbage(knowledge: Knowledge) -> None:
    questions = dict(knowledge.dialogue.questions)
    assert decoded("r:12:1", questions).event == Refine(True)
    assert decoded("x:12", questions) == DialogueButton(Restart(), 12, "results", guarded=True)
    assert decoded("m:5:sector", questions).event == Change("sector")
    assert keyboards.decode("a:urgencess-2021", questions) == AidButton("urgencess-2021")
    for garbage in (
        "",
        "zz",
        "c:x:legal_form:association",
        "c:1:nope:association",
        "c:1:legal_form:",
        "y:1:legal_form",
        "t:1:legal_form:association",
        "c:1:legal_form:#99",
    ):
        assert keyboards.decode(garbage, questions) is None, garbage


def test_results_keyboard_and_long_aid_ids(knowledge: Knowledge) -> None:
    answers = {"legal_form": "association", "department": "59", "employees": 3}
    report = build_report(knowledge.catalogue, answers, date(2021, 3, 15))
    markup = keyboards.results_keyboard(report, 9, final=True)
    rows = markup.inline_keyboard
    assert len([b for row in rows for b in row]) <= keyboards.MAX_BUTTONS
    assert rows[0][0].text == f"📋 {report.eligible[0].verdict.aid.name}"
    assert [b.text for b in rows[-1]] == [keyboards.CHANGE_LABEL, keyboards.RESTART_LABEL]
    long_id = "a" * 70
    token = keyboards._aid_token(long_id)
    assert token.startswith("#") and len(f"R:{token}".encode()) <= 64
    assert ReminderButton(token).token == token


def test_blocks_are_packed_and_split_between_blocks() -> None:
    blocks = [f"<b>Aide {i}</b>\n" + "é" * 1500 for i in range(7)]
    chunks = messages.split_blocks(blocks)
    assert all(messages.text_length(c) <= messages.MAX_TEXT for c in chunks)
    assert "\n\n".join(chunks) == "\n\n".join(blocks)  # nothing lost, split between blocks
    assert len(chunks) == 4  # two blocks of ~1.5 k per message
    # A block longer than a message is split between its lines; a huge line is cut.
    huge = "\n".join(["<i>ligne</i> " + "x" * 1000] * 10)
    assert all(messages.text_length(c) <= messages.MAX_TEXT for c in messages.split_blocks([huge]))
    line = "<b>" + "😀" * 3000 + "</b>"  # 2 UTF-16 units each
    cut = messages.split_blocks([line])
    assert len(cut) == 2 and all(messages.text_length(c) <= messages.MAX_TEXT for c in cut)
    assert "<b>" not in cut[0]


def test_toast_is_short_plain_text() -> None:
    assert messages.toast("<b>Bonjour</b> &amp; bienvenue") == "Bonjour & bienvenue"
    assert len(messages.toast("x" * 500)) == messages.MAX_TOAST


def _update(update_id: int, chat: int) -> Update:
    message = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "U"},
        "text": "x",
    }
    update = Update.de_json({"update_id": update_id, "message": message}, None)
    assert update is not None
    return update


@pytest.mark.asyncio
async def test_one_chat_in_order_other_chats_concurrently() -> None:
    processor = PerChatUpdateProcessor(16)
    log: list[str] = []

    async def work(name: str, pause: float) -> None:
        log.append(f"start {name}")
        await asyncio.sleep(pause)
        log.append(f"end {name}")

    jobs = [
        (_update(1, 10), work("a1", 0.05)),
        (_update(2, 10), work("a2", 0.0)),
        (_update(3, 20), work("b1", 0.0)),
        (_update(4, 10), work("a3", 0.0)),
    ]
    await asyncio.gather(*(processor.process_update(u, c) for u, c in jobs))
    a = [entry for entry in log if entry.endswith(("a1", "a2", "a3"))]
    assert a == ["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]
    assert log.index("end b1") < log.index("end a1")  # chat 20 did not wait for chat 10
    assert processor.busy_chats == 0


def test_reminder_timing(knowledge: Knowledge) -> None:
    from datetime import UTC, datetime

    from telegram.ext import JobQueue

    from bot.channels.telegram.reminders import PARIS, Reminders
    from bot.storage.store import Store

    now = datetime(2021, 7, 26, 12, 0, tzinfo=UTC)
    reminders = Reminders(Store.from_url("sqlite://"), knowledge.catalogue, lambda: now)
    deadline = date(2021, 7, 31)
    # A week before is past: the day before, at 9:00 in Paris.
    assert reminders.due_for(deadline) == datetime(2021, 7, 30, 9, 0, tzinfo=PARIS)
    assert reminders.due_for(date(2021, 7, 27)) is None  # tomorrow: too near
    queue: JobQueue = JobQueue()  # type: ignore[type-arg]
    outcome = reminders.request(queue, "telegram:1", "urgencess-2021", date(2021, 7, 1))
    assert outcome == reminders.request(queue, "telegram:1", "x", date(2021, 7, 1))
    assert not outcome.created and "est passée" in outcome.text
    assert "trop proche" in reminders.request(queue, "telegram:1", "x", date(2021, 7, 27)).text
    assert not reminders.request(queue, "telegram:1", "x", None).created
