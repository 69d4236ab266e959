"""Latency of the Rasa action server's ``/webhook`` (not a test).

Starts the real rasa-sdk action server on loopback with AidESS's actions and a no-op action,
then posts the same Rasa-shaped payload (full answers, 26-aid catalogue) to
``action_match_aids``, ``validate_diagnostic_form`` and the no-op action, interleaved, over one
keep-alive connection. Prints median / p95 latency per action and the ratio to the no-op, which
is the cost of the HTTP round trip, JSON and rasa-sdk itself.

Run: scripts/dev bench   (or .venv/bin/python benchmarks/bench_rasa.py [--rounds N])
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from typing import Any

import httpx

from bot.channels.rasa_domain import (
    AS_OF_SLOT,
    FORM,
    MATCH_ACTION,
    REQUESTED_SLOT,
    VALIDATE_ACTION,
    answer_to_slot,
    build_domain,
)
from bot.knowledge import knowledge_from_settings
from bot.settings import PROJECT_ROOT, Settings

sys.path.insert(0, str(PROJECT_ROOT))  # for tests.support (the benchmark is run as a script)

from tests.support.rasa_server import (  # noqa: E402
    ActionServer,
    action_call,
    action_event,
    slot_event,
    user_event,
)

NOOP_ACTION = "action_bench_noop"  # defined in benchmarks/rasa_noop.py
AS_OF = date(2021, 3, 15)
ANSWERS: dict[str, Any] = {
    "legal_form": "association",
    "department": "59",
    "employees": 3,
    "approvals": (),
    "sector": "culture",
    "economic_activity": True,
    "revenue_loss_pct": 60,
    "has_siret": True,
    "creation_year": None,
    "needs": ("emploi", "tresorerie"),
    "hiring": ("apprenti",),
}


def payloads() -> dict[str, dict[str, Any]]:
    knowledge = knowledge_from_settings(Settings.from_env())
    domain = build_domain(knowledge.dialogue)
    slots = {qid: answer_to_slot(v) for qid, v in ANSWERS.items()}
    slots[AS_OF_SLOT] = AS_OF.isoformat()
    events = [action_event("action_listen"), user_event("25 000 €"), action_event(FORM)]
    # validate: the last question answered as text, to be parsed and followed by the next one
    validate_slots = {**slots, REQUESTED_SLOT: "annual_budget", "annual_budget": "25 000 €"}
    validate_events = [*events, slot_event("annual_budget", "25 000 €")]
    return {
        MATCH_ACTION: action_call(MATCH_ACTION, domain=domain, slots=slots, events=events),
        VALIDATE_ACTION: action_call(
            VALIDATE_ACTION,
            domain=domain,
            slots=validate_slots,
            events=validate_events,
            active_loop=FORM,
        ),
        NOOP_ACTION: action_call(NOOP_ACTION, domain=domain, slots=slots, events=events),
    }


def measure(rounds: int, budget: float) -> dict[str, list[float]]:
    calls = payloads()
    timings: dict[str, list[float]] = {name: [] for name in calls}
    with ActionServer("benchmarks.rasa_noop") as server, httpx.Client(timeout=15.0) as client:
        for payload in calls.values():  # warm up; check every action answers
            for _ in range(10):
                response = client.post(server.webhook_url, json=payload)
                response.raise_for_status()
        deadline = time.monotonic() + budget
        for _ in range(rounds):
            if time.monotonic() > deadline:
                break
            for name, payload in calls.items():
                start = time.perf_counter()
                response = client.post(server.webhook_url, json=payload)
                elapsed = time.perf_counter() - start
                response.raise_for_status()
                timings[name].append(elapsed)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300, help="requests per action (max)")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds at most")
    args, _ = parser.parse_known_args()
    timings = measure(args.rounds, args.budget)
    noop = statistics.median(timings[NOOP_ACTION])
    print(f"Rasa action server /webhook, loopback, {len(timings[NOOP_ACTION])} requests each")
    print(f"{'action':<28} {'median':>9} {'p95':>9} {'ratio':>7}")
    for name, values in timings.items():
        values = sorted(values)
        median = statistics.median(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"{name:<28} {median * 1000:>7.2f}ms {p95 * 1000:>7.2f}ms {median / noop:>6.2f}×")


if __name__ == "__main__":
    main()
