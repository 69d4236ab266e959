"""Whole conversations through the pure dialogue engine, on the real dialogue and catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from bot.core.dialogue import (
    Acknowledge,
    Ask,
    Back,
    Change,
    ChooseAnswer,
    Confirm,
    DialogueEngine,
    DialogueState,
    Notice,
    OfferRefine,
    Phase,
    Pick,
    Refine,
    Restart,
    ShowReport,
    ShowResults,
    Start,
    Step,
    Text,
    Toggle,
)
from bot.core.rules import Status
from bot.knowledge import Knowledge

TODAY = date(2026, 11, 26)


def engine(knowledge: Knowledge, as_of: date = TODAY) -> DialogueEngine:
    return DialogueEngine(knowledge.dialogue, knowledge.catalogue, as_of)


def asked(step: Step) -> Ask | None:
    return next((o for o in step.outputs if isinstance(o, Ask)), None)


def report_of(step: Step) -> ShowReport | None:
    return next((o for o in step.outputs if isinstance(o, ShowReport)), None)


def converse(
    eng: DialogueEngine, profile: Mapping[str, Any], *, refine: bool = False
) -> tuple[Step, list[str]]:
    """Answer every question from ``profile`` (missing ids: "je ne sais pas")."""
    step = eng.start()
    questions: list[str] = []
    while True:
        ask = asked(step)
        if ask is None:
            if any(isinstance(o, OfferRefine) for o in step.outputs) and refine:
                step = eng.handle(step.state, Refine(True))
                continue
            return step, questions
        questions.append(ask.question.id)
        value = profile.get(ask.question.id)
        step = eng.handle(step.state, Pick(ask.question.id, value, step.state.revision))
        assert len(questions) < 30, "the dialogue does not end"


NON_EMPLOYER_NORD = {
    "legal_form": "association",
    "department": "59",
    "employees": 0,
    "approvals": (),
    "sector": "culture",
    "culture_field": "autre",
    "has_siret": True,
    "creation_year": 2010,
    "needs": ("financement_projet",),
    "economic_activity": False,
    "annual_budget": 15000,
}
EMPLOYER_2021 = {
    "legal_form": "association",
    "department": "59",
    "employees": 3,
    "approvals": (),
    "sector": "culture",
    "culture_field": "spectacle_vivant",
    "has_siret": True,
    "creation_year": 2012,
    "needs": ("tresorerie", "emploi"),
    "hiring": ("jeune_moins_26",),
    "economic_activity": True,
    "commercial_taxes": False,
    "revenue_loss_pct": 60,
    "annual_budget": 120000,
}


def test_preface_comes_first(knowledge: Knowledge) -> None:
    eng = engine(knowledge)
    step = eng.start()
    assert asked(step).question.id == "legal_form"
    step = eng.handle(step.state, Text("association"))
    assert asked(step).question.id == "department"


def test_non_employer_association_in_nord_gets_results_within_six_answers(
    knowledge: Knowledge,
) -> None:
    step, questions = converse(engine(knowledge), NON_EMPLOYER_NORD)
    assert len(questions) <= 6
    shown = report_of(step)
    assert shown is not None
    partial = shown.report.find("activite-partielle")
    assert partial is not None and partial.status is Status.NOT_ELIGIBLE
    assert partial.verdict.near_miss == "Avec au moins 1 salarié, vous seriez éligible."
    assert partial in shown.report.near_misses


def test_employer_association_in_2021_gets_final_results_within_twelve_answers(
    knowledge: Knowledge,
) -> None:
    step, questions = converse(engine(knowledge, date(2021, 3, 15)), EMPLOYER_2021, refine=True)
    assert len(questions) <= 12, questions
    shown = report_of(step)
    assert shown is not None and shown.final
    statuses = {r.id: r.status for r in shown.report.results}
    assert statuses["urgencess-2021"] is Status.ELIGIBLE
    assert statuses["activite-partielle"] is Status.ELIGIBLE
    assert len(set(questions)) == len(questions), "a question was asked twice"


def test_first_results_then_offer_to_refine(knowledge: Knowledge) -> None:
    step, questions = converse(engine(knowledge, date(2021, 3, 15)), EMPLOYER_2021)
    assert any(isinstance(o, OfferRefine) for o in step.outputs)
    shown = report_of(step)
    assert shown is not None and not shown.final and shown.more > 0
    assert step.state.phase is Phase.OFFER
    declined = engine(knowledge, date(2021, 3, 15)).handle(step.state, Text("non"))
    assert report_of(declined).final and declined.state.phase is Phase.RESULTS


def test_only_questions_that_matter_are_asked(knowledge: Knowledge) -> None:
    _, questions = converse(engine(knowledge), NON_EMPLOYER_NORD, refine=True)
    # Covid-era questions cannot change any aid open in 2026.
    assert "revenue_loss_pct" not in questions


def test_bad_text_is_reprompted_with_an_example_and_changes_nothing(
    knowledge: Knowledge,
) -> None:
    eng = engine(knowledge)
    step = eng.start()
    again = eng.handle(step.state, Text("🦄 blabla"))
    ask = asked(again)
    assert ask is not None and ask.question.id == "legal_form"
    assert ask.problem is not None and "par exemple" in ask.problem
    assert again.state == step.state and not again.changed


def test_free_text_answers_are_understood(knowledge: Knowledge) -> None:
    eng = engine(knowledge)
    state = eng.start().state
    for text in ("asso", "pas de calais"):
        state = eng.handle(state, Text(text)).state
    assert state.answers == {"legal_form": "association", "department": "62"}
    step = eng.handle(state, Text("je ne sais pas"))
    assert step.state.answers[state.current] is None  # type: ignore[index]


def test_back_undoes_the_last_answer(knowledge: Knowledge) -> None:
    eng = engine(knowledge)
    state = eng.start().state
    state = eng.handle(state, Text("association")).state
    state = eng.handle(state, Text("59")).state
    step = eng.handle(state, Back())
    assert "department" not in step.state.answers
    assert asked(step).question.id == "department"
    assert step.state.answers == {"legal_form": "association"}


def test_back_at_the_start_says_so(knowledge: Knowledge) -> None:
    eng = engine(knowledge)
    step = eng.handle(eng.start().state, Back())
    assert any(isinstance(o, Notice) for o in step.outputs)
    assert asked(step).question.id == "legal_form"


def test_change_asks_again_and_dependants_follow(knowledge: Knowledge) -> None:
    eng = engine(knowledge)
    state = DialogueState(
        answers={
            "legal_form": "association",
            "department": "59",
            "sector": "culture",
            "culture_field": "musique",
        },
        order=("legal_form", "department", "sector", "culture_field"),
    )
    state = eng.handle(state, Start()).state
    menu = eng.handle(state, Change())
    assert isinstance(menu.outputs[0], ChooseAnswer)
    step = eng.handle(state, Change("sector"))
    assert asked(step).question.id == "sector"
    assert "culture_field" not in step.state.answers
    step = eng.handle(step.state, Text("sport"))
    assert "culture_field" not in step.state.answers
    assert asked(step) is None or asked(step).question.id != "culture_field"


def test_stale_button_changes_nothing(knowledge: Knowledge) -> None:
    eng = engine(knowledge)
    first = eng.start()
    old_revision = first.state.revision
    second = eng.handle(first.state, Pick("legal_form", "association", old_revision))
    # The same button pressed again (double tap, or an old message).
    again = eng.handle(second.state, Pick("legal_form", "fondation", old_revision))
    assert again.state == second.state and not again.changed
    assert any(isinstance(o, Notice) for o in again.outputs)
    assert asked(again).question.id == asked(second).question.id


def test_multi_choice_toggles_then_confirms(knowledge: Knowledge) -> None:
    eng = engine(knowledge)
    state = DialogueState(
        answers={"legal_form": "association", "department": "59", "employees": 0},
        order=("legal_form", "department", "employees"),
    )
    step = eng.handle(state, Start())
    multi = asked(step)
    assert multi is not None
    while multi.question.type != "multi":
        step = eng.handle(step.state, Pick(multi.question.id, None, step.state.revision))
        multi = asked(step)
        assert multi is not None
    qid = multi.question.id
    first, second = multi.question.choice_values()[:2]
    step = eng.handle(step.state, Toggle(qid, first, step.state.revision))
    step = eng.handle(step.state, Toggle(qid, second, step.state.revision))
    step = eng.handle(step.state, Toggle(qid, first, step.state.revision))
    assert asked(step).draft == (second,)
    step = eng.handle(step.state, Confirm(qid, step.state.revision))
    assert step.state.answers[qid] == (second,)
    assert isinstance(step.outputs[0], Acknowledge)


def test_results_now_and_restart(knowledge: Knowledge) -> None:
    eng = engine(knowledge)
    state = eng.handle(eng.start().state, Text("association")).state
    shown = eng.handle(state, ShowResults())
    assert report_of(shown) is not None and not report_of(shown).final
    # Questions remain: the user may go on answering them.
    assert shown.state.phase is Phase.OFFER
    assert any(isinstance(o, OfferRefine) for o in shown.outputs)
    going_on = eng.handle(shown.state, Refine(True))
    assert asked(going_on).question.id == "department"
    restarted = eng.handle(shown.state, Restart())
    assert restarted.state.answers == {} and asked(restarted).question.id == "legal_form"


def test_state_round_trips_through_json(knowledge: Knowledge) -> None:
    eng = engine(knowledge)
    state = eng.handle(eng.start().state, Text("asso")).state
    state = eng.handle(state, Text("Nord")).state
    restored = DialogueState.from_json(state.to_json(), knowledge.dialogue.questions)
    assert restored == state


@pytest.mark.parametrize("as_of", [date(2021, 3, 15), date(2022, 4, 20), TODAY])
def test_every_status_is_reachable_and_dialogue_ends(knowledge: Knowledge, as_of: date) -> None:
    step, questions = converse(engine(knowledge, as_of), EMPLOYER_2021, refine=True)
    assert report_of(step) is not None
    assert step.state.phase is Phase.RESULTS
