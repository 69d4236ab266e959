"""Dialogue definitions (``dialogues/*.yaml``): the questions, their order and when to ask them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.criteria import Criterion, CriterionError, compile_criterion
from bot.core.vocabulary import Answers, Question
from bot.core.yamlsource import Problem, SourceError, load_yaml, validation_problems


class DialogueSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    intro: str = Field(min_length=1)
    preface: tuple[str, ...] = ()
    first_results_after: int = Field(ge=1, description="answers before the first results")
    questions: tuple[Question, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Dialogue:
    spec: DialogueSpec
    questions: Mapping[str, Question]
    ask_if: Mapping[str, Criterion]

    @property
    def preface(self) -> tuple[str, ...]:
        return self.spec.preface

    def askable(self, question_id: str, answers: Answers) -> bool | None:
        """True when the question applies, False when it does not, None when still unknown."""
        condition = self.ask_if.get(question_id)
        if condition is None:
            return True
        # ask_if conditions never depend on the reference date.
        return condition.evaluate(answers, date.min)


def load_dialogue(path: Path) -> Dialogue:
    located = load_yaml(path)
    try:
        spec = DialogueSpec.model_validate(located.data)
    except ValidationError as error:
        raise SourceError(validation_problems(located, (), error)) from None
    questions = {q.id: q for q in spec.questions}
    problems: list[Problem] = []
    if len(questions) != len(spec.questions):
        problems.append(located.problem(("questions",), "deux questions ont le même id"))
    for i, qid in enumerate(spec.preface):
        if qid not in questions:
            problems.append(located.problem(("preface", i), f"question « {qid} » inconnue"))
    ask_if: dict[str, Criterion] = {}
    for i, question in enumerate(spec.questions):
        if question.ask_if is None:
            continue
        try:
            ask_if[question.id] = compile_criterion(question.ask_if, questions)
        except CriterionError as error:
            problems.append(
                located.problem(
                    ("questions", i, "ask_if", *error.path), error.message, key=error.key
                )
            )
    if problems:
        raise SourceError(problems)
    return Dialogue(spec, questions, ask_if)
