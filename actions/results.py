"""``action_match_aids`` (the results) and ``action_aid_checklist`` (what to do for one aid).

Same report and same French texts as the other channels (``bot.core.results``, ``bot.core.render``).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.knowledge import Diagnostic
from bot.channels.rasa_domain import (
    AID_SLOT,
    CHECKLIST_ACTION,
    ELIGIBLE_SLOT,
    MATCH_ACTION,
    checklist_payload,
)
from bot.core.render import PLAIN, render_aid_detail, render_report
from bot.core.results import Report


def detail_buttons(report: Report) -> list[dict[str, str]]:
    """One button per aid worth a closer look: eligible, near misses, to confirm."""
    seen: dict[str, str] = {}
    for result in (*report.eligible, *report.near_misses, *report.to_confirm):
        seen.setdefault(result.id, result.verdict.aid.spec.name)
    return [
        {"title": f"Que faire : {name}", "payload": checklist_payload(aid_id)}
        for aid_id, name in seen.items()
    ]


class ActionMatchAids(Action):  # type: ignore[misc]
    def name(self) -> str:
        return MATCH_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        diagnostic = Diagnostic.from_slots(tracker.slots)
        report = diagnostic.engine.report(diagnostic.answers)
        blocks = render_report(report, PLAIN, detailed=False)
        # One message per block (heading or aid), as the other channels split them;
        # the buttons go with the last one.
        for block in blocks[:-1]:
            dispatcher.utter_message(text=block)
        dispatcher.utter_message(text=blocks[-1], buttons=detail_buttons(report))
        return [SlotSet(ELIGIBLE_SLOT, [r.id for r in report.eligible])]


class ActionAidChecklist(Action):  # type: ignore[misc]
    def name(self) -> str:
        return CHECKLIST_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        aid_id = next(tracker.get_latest_entity_values(AID_SLOT), None) or tracker.get_slot(
            AID_SLOT
        )
        if not aid_id:
            dispatcher.utter_message(text="De quelle aide voulez-vous voir les démarches ?")
            return []
        diagnostic = Diagnostic.from_slots(tracker.slots)
        result = diagnostic.engine.report(diagnostic.answers).find(str(aid_id))
        if result is None:
            dispatcher.utter_message(
                text=f"Je ne connais pas l'aide « {aid_id} ». Demandez les résultats pour "
                "voir les aides possibles."
            )
            return []
        dispatcher.utter_message(text=render_aid_detail(result, PLAIN))
        return [SlotSet(AID_SLOT, result.id)]
