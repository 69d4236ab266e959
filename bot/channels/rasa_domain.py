"""The Rasa side of AidESS: the slot contract and the ``domain.yml`` generated from ``dialogues/``.

Pure: no I/O. The custom actions (``actions/``) and ``aidess rasa export`` both use it, so the
Rasa assistant, its domain and the actions cannot disagree on names or values.

Slots (one per question, same id as the answer, type ``any``):

- not set (``None``): the question was not asked (or its answer was rejected);
- ``"unknown"``: the person answered « je ne sais pas » (the answer is *unknown*);
- otherwise the typed answer, as JSON: a string (choice, département code), an integer,
  a boolean, or a list of strings (multiple choice, ``[]`` for none).

While the form runs, a slot may briefly hold the raw text typed by the person (Rasa's
``from_text`` mapping); ``validate_diagnostic_form`` replaces it with the typed value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.core.dialogues import Dialogue
from bot.core.vocabulary import AnswerValue, Question, QuestionType

DOMAIN_VERSION = "3.1"
FORM = "diagnostic_form"
VALIDATE_ACTION = f"validate_{FORM}"
MATCH_ACTION = "action_match_aids"
CHECKLIST_ACTION = "action_aid_checklist"
REQUESTED_SLOT = "requested_slot"

UNKNOWN = "unknown"  # slot value for « je ne sais pas »
AS_OF_SLOT = "as_of"  # optional ISO date: the reference date (default: today)
ELIGIBLE_SLOT = "eligible_aids"  # set by action_match_aids: ids of the eligible aids
AID_SLOT = "aid_id"  # the aid whose checklist is asked (entity of the intent below)
CHECKLIST_INTENT = "aid_checklist"
INTRO_RESPONSE = "utter_diagnostic_intro"

UNKNOWN_BUTTON = {"title": "Je ne sais pas", "payload": "je ne sais pas"}


# -- slots <-> answers ---------------------------------------------------------------------


def answer_to_slot(value: AnswerValue) -> Any:
    """A typed answer as a slot value (JSON); « je ne sais pas » becomes ``"unknown"``."""
    if value is None:
        return UNKNOWN
    if isinstance(value, tuple):
        return list(value)
    return value


def slot_to_answer(question: Question, raw: Any, *, today_year: int) -> tuple[bool, AnswerValue]:
    """Read a slot: ``(True, value)`` for an answer (``None`` = unknown), ``(False, None)`` for
    no usable answer (slot not set, or a value the shared French parser does not understand).

    Typed values and raw text are both accepted: text goes through ``Question.parse_text``,
    the same parser as the other channels.
    """
    if raw is None:
        return False, None
    if raw == UNKNOWN:
        return True, None
    try:
        return True, question.coerce(raw, today_year=today_year)
    except ValueError:
        return False, None


def answers_from_slots(
    questions: Mapping[str, Question], slots: Mapping[str, Any], *, today_year: int
) -> dict[str, AnswerValue]:
    """The answers held by the slots (slots that are not answers are ignored)."""
    answers: dict[str, AnswerValue] = {}
    for qid, question in questions.items():
        understood, value = slot_to_answer(question, slots.get(qid), today_year=today_year)
        if understood:
            answers[qid] = value
    return answers


def reference_date(raw: Any, today: date) -> date | None:
    """The ``as_of`` slot as a date: ``today`` when not set, ``None`` when not an ISO date."""
    if raw is None or raw == "":
        return today
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return None


def checklist_payload(aid_id: str) -> str:
    """A button payload that triggers ``action_aid_checklist`` for one aid (Rasa's
    ``/intent{"entity": "value"}`` syntax, understood without any NLU training)."""
    return f"/{CHECKLIST_INTENT}" + json.dumps({AID_SLOT: aid_id}, separators=(",", ":"))


# -- questions as Rasa responses -----------------------------------------------------------


def ask_text(question: Question) -> str:
    lines = [question.text]
    if question.help:
        lines.append(question.help)
    if question.type is QuestionType.MULTI:
        lines.append(
            "Un bouton pour un choix ; pour plusieurs, écrivez-les séparés par des virgules."
        )
    return "\n".join(lines)


def question_buttons(question: Question) -> list[dict[str, str]]:
    """Buttons for a question; payloads are plain text that the shared parser understands."""
    match question.type:
        case QuestionType.CHOICE:
            buttons = [{"title": c.label, "payload": c.value} for c in question.choices]
        case QuestionType.MULTI:
            buttons = [{"title": c.label, "payload": c.value} for c in question.choices]
            buttons.append({"title": "Aucun", "payload": "aucun"})
        case QuestionType.YESNO:
            buttons = [{"title": "Oui", "payload": "oui"}, {"title": "Non", "payload": "non"}]
        case _:
            return []  # free text (numbers, département): no buttons
    return [*buttons, dict(UNKNOWN_BUTTON)]


def ask_response(question: Question) -> dict[str, Any]:
    response: dict[str, Any] = {"text": ask_text(question)}
    buttons = question_buttons(question)
    if buttons:
        response["buttons"] = buttons
    return response


# -- the domain ------------------------------------------------------------------------------


def _custom_slot(slot_type: str) -> dict[str, Any]:
    return {"type": slot_type, "influence_conversation": False, "mappings": [{"type": "custom"}]}


def build_domain(dialogue: Dialogue) -> dict[str, Any]:
    """The Rasa 3 domain for the diagnostic: slots, the form, the questions as responses."""
    slots: dict[str, Any] = {}
    responses: dict[str, Any] = {INTRO_RESPONSE: [{"text": dialogue.spec.intro}]}
    for qid, question in dialogue.questions.items():
        slots[qid] = {
            "type": "any",
            "influence_conversation": False,
            "mappings": [
                {
                    "type": "from_text",
                    "conditions": [{"active_loop": FORM, "requested_slot": qid}],
                }
            ],
        }
        responses[f"utter_ask_{qid}"] = [ask_response(question)]
    slots[AS_OF_SLOT] = _custom_slot("text")
    slots[ELIGIBLE_SLOT] = _custom_slot("list")
    slots[AID_SLOT] = {
        "type": "text",
        "influence_conversation": False,
        "mappings": [{"type": "from_entity", "entity": AID_SLOT}],
    }
    return {
        "version": DOMAIN_VERSION,
        "intents": [CHECKLIST_INTENT],
        "entities": [AID_SLOT],
        "slots": slots,
        "forms": {FORM: {"required_slots": list(dialogue.questions)}},
        "responses": responses,
        "actions": [VALIDATE_ACTION, MATCH_ACTION, CHECKLIST_ACTION],
    }


DOMAIN_HEADER = (
    "# Généré par « aidess rasa export » depuis dialogues/ : ne pas modifier à la main,\n"
    "# relancer l'export après chaque changement des questions.\n"
)
