"""``validate_diagnostic_form``: the dialogue engine chooses the next slot, the shared French
parser validates each answer. No dialogue or eligibility logic of its own."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.knowledge import Diagnostic, current_knowledge
from bot.channels.rasa_domain import REQUESTED_SLOT, VALIDATE_ACTION, answer_to_slot, slot_to_answer
from bot.core.dialogue import reprompt

logger = logging.getLogger(__name__)


class ValidateDiagnosticForm(FormValidationAction):  # type: ignore[misc]
    """Asks only what matters, in the engine's order, until no question can change a result.

    ``validate_<slot>`` and ``extract_<slot>`` exist for every question of the dialogue
    (see ``__getattr__``), so a question added to ``dialogues/`` needs no code here.
    """

    def name(self) -> str:
        return VALIDATE_ACTION

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The slots already filled, then the engine's next question (if any is left).

        rasa-sdk requests the first slot of this list that is not set, so the form asks
        exactly the question the other channels would ask; when the engine has nothing left
        to ask, the list has no empty slot and the form ends.
        """
        diagnostic = Diagnostic.from_slots(tracker.slots)
        questions = diagnostic.knowledge.dialogue.questions
        filled = [qid for qid in questions if tracker.slots.get(qid) is not None]
        question = diagnostic.engine.next_question(diagnostic.answers)
        if question is None or question.id in filled:
            return filled
        if question.id not in domain_slots:
            logger.warning(
                "La question « %s » manque au formulaire du domaine Rasa : "
                "relancez « aidess rasa export ».",
                question.id,
            )
        return [*filled, question.id]

    def __getattr__(self, name: str) -> Any:
        prefix, _, qid = name.partition("_")
        if prefix in {"validate", "extract"} and qid in current_knowledge().dialogue.questions:
            method = self.validate_answer if prefix == "validate" else self.extract_answer
            return partial(method, qid)
        raise AttributeError(name)

    def validate_answer(
        self,
        qid: str,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Parse the answer with the shared parser; re-ask with an example when not understood."""
        diagnostic = Diagnostic.from_slots(tracker.slots)
        question = diagnostic.knowledge.dialogue.questions[qid]
        if value is None:
            return {qid: None}
        understood, answer = slot_to_answer(question, value, today_year=diagnostic.as_of.year)
        if not understood:
            dispatcher.utter_message(text=reprompt(question))
            return {qid: None}
        dispatcher.utter_message(text=f"✓ {question.label} : {question.format(answer)}")
        return {qid: answer_to_slot(answer)}

    def extract_answer(
        self,
        qid: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """The text of the latest message answers the requested slot when no slot mapping of
        the assistant filled it (e.g. a domain without the exported ``from_text`` mappings)."""
        if tracker.get_slot(REQUESTED_SLOT) != qid or tracker.slots.get(qid) is not None:
            return {}
        text = (tracker.latest_message or {}).get("text")
        if not text or not _spoke_since_asked(tracker.events):
            return {}
        return {qid: text}


def _spoke_since_asked(events: list[dict[str, Any]]) -> bool:
    """Whether a user message came after the slot was last requested."""
    for event in reversed(events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "slot" and event.get("name") == REQUESTED_SLOT:
            return False
    return False
