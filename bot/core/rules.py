"""The rules engine: answers + reference date -> one verdict per aid. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.core.catalogue import Aid, Catalogue
from bot.core.criteria import Leaf, Node, bound_phrase
from bot.core.texts import french_date
from bot.core.vocabulary import Answers

NEEDS_WEIGHT = 0.15


class Status(StrEnum):
    ELIGIBLE = "eligible"
    TO_CONFIRM = "to_confirm"
    NOT_ELIGIBLE = "not_eligible"
    CLOSED = "closed"


@dataclass(frozen=True)
class Verdict:
    aid: Aid
    status: Status
    reasons: tuple[str, ...]
    missing: tuple[str, ...]  # answer ids (not given, or "je ne sais pas") that would decide
    pending: frozenset[str]  # the subset never asked: what the dialogue may still ask
    near_miss: str | None
    relevant: bool | None  # None: depends on answers not given yet
    amounts: tuple[str, ...]
    deadline: date | None
    calendar_note: str | None

    @property
    def id(self) -> str:
        return self.aid.id


def evaluate(catalogue: Catalogue, answers: Answers, as_of: date) -> list[Verdict]:
    return [evaluate_aid(aid, answers, as_of) for aid in catalogue.aids]


def statuses(catalogue: Catalogue, answers: Answers, as_of: date) -> dict[str, Status]:
    """Only the status of each aid: the fast path when no reasons or texts are needed."""
    result: dict[str, Status] = {}
    for aid in catalogue.aids:
        if not aid.is_open(as_of):
            result[aid.id] = Status.CLOSED
            continue
        truth = aid.rule.root.evaluate(answers, as_of)
        result[aid.id] = _STATUS_OF[truth]
    return result


_STATUS_OF = {True: Status.ELIGIBLE, False: Status.NOT_ELIGIBLE, None: Status.TO_CONFIRM}


def evaluate_aid(aid: Aid, answers: Answers, as_of: date) -> Verdict:
    relevance = _relevance(aid, answers, as_of)
    amounts = _amounts(aid, answers, as_of)
    deadline, calendar_note = _calendar(aid, as_of)
    if not aid.is_open(as_of):
        return Verdict(
            aid,
            Status.CLOSED,
            (_closed_reason(aid),),
            (),
            frozenset(),
            None,
            relevance,
            amounts,
            None,
            calendar_note,
        )
    truth = aid.rule.evaluate(answers, as_of)
    conjuncts = aid.rule.conjuncts
    if truth is True:
        reasons = tuple(node.text for node in conjuncts)
        return Verdict(
            aid,
            Status.ELIGIBLE,
            reasons,
            (),
            frozenset(),
            None,
            relevance,
            amounts,
            deadline,
            calendar_note,
        )
    if truth is False:
        failed = [n for n in conjuncts if n.evaluate(answers, as_of) is False]
        reasons = tuple(_failure(node, answers) for node in failed)
        undecided = any(n.evaluate(answers, as_of) is None for n in conjuncts)
        near = _near_miss(failed[0]) if len(failed) == 1 and not undecided else None
        if near is not None and not all(leaf.question.changeable for leaf in failed[0].leaves()):
            near = None
        return Verdict(
            aid,
            Status.NOT_ELIGIBLE,
            reasons,
            (),
            frozenset(),
            near,
            relevance,
            amounts,
            deadline,
            calendar_note,
        )
    pending = aid.rule.root.pending(answers, as_of)
    unknowns = aid.rule.root.unknowns(answers, as_of)
    missing = tuple(sorted(pending | unknowns, key=_question_order(aid.rule.root)))
    reasons = tuple(
        f"À confirmer : {node.text}" for node in conjuncts if node.evaluate(answers, as_of) is None
    )
    return Verdict(
        aid,
        Status.TO_CONFIRM,
        reasons,
        missing,
        pending,
        None,
        relevance,
        amounts,
        deadline,
        calendar_note,
    )


def decisive_questions(catalogue: Catalogue, answers: Answers, as_of: date) -> dict[str, float]:
    """How many undecided aids each unasked answer could decide (relevance counts half).

    The hot path of the dialogue: one pass per aid, no texts built.
    """
    scores: dict[str, float] = {}
    for aid in catalogue.aids:
        if not aid.is_open(as_of):
            continue
        pending: list[str] = []
        truth = aid.rule.root.scan(answers, as_of, pending)
        if truth is False:
            continue
        for answer in set(pending):
            scores[answer] = scores.get(answer, 0.0) + 1.0
        if aid.spec.needs and "needs" not in answers:
            # Knowing the needs only orders the results: worth asking, but after the
            # questions that settle eligibility.
            scores["needs"] = scores.get("needs", 0.0) + NEEDS_WEIGHT
        if aid.relevance is not None:
            needed: list[str] = []
            if aid.relevance.root.scan(answers, as_of, needed) is None:
                for answer in set(needed):
                    scores[answer] = scores.get(answer, 0.0) + 0.5
    return scores


def _relevance(aid: Aid, answers: Answers, as_of: date) -> bool | None:
    needs = answers.get("needs", ())
    if aid.relevance is not None:
        return aid.relevance.evaluate(answers, as_of)
    if aid.spec.needs and "needs" in answers:
        if needs is None:
            return None
        assert isinstance(needs, tuple)
        return any(need in needs for need in aid.spec.needs)
    return None if aid.spec.needs else True


def _amounts(aid: Aid, answers: Answers, as_of: date) -> tuple[str, ...]:
    is_open = aid.is_open(as_of)
    chosen = [
        a.text
        for a in aid.amounts
        if (a.current(as_of) or not is_open)
        and (a.when is None or a.when.evaluate(answers, as_of) is not False)
    ]
    return tuple(chosen)


def _calendar(aid: Aid, as_of: date) -> tuple[date | None, str | None]:
    calendar = aid.spec.calendar
    if calendar.permanent:
        return None, "Dispositif permanent : vous pouvez le demander à tout moment."
    if calendar.yearly is not None:
        for call in calendar.yearly.known_calls:
            if call.contains(as_of):
                end = f" jusqu'au {french_date(call.end)}" if call.end else ""
                return call.end, f"Appel à projets ouvert{end}."
        return None, (
            f"Appel à projets annuel, ouvert habituellement {calendar.yearly.period}. "
            "Préparez votre dossier dès maintenant."
        )
    for window in calendar.windows:
        if window.contains(as_of):
            if window.end is None:
                return None, f"Ouvert depuis le {french_date(window.start)}."
            return window.end, f"Ouvert jusqu'au {french_date(window.end)}."
    return None, None


def _closed_reason(aid: Aid) -> str:
    periods = [
        f"du {french_date(w.start)} au {french_date(w.end)}"
        if w.end
        else f"à partir du {french_date(w.start)}"
        for w in aid.spec.calendar.windows
    ]
    return "Dispositif fermé : il était ouvert " + " puis ".join(periods) + "."


def _failure(node: Node, answers: Answers) -> str:
    given = node.your_answer(answers)
    return f"Condition non remplie : {node.text}" + (f" (votre réponse : {given})" if given else "")


def _near_miss(node: Node) -> str:
    if isinstance(node, Leaf) and node.question.unit:
        bound = bound_phrase(node)
        if bound is not None:
            return f"Avec {bound}, vous seriez éligible."
    return f"Il ne vous manque qu'une condition : {node.text}."


def _question_order(root: Node) -> Callable[[str], int]:
    order = {leaf.answer: i for i, leaf in enumerate(root.leaves())}
    return lambda answer: order.get(answer, len(order))
