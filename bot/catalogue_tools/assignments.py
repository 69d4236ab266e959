"""Finite sets of answers that decide criteria: can a rule ever be true, and for whom?

A condition only compares an answer with constants, so two numbers lying strictly between
the same consecutive constants behave alike. Trying every constant, its neighbours (±1) and
the question's bounds therefore decides every numeric condition; choices are tried
exhaustively, multiple choices as subsets of the values the criteria name, départements as
the named ones plus one other, years relative to the reference date. Questions asked only
under a condition (``ask_if``) are left unanswered when it does not hold, as in a dialogue.
Pure: no I/O.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date

from bot.core.criteria import Criterion, Leaf, Node
from bot.core.vocabulary import NUMERIC_TYPES, AnswerValue, Question, QuestionType

# Beyond this many combinations a search is skipped: no answer rather than a slow one.
MAX_ASSIGNMENTS = 50_000

Assignment = dict[str, AnswerValue]


def involved_answers(
    nodes: Iterable[Node], questions: Mapping[str, Question], ask_if: Mapping[str, Criterion]
) -> list[str]:
    """Answer ids the nodes read, plus those deciding whether they are asked; question order."""
    wanted: set[str] = set()
    pending = set().union(*(node.answer_ids() for node in nodes))
    while pending:
        answer = pending.pop()
        wanted.add(answer)
        condition = ask_if.get(answer)
        if condition is not None:
            pending |= condition.root.answer_ids() - wanted
    return [qid for qid in questions if qid in wanted]


def candidate_values(
    question: Question, leaves: Sequence[Leaf], as_of: date
) -> tuple[AnswerValue, ...]:
    """Values of one answer that together decide every leaf on it, most telling first."""
    match question.type:
        case QuestionType.YESNO:
            return (True, False)
        case QuestionType.CHOICE:
            return question.choice_values()
        case QuestionType.DEPARTMENT:
            return _departments(question, leaves)
        case QuestionType.MULTI:
            return _subsets(leaves)
    if question.type in NUMERIC_TYPES:
        return _numbers(question, leaves, as_of)
    return ()  # pragma: no cover - every type is matched above


def _named(leaves: Sequence[Leaf]) -> list[str]:
    named: list[str] = []
    for leaf in leaves:
        argument = leaf.argument
        items = argument if isinstance(argument, tuple) else (argument,)
        named.extend(str(item) for item in items if str(item) not in named)
    return named


def _departments(question: Question, leaves: Sequence[Leaf]) -> tuple[AnswerValue, ...]:
    named = _named(leaves)
    other = next(code for code in question.choice_values() if code not in named)
    return (*named, other)


def _subsets(leaves: Sequence[Leaf]) -> tuple[AnswerValue, ...]:
    named = _named(leaves)
    return tuple(
        combination
        for size in range(len(named) + 1)
        for combination in itertools.combinations(named, size)
    )


def _numbers(question: Question, leaves: Sequence[Leaf], as_of: date) -> tuple[AnswerValue, ...]:
    low, high = question.bounds(as_of.year)
    points = [point for leaf in leaves for point in _points(leaf, as_of)]
    neighbours = [point + step for point in points for step in (-1, 1)]
    extremes = [bound for bound in (low, high) if bound is not None]
    inside = [
        value
        for value in (*points, *neighbours, *extremes)
        if (low is None or value >= low) and (high is None or value <= high)
    ]
    return tuple(dict.fromkeys(inside)) or (low if low is not None else 0,)


def _points(leaf: Leaf, as_of: date) -> list[int]:
    argument = leaf.argument
    if leaf.operator == "years_ago_at_least":
        return [as_of.year - argument]
    if leaf.operator == "between":
        return [argument[0], argument[1]]
    if isinstance(argument, int) and not isinstance(argument, bool):
        return [argument]
    return []


def count_assignments(
    nodes: Sequence[Node],
    questions: Mapping[str, Question],
    ask_if: Mapping[str, Criterion],
    as_of: date,
) -> int:
    return math.prod(len(values) for _, values in _domains(nodes, questions, ask_if, as_of))


def _domains(
    nodes: Sequence[Node],
    questions: Mapping[str, Question],
    ask_if: Mapping[str, Criterion],
    as_of: date,
) -> list[tuple[str, tuple[AnswerValue, ...]]]:
    answers = involved_answers(nodes, questions, ask_if)
    leaves = [leaf for node in nodes for leaf in node.leaves()]
    leaves += [
        leaf for answer in answers if answer in ask_if for leaf in ask_if[answer].root.leaves()
    ]
    return [
        (
            answer,
            candidate_values(
                questions[answer], [leaf for leaf in leaves if leaf.answer == answer], as_of
            ),
        )
        for answer in answers
    ]


def assignments(
    nodes: Sequence[Node],
    questions: Mapping[str, Question],
    ask_if: Mapping[str, Criterion],
    as_of: date,
    limit: int = MAX_ASSIGNMENTS,
) -> Iterator[Assignment] | None:
    """Every candidate set of answers for the nodes, or None when there are over ``limit``."""
    domains = _domains(nodes, questions, ask_if, as_of)
    if math.prod(len(values) for _, values in domains) > limit:
        return None
    ids = [answer for answer, _ in domains]
    combos = itertools.product(*(values for _, values in domains))
    return (asked(dict(zip(ids, combo, strict=True)), ask_if) for combo in combos)


def asked(answers: Assignment, ask_if: Mapping[str, Criterion]) -> Assignment:
    """Drop (in place) the answers to questions a dialogue would not ask, given the others."""
    for answer in list(answers):
        condition = ask_if.get(answer)
        # ask_if conditions never depend on the reference date.
        if condition is not None and condition.evaluate(answers, date.min) is not True:
            del answers[answer]
    return answers


def witness(
    nodes: Sequence[Node],
    questions: Mapping[str, Question],
    ask_if: Mapping[str, Criterion],
    dates: Iterable[date],
    limit: int = MAX_ASSIGNMENTS,
) -> tuple[date, Assignment] | None:
    """A date and answers making every node true, or None (none found, or too many to try)."""
    for day in dates:
        candidates = assignments(nodes, questions, ask_if, day, limit)
        for answers in candidates or ():
            if all(node.evaluate(answers, day) is True for node in nodes):
                return day, answers
    return None


def satisfiable(
    nodes: Sequence[Node],
    questions: Mapping[str, Question],
    ask_if: Mapping[str, Criterion],
    dates: Sequence[date],
    limit: int = MAX_ASSIGNMENTS,
) -> bool | None:
    """True when some answers make every node true, False when none can, None: not decided."""
    if any(count_assignments(nodes, questions, ask_if, day) > limit for day in dates):
        return None
    return witness(nodes, questions, ask_if, dates, limit) is not None
