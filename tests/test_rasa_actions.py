"""The custom actions served by the REAL rasa-sdk action server (a subprocess on loopback),
called with webhook payloads shaped as Rasa Open Source sends them. No mocks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.channels.rasa_domain import (
    AID_SLOT,
    AS_OF_SLOT,
    CHECKLIST_ACTION,
    CHECKLIST_INTENT,
    ELIGIBLE_SLOT,
    FORM,
    MATCH_ACTION,
    REQUESTED_SLOT,
    UNKNOWN,
    VALIDATE_ACTION,
    build_domain,
)
from bot.cli import read_answers
from bot.core.dialogue import DialogueEngine, reprompt
from bot.core.render import PLAIN, render_aid_detail, render_report
from bot.core.results import build_report
from bot.core.vocabulary import AnswerValue
from bot.knowledge import Knowledge
from bot.settings import PROJECT_ROOT
from tests.support.rasa_server import (
    ActionServer,
    action_call,
    action_event,
    active_loop_event,
    bot_event,
    slot_event,
    user_event,
)

AS_OF = date(2021, 3, 15)  # Covid-era aids are open: many results to compare

# What the person types for each question the form may ask (texts, as in a chat).
SCRIPT = {
    "legal_form": "une association loi 1901",
    "department": "Nord",
    "employees": "3 salariés",
    "approvals": "aucun",
    "sector": "culture",
    "culture_field": "musique",
    "economic_activity": "oui",
    "commercial_taxes": "non",
    "revenue_loss_pct": "60 %",
    "annual_budget": "25 000 €",
    "has_siret": "oui",
    "creation_year": "je ne sais pas",
    "needs": "emploi, trésorerie",
    "hiring": "apprenti",
}


@pytest.fixture(scope="module")
def server() -> Iterator[ActionServer]:
    with ActionServer() as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(15.0)) as http:
        yield http


@pytest.fixture(scope="module")
def domain(knowledge: Knowledge) -> dict[str, Any]:
    return build_domain(knowledge.dialogue)


class RasaForm:
    """Plays Rasa's part while ``diagnostic_form`` runs: the ``from_text`` mapping puts the
    person's text in the requested slot, then ``validate_diagnostic_form`` is called with the
    candidate slot at the end of the events; its events are applied to the tracker."""

    def __init__(
        self, client: httpx.Client, server: ActionServer, domain: dict[str, Any], **slots: Any
    ) -> None:
        self.client, self.server, self.domain = client, server, domain
        self.slots: dict[str, Any] = {AS_OF_SLOT: AS_OF.isoformat(), **slots}
        self.events: list[dict[str, Any]] = [
            action_event("action_session_start"),
            action_event("action_listen"),
            user_event("je cherche des aides pour mon association", intent="request_aids"),
        ]
        self.asked: list[str] = []

    @property
    def requested(self) -> str | None:
        value = self.slots.get(REQUESTED_SLOT)
        return str(value) if value is not None else None

    def post(self, action: str, active_loop: str | None = FORM) -> dict[str, Any]:
        payload = action_call(
            action,
            domain=self.domain,
            slots=self.slots,
            events=self.events,
            active_loop=active_loop,
        )
        response = self.client.post(self.server.webhook_url, json=payload)
        assert response.status_code == 200, (response.text, self.server.log()[-3000:])
        body: dict[str, Any] = response.json()
        for event in body["events"]:
            self.events.append(event)
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
        for message in body["responses"]:
            self.events.append(bot_event(message["text"]))
        return body

    def activate(self) -> dict[str, Any]:
        self.events += [action_event(FORM), active_loop_event(FORM)]
        body = self.post(VALIDATE_ACTION)
        self._asked()
        return body

    def answer(self, text: str, *, mapped: bool = True) -> dict[str, Any]:
        """The person answers the requested slot; ``mapped=False``: no slot mapping filled it."""
        slot = self.requested
        assert slot is not None, "the form is not asking anything"
        self.events += [action_event("action_listen"), user_event(text), action_event(FORM)]
        if mapped:
            self.slots[slot] = text
            self.events.append(slot_event(slot, text))
        body = self.post(VALIDATE_ACTION)
        self._asked()
        return body

    def _asked(self) -> None:
        if self.requested is not None:
            self.events += [action_event(f"utter_ask_{self.requested}")]
            self.asked.append(self.requested)


def texts(body: dict[str, Any]) -> list[str]:
    return [m["text"] for m in body["responses"]]


def slot_events(body: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in body["events"] if e["event"] == "slot"}


def engine(knowledge: Knowledge) -> DialogueEngine:
    return DialogueEngine(knowledge.dialogue, knowledge.catalogue, AS_OF)


def run_form(form: RasaForm, limit: int = 30) -> None:
    form.activate()
    for _ in range(limit):
        if form.requested is None:
            return
        form.answer(SCRIPT[form.requested])
    raise AssertionError(f"the form never ended: {form.asked}")


# -- the form --------------------------------------------------------------------------------


def test_form_asks_the_preface_then_the_engines_next_question(
    client: httpx.Client, server: ActionServer, domain: dict[str, Any], knowledge: Knowledge
) -> None:
    form = RasaForm(client, server, domain)
    body = form.activate()
    assert slot_events(body) == {REQUESTED_SLOT: "legal_form"}
    assert texts(body) == []

    body = form.answer("asso")
    assert slot_events(body) == {"legal_form": "association", REQUESTED_SLOT: "department"}
    assert texts(body) == ["✓ Forme juridique : Association"]

    body = form.answer("59")
    expected = engine(knowledge).next_question({"legal_form": "association", "department": "59"})
    assert expected is not None
    assert slot_events(body) == {"department": "59", REQUESTED_SLOT: expected.id}
    assert texts(body) == ["✓ Département : Nord (59)"]


def test_a_bad_value_is_rejected_and_asked_again(
    client: httpx.Client, server: ActionServer, domain: dict[str, Any], knowledge: Knowledge
) -> None:
    form = RasaForm(client, server, domain)
    form.activate()
    while form.requested != "employees":
        assert form.requested is not None, "employees was never asked"
        form.answer(SCRIPT[form.requested])
    before = dict(form.slots)

    body = form.answer("xyz")
    assert texts(body) == [reprompt(knowledge.dialogue.questions["employees"])]
    assert texts(body)[0].startswith("Je n'ai pas compris cette réponse. Répondez par un nombre")
    assert slot_events(body) == {"employees": None, REQUESTED_SLOT: "employees"}
    assert {k: v for k, v in form.slots.items() if k != "employees"} == {
        k: v for k, v in before.items() if k != "employees"
    }

    body = form.answer("trois")
    assert slot_events(body)["employees"] == 3
    assert form.requested not in {None, "employees"}


def test_je_ne_sais_pas_fills_the_slot_with_unknown_and_is_not_asked_again(
    client: httpx.Client, server: ActionServer, domain: dict[str, Any], knowledge: Knowledge
) -> None:
    form = RasaForm(client, server, domain)
    form.activate()
    form.answer("association")
    form.answer("Nord")
    unknown = form.requested
    body = form.answer("je sais pas")
    assert unknown is not None
    assert slot_events(body)[unknown] == UNKNOWN
    label = knowledge.dialogue.questions[unknown].label
    assert texts(body) == [f"✓ {label} : je ne sais pas"]
    assert form.requested != unknown


def test_the_latest_message_answers_when_no_slot_mapping_filled_it(
    client: httpx.Client, server: ActionServer, domain: dict[str, Any]
) -> None:
    form = RasaForm(client, server, domain)
    form.activate()
    body = form.answer("c'est une coopérative", mapped=False)
    assert slot_events(body) == {"legal_form": "cooperative", REQUESTED_SLOT: "department"}


def test_prefilled_slots_are_validated_when_the_form_starts(
    client: httpx.Client, server: ActionServer, domain: dict[str, Any]
) -> None:
    form = RasaForm(client, server, domain)
    form.events += [slot_event("legal_form", "fondation")]
    form.slots["legal_form"] = "fondation"
    body = form.post(VALIDATE_ACTION)
    assert slot_events(body) == {"legal_form": "fondation", REQUESTED_SLOT: "department"}


# -- results ---------------------------------------------------------------------------------


def aidess_match(answers_file: Path, tmp_path: Path) -> dict[str, Any]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "match",
            "--answers",
            str(answers_file),
            "--as-of",
            AS_OF.isoformat(),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'aidess.db'}"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_the_form_goes_to_results_with_the_same_aids_as_aidess_match(
    client: httpx.Client,
    server: ActionServer,
    domain: dict[str, Any],
    knowledge: Knowledge,
    tmp_path: Path,
) -> None:
    form = RasaForm(client, server, domain)
    run_form(form)
    assert form.asked[:2] == ["legal_form", "department"]
    assert len(form.asked) == len(set(form.asked))
    assert form.slots["creation_year"] == UNKNOWN or "creation_year" not in form.asked

    # The form's questions were the engine's, in the engine's order.
    answers_file = tmp_path / "answers.json"
    answers_file.write_text(
        json.dumps({qid: SCRIPT[qid] for qid in form.asked}, ensure_ascii=False), encoding="utf-8"
    )
    answers, problems = read_answers(str(answers_file), knowledge, AS_OF)
    assert problems == []
    replay: dict[str, Any] = {}
    for qid in form.asked:
        question = engine(knowledge).next_question(replay)
        assert question is not None and question.id == qid
        replay[qid] = answers[qid]
    assert engine(knowledge).next_question(replay) is None

    # Results: the form ended, Rasa runs action_match_aids.
    form.events += [active_loop_event(None)]
    body = form.post(MATCH_ACTION, active_loop=None)
    match = aidess_match(answers_file, tmp_path)
    expected = [r["id"] for r in match["results"] if r["status"] == "eligible"]
    assert expected, "the scenario should have eligible aids"
    assert sorted(slot_events(body)[ELIGIBLE_SLOT]) == sorted(expected)

    report = build_report(knowledge.catalogue, answers, AS_OF)
    assert texts(body) == render_report(report, PLAIN, detailed=False)
    assert slot_events(body)[ELIGIBLE_SLOT] == [r.id for r in report.eligible]
    buttons = body["responses"][-1]["buttons"]
    assert buttons[0] == {
        "title": f"Que faire : {report.eligible[0].verdict.aid.spec.name}",
        "payload": f'/{CHECKLIST_INTENT}{{"{AID_SLOT}":"{report.eligible[0].id}"}}',
    }
    assert all(b["payload"].startswith(f"/{CHECKLIST_INTENT}") for b in buttons)


def test_match_without_as_of_uses_today(
    client: httpx.Client, server: ActionServer, domain: dict[str, Any], knowledge: Knowledge
) -> None:
    slots: dict[str, AnswerValue] = {
        "legal_form": "association",
        "department": "59",
        "employees": 0,
    }
    form = RasaForm(client, server, domain, **slots)
    form.slots.pop(AS_OF_SLOT)
    body = form.post(MATCH_ACTION, active_loop=None)
    report = build_report(knowledge.catalogue, slots, date.today())
    assert slot_events(body)[ELIGIBLE_SLOT] == [r.id for r in report.eligible]
    assert texts(body)[0] == render_report(report, PLAIN, detailed=False)[0]


def test_checklist_of_one_aid(
    client: httpx.Client, server: ActionServer, domain: dict[str, Any], knowledge: Knowledge
) -> None:
    slots: dict[str, AnswerValue] = {
        "legal_form": "association",
        "department": "59",
        "employees": 3,
    }
    report = build_report(knowledge.catalogue, slots, AS_OF)
    aid = report.eligible[0]
    form = RasaForm(client, server, domain, **slots)
    entity = {"entity": AID_SLOT, "value": aid.id, "start": 0, "end": 0}
    form.events += [
        action_event("action_listen"),
        user_event(f'/{CHECKLIST_INTENT}{{"{AID_SLOT}":"{aid.id}"}}', CHECKLIST_INTENT, [entity]),
        slot_event(AID_SLOT, aid.id),
    ]
    form.slots[AID_SLOT] = aid.id
    body = form.post(CHECKLIST_ACTION, active_loop=None)
    [text] = texts(body)
    assert text == render_aid_detail(aid, PLAIN)
    assert "Que faire :" in text and aid.steps[0].text in text

    form.events += [action_event("action_listen"), user_event("la checklist", CHECKLIST_INTENT)]
    form.slots[AID_SLOT] = "aide-inconnue"
    body = form.post(CHECKLIST_ACTION, active_loop=None)
    assert texts(body) == [
        "Je ne connais pas l'aide « aide-inconnue ». Demandez les résultats pour voir les "
        "aides possibles."
    ]


def test_unknown_action_is_answered_404(
    client: httpx.Client, server: ActionServer, domain: dict[str, Any]
) -> None:
    form = RasaForm(client, server, domain)
    payload = action_call("action_inexistante", domain=domain, slots={}, events=form.events)
    response = client.post(server.webhook_url, json=payload)
    assert response.status_code == 404
    assert response.json()["action_name"] == "action_inexistante"


def test_the_server_lists_the_three_actions(client: httpx.Client, server: ActionServer) -> None:
    response = client.get(f"{server.url}/actions")
    assert response.status_code == 200
    assert {a["name"] for a in response.json()} == {VALIDATE_ACTION, MATCH_ACTION, CHECKLIST_ACTION}


def test_a_changed_catalogue_is_reloaded_and_a_broken_one_ignored(
    client: httpx.Client, domain: dict[str, Any], tmp_path: Path
) -> None:
    catalogue = tmp_path / "catalogue.yaml"
    original = (PROJECT_ROOT / "aids_catalogue.yaml").read_text(encoding="utf-8")
    assert "name: Fonds UrgencESS\n" in original
    catalogue.write_text(original, encoding="utf-8")
    slots = {"legal_form": "association", "department": "59", "employees": 3}

    def first_eligible_block(server: ActionServer) -> str:
        events = [action_event("action_listen"), user_event("résultats")]
        payload = action_call(
            MATCH_ACTION, domain=domain, slots={**slots, AS_OF_SLOT: "2021-03-15"}, events=events
        )
        response = client.post(server.webhook_url, json=payload)
        assert response.status_code == 200, server.log()[-3000:]
        blocks: list[str] = [m["text"] for m in response.json()["responses"]]
        return next(b for b in blocks if "UrgencESS" in b)

    with ActionServer(env={"AIDESS_CATALOGUE": str(catalogue)}) as server:
        assert first_eligible_block(server).startswith("• Fonds UrgencESS")
        changed = original.replace("name: Fonds UrgencESS\n", "name: Fonds UrgencESS bis\n")
        catalogue.write_text(changed, encoding="utf-8")
        os.utime(catalogue, (1, 1))  # a different stamp even within the clock's resolution
        assert first_eligible_block(server).startswith("• Fonds UrgencESS bis")

        catalogue.write_text(changed.replace("aids:", "aids: [", 1), encoding="utf-8")
        assert first_eligible_block(server).startswith("• Fonds UrgencESS bis")
        assert "Fichiers invalides" in server.log()
