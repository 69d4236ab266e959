"""Whole Telegram conversations, end to end: the real PTB Application, polling a local Bot API
stand-in over HTTP, with a real SQLite database. The person taps buttons or types."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio
import yaml

from bot.channels.telegram import messages
from bot.channels.telegram.handlers import chat_key
from bot.core.results import build_report
from bot.core.rules import Status
from bot.core.vocabulary import AnswerValue
from bot.knowledge import Knowledge
from tests.support.botapi import FakeBotApi
from tests.support.profiles import EMPLOYER_2021
from tests.support.telegram import BotHarness, Person, html_problems

COVID = date(2021, 3, 15)
USER = 42

NON_EMPLOYER_NORD = {
    "legal_form": "association",
    "department": "62",
    "employees": 0,
    "approvals": (),
    "sector": "sport",
    "has_siret": True,
    "creation_year": 2010,
    "needs": ("financement_projet", "benevoles"),
    "economic_activity": False,
    "annual_budget": 15000,
}


@pytest_asyncio.fixture
async def harness(tmp_path: Path, knowledge: Knowledge) -> AsyncIterator[BotHarness]:
    async with FakeBotApi() as api:
        async with BotHarness(api, f"sqlite:///{tmp_path / 'bot.db'}", knowledge, COVID) as bot:
            yield bot


@pytest_asyncio.fixture
async def any_db_harness(database_url: str, knowledge: Knowledge) -> AsyncIterator[BotHarness]:
    """The same bot on SQLite and on PostgreSQL 15."""
    async with FakeBotApi() as api:
        async with BotHarness(api, database_url, knowledge, COVID) as bot:
            yield bot


def person(harness: BotHarness, user_id: int = USER) -> Person:
    return harness.person(user_id)


def stored_answers(harness: BotHarness, user_id: int = USER) -> dict[str, AnswerValue]:
    return harness.answers(chat_key(user_id))


def eligible_ids(harness: BotHarness, names: list[str]) -> list[str]:
    by_name = {aid.name: aid.id for aid in harness.knowledge.catalogue.aids}
    return [by_name[name] for name in names]


@pytest.mark.asyncio
@pytest.mark.parametrize("by", ["buttons", "text"])
async def test_whole_conversation_gives_the_same_aids_as_match(
    any_db_harness: BotHarness, by: str
) -> None:
    harness = any_db_harness
    user = person(harness)
    await user.say("/start")
    welcome, first = user.texts()[:2]
    assert "Bonjour" in welcome and "/confidentialite" in welcome and "3 minutes" in welcome
    assert "Question 1." in first

    await user.converse(EMPLOYER_2021, by=by)

    answers = stored_answers(harness)
    assert answers == {qid: EMPLOYER_2021.get(qid) for qid in user.asked}
    report = build_report(harness.knowledge.catalogue, answers, COVID)
    shown = user.results()
    assert eligible_ids(harness, shown["✅"]) == [r.id for r in report.eligible]
    assert {"urgencess-2021", "activite-partielle"} <= set(eligible_ids(harness, shown["✅"]))
    # Eligible aids come first; the final results offer what to do next.
    headings = list(shown)
    assert headings[0] == "✅"
    final = user.live()
    assert final is not None
    assert "📄 Recevoir la synthèse" in final.button_texts
    assert "🔄 Recommencer" in final.button_texts
    assert [t.removeprefix("📋 ") for t in final.button_texts[: len(shown["✅"])]] == shown["✅"]


@pytest.mark.asyncio
async def test_typed_answers_match_aidess_match_command(
    harness: BotHarness, tmp_path: Path
) -> None:
    user = person(harness)
    await user.say("bonjour")  # any first message starts the diagnostic
    await user.converse(NON_EMPLOYER_NORD, by="text", refine=False)
    answers = stored_answers(harness)
    answer_file = tmp_path / "answers.yaml"
    answer_file.write_text(
        yaml.safe_dump({k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "match", "--answers", str(answer_file)]
        + ["--as-of", COVID.isoformat(), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'match.db'}"},
    )
    assert result.returncode == 0, result.stderr
    matched = json.loads(result.stdout)["results"]
    expected = [r["id"] for r in matched if r["status"] == Status.ELIGIBLE]
    shown = eligible_ids(harness, person(harness).results().get("✅", []))
    assert sorted(shown) == sorted(expected)
    partial = next(r for r in matched if r["id"] == "activite-partielle")
    assert partial["status"] == "not_eligible"  # no employee: a near miss
    assert any("activite-partielle" == i for i in eligible_ids(harness, user.results()["🟡"]))


@pytest.mark.asyncio
async def test_a_tap_turns_the_question_into_a_transcript_line(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    question = user.live()
    assert question is not None and question.button_texts[-1] == "Je ne sais pas"
    await user.tap("Association")
    answered = next(m for m in user.messages() if m.message_id == question.message_id)
    assert answered.edited and answered.reply_markup is None
    assert answered.text == (
        "<b>Question 1. Quelle est la forme juridique de votre structure ?</b>\n✓ Association"
    )
    # A typed answer reads the same, and the typed question loses its buttons too.
    department = user.live()
    assert department is not None
    await user.say("pas de calais")
    typed = next(m for m in user.messages() if m.message_id == department.message_id)
    assert typed.reply_markup is None and typed.text is not None
    assert typed.text.endswith("✓ Pas-de-Calais (62)")
    # Only the current question has buttons.
    assert [m.message_id for m in user.messages() if m.button_texts] == [user.live().message_id]  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_multiple_choice_toggles_in_place_then_validates(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    profile = {"legal_form": "association", "department": "59", "employees": 2}
    while (q := user.question()) is not None and q.type != "multi":
        await user.answer(q, profile.get(q.id), by="buttons")
    question = user.question()
    assert question is not None
    message = user.live()
    assert message is not None and "Aucun" in message.button_texts
    first, second = (c.label for c in question.choices[:2])
    await user.tap(first)
    await user.tap(second)
    await user.tap(f"✓ {first}")  # untick
    same = user.live()
    assert same is not None and same.message_id == message.message_id  # edited in place
    assert f"✓ {second}" in same.button_texts and first in same.button_texts
    assert "Valider" in same.button_texts
    await user.tap("Valider")
    answered = next(m for m in user.messages() if m.message_id == message.message_id)
    assert answered.text is not None and answered.text.endswith(f"✓ {second}")
    assert stored_answers(harness)[question.id] == (question.choices[1].value,)


@pytest.mark.asyncio
async def test_every_message_is_valid_html_within_telegram_limits(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    await user.converse(EMPLOYER_2021, by="buttons")
    final = user.live()
    assert final is not None
    for label in final.button_texts:
        if label.startswith("📋"):
            await user.tap(label, final)
    await user.say("/aide")
    await user.say("/confidentialite")
    for entry in harness.api.sent:
        if entry.text is not None:
            assert html_problems(entry.text) == [], entry.text
            assert messages.text_length(entry.text) <= messages.MAX_TEXT
        for data in entry.button_data:
            assert len(data.encode("utf-8")) <= 64


@pytest.mark.asyncio
async def test_aid_checklist_and_summary_document(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    await user.converse(EMPLOYER_2021, by="buttons")
    results = user.live()
    assert results is not None
    await user.tap("📋 Fonds UrgencESS", results)
    detail = user.messages()[-1]
    assert detail.text is not None and "Que faire" in detail.text
    assert "Date limite : 31 juillet 2021." in detail.text
    assert "⏰ Me rappeler avant la date limite" in detail.button_texts
    await user.tap("📄 Recevoir la synthèse", results)
    document = harness.api.sent_to(USER, ["sendDocument"])[-1]
    assert document.document_name == "synthese-aidess-2021-03-15.md"
    assert document.document_bytes is not None
    summary = document.document_bytes.decode("utf-8")
    assert summary.startswith("**AidESS — synthèse du diagnostic**")
    assert "Fonds UrgencESS" in summary and "Vos réponses" in summary


@pytest.mark.asyncio
async def test_commands_are_registered_in_french(harness: BotHarness) -> None:
    commands = {c["command"]: c["description"] for c in harness.api.commands}
    assert list(commands) == [
        "start",
        "retour",
        "modifier",
        "resultats",
        "recommencer",
        "aide",
        "confidentialite",
        "oublier",
    ]
    assert all(description[0].isupper() for description in commands.values())


@pytest.mark.asyncio
async def test_back_change_results_and_restart_commands(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    await user.tap("Association")
    await user.say("Nord")
    await user.say("/retour")
    assert user.question() is not None and user.question().id == "department"  # type: ignore[union-attr]
    assert stored_answers(harness) == {"legal_form": "association"}
    await user.say("59")
    await user.say("/modifier")
    menu = user.live()
    assert menu is not None and menu.text == "Quelle réponse voulez-vous changer ?"
    assert menu.button_texts == ["Forme juridique : Association", "Département : Nord (59)"]
    await user.tap("Forme juridique : Association")
    assert user.question().id == "legal_form"  # type: ignore[union-attr]
    settled = next(m for m in user.messages() if m.message_id == menu.message_id)
    assert settled.reply_markup is None and settled.text is not None
    assert settled.text.endswith("✓ Forme juridique : Association")
    await user.tap("Coopérative (SCOP, SCIC, CAE…)")
    assert stored_answers(harness)["legal_form"] == "cooperative"
    await user.say("/resultats")
    assert "Vos premiers résultats" in "".join(user.texts()) or user.results()
    await user.say("/recommencer")
    assert user.question().id == "legal_form"  # type: ignore[union-attr]
    assert stored_answers(harness) == {}


@pytest.mark.asyncio
async def test_help_privacy_unknown_command_and_stickers(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    await user.say("/aide")
    assert "/oublier" in user.texts()[-1] and "Je ne sais pas" in user.texts()[-1]
    await user.say("/confidentialite")
    privacy, kept = user.texts()[-2:]
    assert "180 jours" in privacy and "ne garde pas" in privacy and "/oublier" in privacy
    assert "Rien : aucune réponse" in kept
    await user.say("association")
    await user.say("/confidentialite")
    assert "Forme juridique : Association" in user.texts()[-1]  # the user sees what is kept
    await user.say("/abracadabra")
    assert user.texts()[-1] == messages.UNKNOWN_COMMAND
    harness.api.push_sticker(USER)
    await harness.idle()
    assert user.texts()[-1].startswith(messages.NOT_TEXT)
    assert user.question() is not None and user.question().id == "department"  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_unclear_text_is_reprompted_without_changing_anything(harness: BotHarness) -> None:
    user = person(harness)
    await user.say("/start")
    before = user.live()
    await user.say("🦄 blabla")
    assert "Je n'ai pas compris" in user.texts()[-1]
    assert user.question().id == "legal_form"  # type: ignore[union-attr]
    assert before is not None
    old = next(m for m in user.messages() if m.message_id == before.message_id)
    assert old.reply_markup is None  # the question asked again carries the buttons
    assert stored_answers(harness) == {}
