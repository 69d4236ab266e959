"""The vocabulary of answers: question types, choices, and typed answer values.

Questions are declared in ``dialogues/*.yaml``; the catalogue's rules and the answer files
of ``aidess match`` are checked against them, so the YAML is the single source of truth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.core import parsing
from bot.core.departments import DEPARTMENTS, find_department

# A value given by the user. ``None`` means "je ne sais pas" (unknown), which is not the
# same as a question never asked: an absent key.
AnswerValue = str | int | bool | tuple[str, ...] | None
Answers = Mapping[str, AnswerValue]


class QuestionType(StrEnum):
    CHOICE = "choice"
    MULTI = "multi"
    INTEGER = "integer"
    YESNO = "yesno"
    DEPARTMENT = "department"
    YEAR = "year"
    PERCENT = "percent"
    AMOUNT = "amount"


NUMERIC_TYPES = frozenset(
    {QuestionType.INTEGER, QuestionType.YEAR, QuestionType.PERCENT, QuestionType.AMOUNT}
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChoiceDef(_Strict):
    value: str = Field(min_length=1)
    label: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    help: str | None = None


class Question(_Strict):
    """One question of a dialogue; it fills the answer with the same id."""

    id: str = Field(min_length=1)
    type: QuestionType
    text: str = Field(min_length=1)
    label: str = Field(min_length=1, description="short noun used in summaries and reasons")
    help: str | None = None
    where_to_find: str | None = None
    example: str | None = None
    choices: tuple[ChoiceDef, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    unit: str | None = None
    unit_plural: str | None = None
    yes_text: str | None = None
    no_text: str | None = None
    ask_if: Any = None
    # False for facts a structure cannot act on (its legal form, where it is): a condition
    # failing on them is not presented as a near miss.
    changeable: bool = True

    @model_validator(mode="after")
    def _choices_match_type(self) -> Question:
        has_choices = self.type in {QuestionType.CHOICE, QuestionType.MULTI}
        if has_choices and not self.choices:
            raise ValueError("une question à choix doit lister ses « choices »")
        if not has_choices and self.choices:
            raise ValueError(f"une question de type {self.type} n'a pas de « choices »")
        values = [c.value for c in self.choices]
        if len(set(values)) != len(values):
            raise ValueError("deux choix ont la même valeur")
        return self

    # -- derived helpers -------------------------------------------------------------

    def choice_values(self) -> tuple[str, ...]:
        if self.type is QuestionType.DEPARTMENT:
            return tuple(DEPARTMENTS)
        return tuple(c.value for c in self.choices)

    def choice_label(self, value: str) -> str:
        if self.type is QuestionType.DEPARTMENT:
            department = DEPARTMENTS.get(value)
            return f"{department.name} ({value})" if department else value
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return value

    def parser_choices(self) -> tuple[parsing.Choice, ...]:
        return tuple(parsing.Choice(c.value, c.label, c.aliases) for c in self.choices)

    def bounds(self, today_year: int) -> tuple[int | None, int | None]:
        if self.type is QuestionType.PERCENT:
            return (0, 100)
        if self.type is QuestionType.YEAR:
            return (self.minimum or 1800, self.maximum or today_year)
        return (self.minimum if self.minimum is not None else 0, self.maximum)

    def quantity(self, number: int) -> str:
        """``3 salariés``, ``1 salarié``, ``40 %``, ``2 000 €``."""
        shown = f"{number:,}".replace(",", "\u202f") if abs(number) >= 10000 else str(number)
        if self.type is QuestionType.PERCENT:
            return f"{number} %"
        if self.type is QuestionType.AMOUNT:
            return f"{shown} €"
        if self.unit:
            plural = self.unit_plural or f"{self.unit}s"
            return f"{shown} {self.unit if abs(number) <= 1 else plural}"
        return shown

    def format(self, value: AnswerValue) -> str:
        """How an accepted answer reads back to the user."""
        if value is None:
            return "je ne sais pas"
        if self.type is QuestionType.YESNO:
            return "oui" if value else "non"
        if self.type is QuestionType.MULTI:
            assert isinstance(value, tuple)
            return ", ".join(self.choice_label(v) for v in value) if value else "aucun"
        if self.type is QuestionType.YEAR:
            return str(value)
        if isinstance(value, bool) or not isinstance(value, int):
            return self.choice_label(str(value))
        return self.quantity(value)

    def parse_text(self, text: str, *, today_year: int) -> tuple[bool, AnswerValue]:
        """Parse what a person typed: (True, value) when understood, (False, None) otherwise.

        "Je ne sais pas" is understood and gives the value ``None``.
        """
        if parsing.is_unknown(text):
            return True, None
        value = self._parse_known(text, today_year)
        return (value is not None), value

    def _parse_known(self, text: str, today_year: int) -> AnswerValue:
        low, high = self.bounds(today_year)
        match self.type:
            case QuestionType.CHOICE:
                return parsing.parse_choice(text, self.parser_choices())
            case QuestionType.MULTI:
                return parsing.parse_multi(text, self.parser_choices())
            case QuestionType.YESNO:
                numbered = text.strip().rstrip(".")
                if numbered in {"1", "2"}:  # terminal lists "1. Oui" then "2. Non"
                    return numbered == "1"
                return parsing.parse_yes_no(text)
            case QuestionType.DEPARTMENT:
                department = find_department(text)
                return department.code if department else None
            case QuestionType.YEAR:
                return parsing.parse_year(text, today_year=today_year)
            case QuestionType.PERCENT:
                return parsing.parse_percent(text)
            case QuestionType.AMOUNT:
                amount = parsing.parse_amount(text)
                return amount if amount is None or high is None or amount <= high else None
            case QuestionType.INTEGER:
                return parsing.parse_integer(text, minimum=low, maximum=high)
        return None  # pragma: no cover - every type is matched above

    def coerce(self, raw: Any, *, today_year: int) -> AnswerValue:
        """Turn a value from an answer file (YAML/JSON) into a typed answer, or raise ValueError."""
        if raw is None:
            return None
        if isinstance(raw, str):
            understood, value = self.parse_text(raw, today_year=today_year)
            if not understood:
                raise ValueError(self.invalid_value_message(raw))
            return value
        match self.type:
            case QuestionType.YESNO if isinstance(raw, bool):
                return raw
            case QuestionType.DEPARTMENT if isinstance(raw, int) and not isinstance(raw, bool):
                return self.coerce(f"{raw:02d}", today_year=today_year)
            case QuestionType.MULTI if isinstance(raw, list | tuple):
                unknown = [str(v) for v in raw if str(v) not in self.choice_values()]
                if unknown:
                    raise ValueError(self.invalid_value_message(", ".join(unknown)))
                chosen = {str(v) for v in raw}
                return tuple(v for v in self.choice_values() if v in chosen)
            case _ if (
                self.type in NUMERIC_TYPES and isinstance(raw, int) and not isinstance(raw, bool)
            ):
                low, high = self.bounds(today_year)
                if (low is not None and raw < low) or (high is not None and raw > high):
                    raise ValueError(self.invalid_value_message(str(raw)))
                return raw
        raise ValueError(self.invalid_value_message(str(raw)))

    def invalid_value_message(self, raw: str) -> str:
        if self.type in {QuestionType.CHOICE, QuestionType.MULTI}:
            allowed = ", ".join(self.choice_values())
            return f"« {raw} » n'est pas une valeur possible pour {self.id} ({allowed})"
        return f"« {raw} » n'est pas une réponse possible pour {self.id} ({self.type})"


def format_answers(questions: Mapping[str, Question], answers: Answers) -> list[tuple[str, str]]:
    """(label, readable value) pairs in question order, for summaries."""
    return [
        (question.label, question.format(answers[qid]))
        for qid, question in questions.items()
        if qid in answers
    ]


def answers_to_json(answers: Answers) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}


def answers_from_json(
    data: Mapping[str, Any], questions: Mapping[str, Question]
) -> dict[str, AnswerValue]:
    """Stored answers back to typed values; ids no longer in the dialogue are dropped."""
    result: dict[str, AnswerValue] = {}
    for key, value in data.items():
        if key not in questions:
            continue
        result[key] = tuple(value) if isinstance(value, list) else value
    return result


def ordered(values: Sequence[str], question: Question) -> tuple[str, ...]:
    wanted = set(values)
    return tuple(v for v in question.choice_values() if v in wanted)
