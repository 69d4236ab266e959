"""The rules engine on plain data: three-valued logic, statuses, reasons, near misses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from bot.core.catalogue import Catalogue
from bot.core.rules import Status, evaluate, evaluate_aid

EMPLOYER = "{answer: employees, at_least: 1}"
PERMANENT = "{permanent: true}"
WINDOW_2021 = "{windows: [{start: 2021-01-22, end: 2021-07-31}]}"
TODAY = date(2026, 11, 26)


def test_unknown_never_counts_as_true(make_catalogue: Callable[..., Catalogue]) -> None:
    catalogue = make_catalogue(("a", EMPLOYER, PERMANENT))
    aid = catalogue.aids[0]
    assert evaluate_aid(aid, {}, TODAY).status is Status.TO_CONFIRM
    assert evaluate_aid(aid, {"employees": None}, TODAY).status is Status.TO_CONFIRM
    assert evaluate_aid(aid, {"employees": 0}, TODAY).status is Status.NOT_ELIGIBLE
    assert evaluate_aid(aid, {"employees": 1}, TODAY).status is Status.ELIGIBLE


def test_missing_separates_not_asked_from_unknown(make_catalogue: Callable[..., Catalogue]) -> None:
    rule = "{all: [{answer: employees, at_least: 1}, {answer: has_siret, equals: true}]}"
    aid = make_catalogue(("a", rule, PERMANENT)).aids[0]
    verdict = evaluate_aid(aid, {"employees": None}, TODAY)
    assert verdict.missing == ("employees", "has_siret")
    assert verdict.pending == {"has_siret"}  # "je ne sais pas" is not asked again


def test_any_is_true_when_one_branch_holds_even_if_other_unknown(
    make_catalogue: Callable[..., Catalogue],
) -> None:
    rule = "{any: [{answer: commercial_taxes, equals: true}, {answer: employees, at_least: 1}]}"
    aid = make_catalogue(("a", rule, PERMANENT)).aids[0]
    assert evaluate_aid(aid, {"employees": 2}, TODAY).status is Status.ELIGIBLE
    assert evaluate_aid(aid, {"employees": 0}, TODAY).pending == {"commercial_taxes"}


def test_if_then_only_applies_to_the_named_form(make_catalogue: Callable[..., Catalogue]) -> None:
    rule = "{if: {answer: legal_form, equals: association}, then: {answer: employees, at_least: 1}}"
    aid = make_catalogue(("a", rule, PERMANENT))
    verdict_coop = evaluate_aid(aid.aids[0], {"legal_form": "cooperative"}, TODAY)
    verdict_asso = evaluate_aid(aid.aids[0], {"legal_form": "association", "employees": 0}, TODAY)
    assert verdict_coop.status is Status.ELIGIBLE
    assert verdict_asso.status is Status.NOT_ELIGIBLE


def test_closed_outside_every_window_whatever_the_answers(
    make_catalogue: Callable[..., Catalogue],
) -> None:
    aid = make_catalogue(("a", EMPLOYER, WINDOW_2021)).aids[0]
    assert evaluate_aid(aid, {"employees": 3}, date(2021, 1, 21)).status is Status.CLOSED
    assert evaluate_aid(aid, {"employees": 3}, date(2021, 1, 22)).status is Status.ELIGIBLE
    assert evaluate_aid(aid, {"employees": 3}, date(2021, 7, 31)).status is Status.ELIGIBLE
    closed = evaluate_aid(aid, {"employees": 3}, date(2021, 8, 1))
    assert closed.status is Status.CLOSED
    assert "22 janvier 2021" in closed.reasons[0] and "31 juillet 2021" in closed.reasons[0]


def test_near_miss_names_what_would_change(make_catalogue: Callable[..., Catalogue]) -> None:
    rule = "{all: [{answer: legal_form, equals: association}, {answer: employees, at_least: 1}]}"
    aid = make_catalogue(("a", rule, PERMANENT)).aids[0]
    verdict = evaluate_aid(aid, {"legal_form": "association", "employees": 0}, TODAY)
    assert verdict.status is Status.NOT_ELIGIBLE
    assert verdict.near_miss == "Avec au moins 1 salarié, vous seriez éligible."
    assert "votre réponse : Nombre de salariés : 0" in verdict.reasons[0]
    # Two failing conditions: not a near miss.
    far = evaluate_aid(aid, {"legal_form": "fondation", "employees": 0}, TODAY)
    assert far.near_miss is None and len(far.reasons) == 2


def test_years_ago_is_relative_to_the_reference_date(
    make_catalogue: Callable[..., Catalogue],
) -> None:
    aid = make_catalogue(("a", "{answer: creation_year, years_ago_at_least: 1}", PERMANENT))
    rule_aid = aid.aids[0]
    assert evaluate_aid(rule_aid, {"creation_year": 2025}, TODAY).status is Status.ELIGIBLE
    assert evaluate_aid(rule_aid, {"creation_year": 2026}, TODAY).status is Status.NOT_ELIGIBLE


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"legal_form": "association", "employees": 3}, Status.ELIGIBLE),
        ({"legal_form": "association", "employees": 11}, Status.NOT_ELIGIBLE),
        ({"legal_form": "autre", "approvals": ("esus",), "employees": 10}, Status.ELIGIBLE),
        ({"legal_form": "autre", "approvals": (), "employees": 5}, Status.NOT_ELIGIBLE),
        ({"legal_form": "autre", "employees": 5}, Status.TO_CONFIRM),
    ],
)
def test_urgencess_rule_on_real_catalogue(knowledge, answers, expected) -> None:  # type: ignore[no-untyped-def]
    aid = knowledge.catalogue.aid("urgencess-2021")
    assert evaluate_aid(aid, answers, date(2021, 3, 15)).status is expected


def test_every_aid_gets_one_verdict(knowledge) -> None:  # type: ignore[no-untyped-def]
    verdicts = evaluate(knowledge.catalogue, {}, TODAY)
    assert [v.id for v in verdicts] == [a.id for a in knowledge.catalogue.aids]


def test_no_near_miss_on_what_a_structure_cannot_change(
    make_catalogue: Callable[..., Catalogue],
) -> None:
    rule = "{all: [{answer: legal_form, equals: association}, {answer: employees, at_least: 1}]}"
    aid = make_catalogue(("a", rule, PERMANENT)).aids[0]
    verdict = evaluate_aid(aid, {"legal_form": "cooperative", "employees": 3}, TODAY)
    assert verdict.status is Status.NOT_ELIGIBLE and verdict.near_miss is None
