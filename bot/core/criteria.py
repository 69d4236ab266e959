"""Criteria: structured conditions on answers, compiled once into three-valued predicates.

A criterion is YAML data, in the style of publicodes / aides-jeunes:

    all:                       # every sub-criterion (also: any, not, if/then)
      - ref: ess_family        # a named criterion declared once in the catalogue
      - answer: employees
        between: [1, 10]
        text: "entre 1 et 10 salariés"   # optional: the French wording

Truth values are ``True``, ``False`` and ``None`` (unknown). Unknown never counts as true.
Each condition type is one pure predicate in the ``OPERATORS`` lookup table.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.core.vocabulary import NUMERIC_TYPES, Answers, AnswerValue, Question, QuestionType

Truth = bool | None
PathKey = tuple[str | int, ...]


class CriterionError(Exception):
    """A criterion that cannot be compiled; ``path`` is relative to the criterion's root."""

    def __init__(self, path: PathKey, message: str, *, key: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.key = key


# -- operators ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Operator:
    """One condition type: which answers it applies to, how it decides, how it reads."""

    types: frozenset[QuestionType]
    check: Callable[[AnswerValue, Any, date], bool]
    describe: Callable[[Question, Any], str]
    argument: Callable[[Question, Any], Any]  # validates and normalises the YAML argument


def _value_arg(question: Question, raw: Any) -> Any:
    if question.type is QuestionType.YESNO:
        if not isinstance(raw, bool):
            raise ValueError("attendu true ou false")
        return raw
    if question.type in NUMERIC_TYPES:
        return _number_arg(question, raw)
    value = (
        f"{raw:02d}" if isinstance(raw, int) and question.type is QuestionType.DEPARTMENT else raw
    )
    if not isinstance(value, str) or value not in question.choice_values():
        allowed = ", ".join(question.choice_values()[:12])
        raise ValueError(
            f"valeur « {raw} » inconnue pour {question.id}"
            f"{did_you_mean(str(raw), question.choice_values())} ; valeurs possibles : {allowed}"
        )
    return value


def did_you_mean(word: str, options: Sequence[str]) -> str:
    """`` : vouliez-vous dire « employees » ?`` for a close spelling, else ``""``."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (vouliez-vous dire « {close[0]} » ?)" if close else ""


class ArgumentError(ValueError):
    """A faulty item of a list argument: ``index`` points at it for FILE:LINE:COLUMN."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def _item(check: Callable[[Question, Any], Any], question: Question, raw: Any, index: int) -> Any:
    try:
        return check(question, raw)
    except ArgumentError:
        raise
    except ValueError as error:
        raise ArgumentError(str(error), index) from None


def _values_arg(question: Question, raw: Any) -> tuple[Any, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(
            "attendu une liste non vide de valeurs, par exemple [association, fondation]"
        )
    return tuple(_item(_value_arg, question, item, i) for i, item in enumerate(raw))


def _number_arg(question: Question, raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError("attendu un nombre entier")
    low, high = question.bounds(9999)
    if (low is not None and raw < low) or (high is not None and raw > high):
        raise ValueError(f"{raw} est hors des valeurs possibles pour {question.id}")
    return raw


def _between_arg(question: Question, raw: Any) -> tuple[int, int]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise ValueError("attendu [minimum, maximum], par exemple [1, 10]")
    low, high = _item(_number_arg, question, raw[0], 0), _item(_number_arg, question, raw[1], 1)
    if low > high:
        raise ValueError(f"bornes impossibles : le minimum {low} dépasse le maximum {high}")
    return low, high


def _choice_of_multi_arg(question: Question, raw: Any) -> str:
    return str(_value_arg(question, raw))


def _years_arg(question: Question, raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValueError("attendu un nombre d'années positif")
    return raw


def _labels(question: Question, values: tuple[Any, ...]) -> str:
    labels = [
        question.format(v) if question.type is not QuestionType.MULTI else question.choice_label(v)
        for v in values
    ]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " ou " + labels[-1]


def _is(value: AnswerValue, expected: Any, _: date) -> bool:
    return bool(value == expected)


def _describe_equals(question: Question, arg: Any) -> str:
    if question.type is QuestionType.YESNO:
        text = question.yes_text if arg else question.no_text
        return text or f"{question.label} : {'oui' if arg else 'non'}"
    return f"{question.label} : {question.format(arg)}"


def _describe_not_equals(question: Question, arg: Any) -> str:
    if question.type is QuestionType.YESNO:
        return _describe_equals(question, not arg)
    return f"{question.label} autre que {question.format(arg)}"


def _number(value: AnswerValue) -> int:
    assert isinstance(value, int) and not isinstance(value, bool)
    return value


def _contains(value: AnswerValue, item: Any, _: date) -> bool:
    return isinstance(value, tuple) and item in value


OPERATORS: Mapping[str, Operator] = {
    "equals": Operator(
        frozenset(QuestionType) - {QuestionType.MULTI}, _is, _describe_equals, _value_arg
    ),
    "not_equals": Operator(
        frozenset(QuestionType) - {QuestionType.MULTI},
        lambda v, a, _: v != a,
        _describe_not_equals,
        _value_arg,
    ),
    "one_of": Operator(
        frozenset({QuestionType.CHOICE, QuestionType.DEPARTMENT}),
        lambda v, a, _: v in a,
        lambda q, a: f"{q.label} : {_labels(q, a)}",
        _values_arg,
    ),
    "not_one_of": Operator(
        frozenset({QuestionType.CHOICE, QuestionType.DEPARTMENT}),
        lambda v, a, _: v not in a,
        lambda q, a: f"{q.label} autre que {_labels(q, a)}",
        _values_arg,
    ),
    "at_least": Operator(
        NUMERIC_TYPES,
        lambda v, a, _: _number(v) >= a,
        lambda q, a: f"{q.label} : au moins {q.quantity(a)}",
        _number_arg,
    ),
    "at_most": Operator(
        NUMERIC_TYPES,
        lambda v, a, _: _number(v) <= a,
        lambda q, a: f"{q.label} : au plus {q.quantity(a)}",
        _number_arg,
    ),
    "between": Operator(
        NUMERIC_TYPES,
        lambda v, a, _: a[0] <= _number(v) <= a[1],
        lambda q, a: f"{q.label} : entre {q.quantity(a[0])} et {q.quantity(a[1])}",
        _between_arg,
    ),
    "contains": Operator(
        frozenset({QuestionType.MULTI}),
        _contains,
        lambda q, a: f"{q.label} : {q.choice_label(a)}",
        _choice_of_multi_arg,
    ),
    "not_contains": Operator(
        frozenset({QuestionType.MULTI}),
        lambda v, a, d: not _contains(v, a, d),
        lambda q, a: f"{q.label} : pas encore {q.choice_label(a)}",
        _choice_of_multi_arg,
    ),
    "contains_any": Operator(
        frozenset({QuestionType.MULTI}),
        lambda v, a, _: isinstance(v, tuple) and any(item in v for item in a),
        lambda q, a: f"{q.label} : {_labels(q, a)}",
        _values_arg,
    ),
    # creation_year <= year(as_of) - N: "created at least N calendar years before".
    "years_ago_at_least": Operator(
        frozenset({QuestionType.YEAR}),
        lambda v, a, as_of: as_of.year - _number(v) >= a,
        lambda q, a: f"{q.label} : au plus tard il y a {a} an{'s' if a > 1 else ''}",
        _years_arg,
    ),
}


# -- compiled nodes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    answer: str
    operator: str
    argument: Any
    text: str
    question: Question
    # The operator's predicate, looked up once at compile time.
    check: Callable[[AnswerValue, Any, date], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "check", OPERATORS[self.operator].check)

    def evaluate(self, answers: Answers, as_of: date) -> Truth:
        value = answers.get(self.answer)
        if value is None:
            return None
        return self.check(value, self.argument, as_of)

    def scan(self, answers: Answers, as_of: date, pending: list[str]) -> Truth:
        """Evaluate, appending the unasked answer ids the result still depends on."""
        value = answers.get(self.answer)
        if value is None:
            if self.answer not in answers:
                pending.append(self.answer)
            return None
        return self.check(value, self.argument, as_of)

    def pending(self, answers: Answers, as_of: date) -> frozenset[str]:
        return frozenset() if self.answer in answers else frozenset({self.answer})

    def unknowns(self, answers: Answers, as_of: date) -> frozenset[str]:
        known = self.answer in answers and answers[self.answer] is None
        return frozenset({self.answer}) if known else frozenset()

    def answer_ids(self) -> frozenset[str]:
        return frozenset({self.answer})

    def your_answer(self, answers: Answers) -> str | None:
        if self.answer not in answers:
            return None
        return f"{self.question.label} : {self.question.format(answers[self.answer])}"

    def leaves(self) -> Iterator[Leaf]:
        yield self


@dataclass(frozen=True)
class Group:
    """``all`` (every child), ``any`` (one child) or ``not`` (single child)."""

    kind: str
    children: tuple[Node, ...]
    text: str

    def evaluate(self, answers: Answers, as_of: date) -> Truth:
        if self.kind == "not":
            value = self.children[0].evaluate(answers, as_of)
            return None if value is None else not value
        decisive = self.kind == "any"  # True decides `any`, False decides `all`
        unknown = False
        for child in self.children:
            value = child.evaluate(answers, as_of)
            if value is decisive:
                return decisive
            unknown = unknown or value is None
        return None if unknown else not decisive

    def scan(self, answers: Answers, as_of: date, pending: list[str]) -> Truth:
        """One pass: the truth value, and (only when unknown) the unasked answers it needs."""
        mark = len(pending)
        if self.kind == "not":
            value = self.children[0].scan(answers, as_of, pending)
            return None if value is None else not value
        decisive = self.kind == "any"
        unknown = False
        for child in self.children:
            value = child.scan(answers, as_of, pending)
            if value is decisive:
                del pending[mark:]  # settled: what the other children need no longer matters
                return decisive
            unknown = unknown or value is None
        return None if unknown else not decisive

    def pending(self, answers: Answers, as_of: date) -> frozenset[str]:
        found: list[str] = []
        self.scan(answers, as_of, found)
        return frozenset(found)

    def unknowns(self, answers: Answers, as_of: date) -> frozenset[str]:
        if self.evaluate(answers, as_of) is not None:
            return frozenset()
        return frozenset().union(*(c.unknowns(answers, as_of) for c in self.children))

    def answer_ids(self) -> frozenset[str]:
        return frozenset().union(*(c.answer_ids() for c in self.children))

    def your_answer(self, answers: Answers) -> str | None:
        given = [a for c in self.children if (a := c.your_answer(answers))]
        return " ; ".join(dict.fromkeys(given)) or None

    def leaves(self) -> Iterator[Leaf]:
        for child in self.children:
            yield from child.leaves()


Node = Leaf | Group


@dataclass(frozen=True)
class Criterion:
    """A compiled criterion; ``conjuncts`` are the separate conditions shown to users."""

    root: Node
    conjuncts: tuple[Node, ...] = field(default=())

    def evaluate(self, answers: Answers, as_of: date) -> Truth:
        return self.root.evaluate(answers, as_of)


# -- compilation ------------------------------------------------------------------------

_GROUP_KEYS = {"all", "any", "not", "if", "ref"}
_LEAF_EXTRA = {"answer", "text"}


def compile_criterion(
    raw: Any,
    questions: Mapping[str, Question],
    definitions: Mapping[str, Node] | None = None,
) -> Criterion:
    """Compile YAML data into a Criterion; raise CriterionError with the faulty path."""
    root = _compile(raw, (), questions, definitions or {})
    conjuncts = root.children if isinstance(root, Group) and root.kind == "all" else (root,)
    return Criterion(root, conjuncts)


def compile_node(
    raw: Any, questions: Mapping[str, Question], definitions: Mapping[str, Node]
) -> Node:
    return _compile(raw, (), questions, definitions)


def _compile(
    raw: Any, path: PathKey, questions: Mapping[str, Question], defs: Mapping[str, Node]
) -> Node:
    if not isinstance(raw, dict):
        raise CriterionError(
            path, "une condition doit être un ensemble « answer: … » ou « all: / any: / not: »"
        )
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        raise CriterionError((*path, "text"), "« text » doit être une phrase")
    if "answer" in raw:
        return _compile_leaf(raw, path, questions, text)
    kinds = [k for k in raw if k in _GROUP_KEYS]
    unknown = [k for k in raw if k not in _GROUP_KEYS | {"text", "then"}]
    if unknown:
        raise CriterionError(
            (*path, unknown[0]),
            f"mot-clé « {unknown[0]} » inconnu : utilisez answer, all, any, not, if/then ou ref",
            key=True,
        )
    if len(kinds) != 1:
        raise CriterionError(
            path, "une condition doit avoir un seul mot-clé parmi all, any, not, if, ref"
        )
    kind = kinds[0]
    if kind == "ref":
        name = raw["ref"]
        if name not in defs:
            known = ", ".join(defs) or "aucune"
            raise CriterionError(
                (*path, "ref"), f"définition « {name} » inconnue (connues : {known})"
            )
        node = defs[name]
        return node if text is None else _retext(node, text)
    if kind == "not":
        child = _compile(raw["not"], (*path, "not"), questions, defs)
        return Group("not", (child,), text or f"pas : {child.text}")
    if kind == "if":
        if "then" not in raw:
            raise CriterionError(path, "« if » doit être suivi de « then »")
        condition = _compile(raw["if"], (*path, "if"), questions, defs)
        consequence = _compile(raw["then"], (*path, "then"), questions, defs)
        negated = Group("not", (condition,), f"pas : {condition.text}")
        return Group(
            "any", (negated, consequence), text or f"si {condition.text} : {consequence.text}"
        )
    items = raw[kind]
    if not isinstance(items, list) or not items:
        raise CriterionError((*path, kind), f"« {kind} » attend une liste non vide de conditions")
    children = tuple(
        _compile(item, (*path, kind, i), questions, defs) for i, item in enumerate(items)
    )
    joiner = " et " if kind == "all" else " ou "
    return Group(kind, children, text or joiner.join(c.text for c in children))


def _compile_leaf(
    raw: dict[str, Any], path: PathKey, questions: Mapping[str, Question], text: str | None
) -> Leaf:
    answer = raw["answer"]
    question = questions.get(answer) if isinstance(answer, str) else None
    if question is None:
        raise CriterionError(
            (*path, "answer"),
            f"réponse « {answer} » inconnue{did_you_mean(str(answer), list(questions))} : "
            f"les réponses possibles sont {', '.join(questions)}",
        )
    operators = [k for k in raw if k not in _LEAF_EXTRA]
    if len(operators) != 1 or operators[0] not in OPERATORS:
        bad = next((k for k in operators if k not in OPERATORS), None)
        if bad is not None:
            raise CriterionError(
                (*path, bad),
                f"condition « {bad} » inconnue{did_you_mean(bad, list(OPERATORS))} : "
                f"utilisez {', '.join(OPERATORS)}",
                key=True,
            )
        raise CriterionError(path, f"indiquez une seule condition pour « {answer} »")
    name = operators[0]
    operator = OPERATORS[name]
    if question.type not in operator.types:
        raise CriterionError(
            (*path, name),
            f"« {name} » ne s'applique pas à {answer} (type {question.type})",
            key=True,
        )
    try:
        argument = operator.argument(question, raw[name])
    except ArgumentError as error:
        raise CriterionError((*path, name, error.index), str(error)) from None
    except ValueError as error:
        raise CriterionError((*path, name), str(error)) from None
    return Leaf(answer, name, argument, text or operator.describe(question, argument), question)


def bound_phrase(leaf: Leaf) -> str | None:
    """``au moins 1 salarié``: the numeric bound of a leaf, for "avec …, vous seriez éligible"."""
    q, a = leaf.question, leaf.argument
    match leaf.operator:
        case "at_least":
            return f"au moins {q.quantity(a)}"
        case "at_most":
            return f"au plus {q.quantity(a)}"
        case "between":
            return f"entre {a[0]} et {q.quantity(a[1])}"
    return None


def _retext(node: Node, text: str) -> Node:
    if isinstance(node, Leaf):
        return Leaf(node.answer, node.operator, node.argument, text, node.question)
    return Group(node.kind, node.children, text)
