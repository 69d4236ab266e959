"""Actions for ``bench_rasa.py``: AidESS's actions plus a no-op action, served together.

Run by the benchmark as ``python -m rasa_sdk --actions benchmarks.rasa_noop``: rasa-sdk
registers every imported ``Action`` subclass, so the AidESS actions come along.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

import actions.diagnostic  # noqa: F401 - registers validate_diagnostic_form
import actions.results  # noqa: F401 - registers action_match_aids, action_aid_checklist

NOOP_ACTION = "action_bench_noop"


class ActionBenchNoop(Action):  # type: ignore[misc]
    def name(self) -> str:
        return NOOP_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return []
