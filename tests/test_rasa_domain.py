"""The Rasa domain generated from dialogues/ and the slot contract (pure, no server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.channels.rasa_domain import (
    AID_SLOT,
    AS_OF_SLOT,
    CHECKLIST_ACTION,
    CHECKLIST_INTENT,
    ELIGIBLE_SLOT,
    FORM,
    MATCH_ACTION,
    UNKNOWN,
    VALIDATE_ACTION,
    answer_to_slot,
    answers_from_slots,
    build_domain,
    checklist_payload,
    reference_date,
    slot_to_answer,
)
from bot.core.dialogues import Dialogue
from bot.core.vocabulary import AnswerValue, QuestionType
from bot.settings import PROJECT_ROOT


def test_every_question_is_a_slot_filled_from_text_during_the_form(dialogue: Dialogue) -> None:
    domain = build_domain(dialogue)
    for qid in dialogue.questions:
        slot = domain["slots"][qid]
        assert slot["type"] == "any"
        assert slot["influence_conversation"] is False
        assert slot["mappings"] == [
            {"type": "from_text", "conditions": [{"active_loop": FORM, "requested_slot": qid}]}
        ]
    assert {AS_OF_SLOT, ELIGIBLE_SLOT, AID_SLOT} <= domain["slots"].keys()
    assert len(domain["slots"]) == len(dialogue.questions) + 3


def test_the_form_lists_every_question_in_dialogue_order(dialogue: Dialogue) -> None:
    domain = build_domain(dialogue)
    assert domain["forms"] == {FORM: {"required_slots": list(dialogue.questions)}}
    assert domain["actions"] == [VALIDATE_ACTION, MATCH_ACTION, CHECKLIST_ACTION]
    assert domain["intents"] == [CHECKLIST_INTENT]
    assert domain["entities"] == [AID_SLOT]


def test_every_question_text_is_a_response(dialogue: Dialogue) -> None:
    responses = build_domain(dialogue)["responses"]
    for qid, question in dialogue.questions.items():
        [response] = responses[f"utter_ask_{qid}"]
        assert response["text"].startswith(question.text)
        if question.help:
            assert question.help in response["text"]
    assert responses["utter_diagnostic_intro"] == [{"text": dialogue.spec.intro}]


def test_buttons_list_every_choice_and_are_understood_by_the_shared_parser(
    dialogue: Dialogue,
) -> None:
    responses = build_domain(dialogue)["responses"]
    for qid, question in dialogue.questions.items():
        buttons = responses[f"utter_ask_{qid}"][0].get("buttons", [])
        if question.type in {QuestionType.CHOICE, QuestionType.MULTI}:
            assert [b["title"] for b in buttons[: len(question.choices)]] == [
                c.label for c in question.choices
            ]
        elif question.type is QuestionType.YESNO:
            assert [b["title"] for b in buttons] == ["Oui", "Non", "Je ne sais pas"]
        else:
            assert buttons == []
            continue
        assert buttons[-1] == {"title": "Je ne sais pas", "payload": "je ne sais pas"}
        for button in buttons:
            understood, value = question.parse_text(button["payload"], today_year=2026)
            assert understood, (qid, button)
            expected: Any
            if button["payload"] == "je ne sais pas":
                expected = None
            elif question.type is QuestionType.MULTI:
                expected = () if button["payload"] == "aucun" else (button["payload"],)
            elif question.type is QuestionType.YESNO:
                expected = button["payload"] == "oui"
            else:
                expected = button["payload"]
            assert value == expected, (qid, button)


def test_slots_round_trip_typed_answers_and_unknown(dialogue: Dialogue) -> None:
    q = dialogue.questions
    samples: dict[str, AnswerValue] = {
        "legal_form": "association",
        "department": "2A",
        "employees": 3,
        "approvals": ("esus", "jep"),
        "needs": (),
        "has_siret": False,
        "creation_year": 2015,
        "revenue_loss_pct": None,  # je ne sais pas
    }
    slots = {qid: answer_to_slot(value) for qid, value in samples.items()}
    assert slots["approvals"] == ["esus", "jep"]
    assert slots["needs"] == []
    assert slots["revenue_loss_pct"] == UNKNOWN
    json.dumps(slots)  # slot values travel as JSON
    assert answers_from_slots(q, slots, today_year=2026) == samples


def test_slot_text_goes_through_the_shared_parser(dialogue: Dialogue) -> None:
    q = dialogue.questions
    assert slot_to_answer(q["department"], "pas de calais", today_year=2026) == (True, "62")
    assert slot_to_answer(q["employees"], "trois salariés", today_year=2026) == (True, 3)
    assert slot_to_answer(q["employees"], "je ne sais pas", today_year=2026) == (True, None)
    assert slot_to_answer(q["employees"], "xyz", today_year=2026) == (False, None)
    assert slot_to_answer(q["employees"], None, today_year=2026) == (False, None)
    assert slot_to_answer(q["legal_form"], ["association"], today_year=2026) == (False, None)
    # Slots that are not answers (not set, not understood, not questions) are left out.
    slots = {"legal_form": None, "employees": "xyz", "as_of": "2021-03-15", "sector": "culture"}
    assert answers_from_slots(q, slots, today_year=2026) == {"sector": "culture"}


def test_reference_date_and_checklist_payload() -> None:
    today = date(2026, 11, 26)
    assert reference_date(None, today) == today
    assert reference_date("2021-03-15", today) == date(2021, 3, 15)
    assert reference_date("le 15 mars", today) is None
    assert checklist_payload("urgencess-2021") == '/aid_checklist{"aid_id":"urgencess-2021"}'


@pytest.mark.parametrize("nested", ["rasa", "rasa/nouveau"])
def test_cli_exports_a_parseable_domain(tmp_path: Path, dialogue: Dialogue, nested: str) -> None:
    target = tmp_path / nested
    result = subprocess.run(
        [sys.executable, "-m", "bot", "rasa", "export", str(target)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'aidess.db'}"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    path = target / "domain.yml"
    assert str(path) in result.stdout
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Généré par « aidess rasa export »")
    assert yaml.safe_load(text) == build_domain(dialogue)


def test_cli_export_follows_aidess_dialogues(tmp_path: Path) -> None:
    dialogues = tmp_path / "dialogues"
    dialogues.mkdir()
    source = (PROJECT_ROOT / "dialogues" / "diagnostic.yaml").read_text(encoding="utf-8")
    (dialogues / "diagnostic.yaml").write_text(
        source.replace("Quelle est la forme juridique", "Quel est le statut juridique"),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "rasa", "export", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "AIDESS_DIALOGUES": str(dialogues)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    domain = yaml.safe_load((tmp_path / "out" / "domain.yml").read_text(encoding="utf-8"))
    assert domain["responses"]["utter_ask_legal_form"][0]["text"].startswith(
        "Quel est le statut juridique"
    )
