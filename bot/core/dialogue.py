"""The dialogue engine: a pure state machine, (state, event) -> (new state, what to say).

It never does I/O. Channels (terminal, Telegram, Rasa) turn what people do into events and
render the outputs; storage saves ``Step.state`` whenever ``Step.changed`` is true.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from bot.core import parsing
from bot.core.catalogue import Catalogue
from bot.core.dialogues import Dialogue
from bot.core.results import Report, build_report
from bot.core.rules import Status, decisive_questions
from bot.core.vocabulary import (
    Answers,
    AnswerValue,
    Question,
    QuestionType,
    answers_from_json,
    answers_to_json,
)


class Phase(StrEnum):
    ASKING = "asking"  # a question is waiting for its answer
    OFFER = "offer"  # first results shown; may the user answer a few more questions?
    RESULTS = "results"  # final results shown


@dataclass(frozen=True)
class DialogueState:
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)
    order: tuple[str, ...] = ()  # answer ids in the order given, for "back"
    phase: Phase = Phase.ASKING
    current: str | None = None
    refine: bool = False  # the user chose to go on after the first results
    draft: tuple[str, ...] = ()  # ticked choices of the current multiple-choice question
    revision: int = 0  # bumped on each change, so stale buttons can be recognised

    def to_json(self) -> dict[str, Any]:
        return {
            "answers": answers_to_json(self.answers),
            "order": list(self.order),
            "phase": self.phase.value,
            "current": self.current,
            "refine": self.refine,
            "draft": list(self.draft),
            "revision": self.revision,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], questions: Mapping[str, Question]) -> DialogueState:
        answers = answers_from_json(data.get("answers", {}), questions)
        current = data.get("current")
        return cls(
            answers=answers,
            order=tuple(a for a in data.get("order", ()) if a in answers),
            phase=Phase(data.get("phase", Phase.ASKING)),
            current=current if current in questions else None,
            refine=bool(data.get("refine", False)),
            draft=tuple(data.get("draft", ())),
            revision=int(data.get("revision", 0)),
        )


# -- events ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """Show where the conversation stands (the current question, or the results)."""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Pick:
    """A button: one value for a question (``None`` = "je ne sais pas")."""

    question_id: str
    value: AnswerValue
    revision: int


@dataclass(frozen=True)
class Toggle:
    """Tick or untick one choice of a multiple-choice question."""

    question_id: str
    value: str
    revision: int


@dataclass(frozen=True)
class Confirm:
    """Validate the ticked choices of a multiple-choice question."""

    question_id: str
    revision: int


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class Change:
    question_id: str | None = None


@dataclass(frozen=True)
class Restart:
    pass


@dataclass(frozen=True)
class ShowResults:
    pass


@dataclass(frozen=True)
class Refine:
    accept: bool


Event = Start | Text | Pick | Toggle | Confirm | Back | Change | Restart | ShowResults | Refine


# -- outputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    question: Question
    number: int  # 1 for the first answer given
    problem: str | None = None  # why the previous attempt was not accepted
    draft: tuple[str, ...] = ()
    revision: int = 0


@dataclass(frozen=True)
class Acknowledge:
    """An answer was accepted: how it reads back (channels show it in the transcript)."""

    question: Question
    value: AnswerValue


@dataclass(frozen=True)
class ShowReport:
    report: Report
    final: bool
    more: int = 0  # undecided aids that a few more questions could settle


@dataclass(frozen=True)
class OfferRefine:
    more: int
    revision: int


@dataclass(frozen=True)
class ChooseAnswer:
    """Which given answer to change: (question, readable value) pairs."""

    items: tuple[tuple[Question, str], ...]


@dataclass(frozen=True)
class Notice:
    text: str


Output = Ask | Acknowledge | ShowReport | OfferRefine | ChooseAnswer | Notice


@dataclass(frozen=True)
class Step:
    state: DialogueState
    outputs: tuple[Output, ...]
    changed: bool  # the state differs: save it before replying


STALE_BUTTON = "Ce bouton concerne une question déjà passée. Voici où nous en sommes :"
NOTHING_TO_UNDO = "Il n'y a pas de réponse à annuler : nous sommes au début."


class DialogueEngine:
    def __init__(self, dialogue: Dialogue, catalogue: Catalogue, as_of: date) -> None:
        self.dialogue = dialogue
        self.catalogue = catalogue
        self.as_of = as_of
        self.questions = dialogue.questions

    # -- public API -------------------------------------------------------------------------

    def start(self) -> Step:
        return self._advance(DialogueState(), ())

    def handle(self, state: DialogueState, event: Event) -> Step:
        match event:
            case Start():
                return self.resume(state)
            case Text(text):
                return self._on_text(state, text)
            case Pick(question_id, value, revision):
                if not self._is_live(state, question_id, revision):
                    return self._stale(state)
                return self._accept(state, question_id, value)
            case Toggle(question_id, value, revision):
                return self._on_toggle(state, question_id, value, revision)
            case Confirm(question_id, revision):
                if not self._is_live(state, question_id, revision):
                    return self._stale(state)
                return self._accept(state, question_id, state.draft)
            case Back():
                return self._on_back(state)
            case Change(question_id):
                return self._on_change(state, question_id)
            case Restart():
                return self._advance(DialogueState(revision=state.revision + 1), ())
            case ShowResults():
                return self._on_show_results(state)
            case Refine(accept):
                return self._on_refine(state, accept)
        raise AssertionError(f"unhandled event {event!r}")  # pragma: no cover

    def resume(self, state: DialogueState) -> Step:
        """Repeat where we are, re-choosing the question in case the catalogue changed."""
        if state.phase is Phase.ASKING:
            return self._advance(state, ())
        report = self.report(state.answers)
        if state.phase is Phase.OFFER:
            more = self._more(report)
            return Step(
                state, (ShowReport(report, False, more), OfferRefine(more, state.revision)), False
            )
        return Step(state, (ShowReport(report, final=True),), False)

    def report(self, answers: Answers) -> Report:
        return build_report(self.catalogue, answers, self.as_of)

    def next_question(self, answers: Answers) -> Question | None:
        """The preface first, then the unasked question that can settle the most aids."""
        for qid in self.dialogue.preface:
            if qid not in answers and self.dialogue.askable(qid, answers):
                return self.questions[qid]
        scores = decisive_questions(self.catalogue, answers, self.as_of)
        best: tuple[float, int] | None = None
        chosen: Question | None = None
        for index, (qid, question) in enumerate(self.questions.items()):
            score = scores.get(qid, 0.0)
            if qid in answers or score <= 0 or self.dialogue.askable(qid, answers) is not True:
                continue
            key = (score, -index)
            if best is None or key > best:
                best, chosen = key, question
        return chosen

    # -- event handlers ---------------------------------------------------------------------

    def _on_text(self, state: DialogueState, text: str) -> Step:
        if state.phase is Phase.OFFER:
            choice = parsing.parse_yes_no(text)
            if choice is None:
                more = self._more(self.report(state.answers))
                return Step(
                    state,
                    (
                        Notice("Répondez oui ou non, s'il vous plaît."),
                        OfferRefine(more, state.revision),
                    ),
                    False,
                )
            return self._on_refine(state, choice)
        if state.phase is Phase.RESULTS or state.current is None:
            return Step(
                state,
                (
                    Notice(
                        "Le diagnostic est terminé. Vous pouvez modifier une réponse, "
                        "revenir en arrière ou recommencer."
                    ),
                ),
                False,
            )
        question = self.questions[state.current]
        understood, value = question.parse_text(text, today_year=self.as_of.year)
        if not understood:
            return Step(state, (self._ask(state, question, problem=reprompt(question)),), False)
        return self._accept(state, question.id, value)

    def _on_toggle(self, state: DialogueState, qid: str, value: str, revision: int) -> Step:
        question = self.questions.get(qid)
        if (
            question is None
            or question.type is not QuestionType.MULTI
            or value not in question.choice_values()
            or not self._is_live(state, qid, revision)
        ):
            return self._stale(state)
        ticked = set(state.draft) ^ {value}
        draft = tuple(v for v in question.choice_values() if v in ticked)
        new = replace(state, draft=draft, revision=state.revision + 1)
        return Step(new, (self._ask(new, question),), True)

    def _on_back(self, state: DialogueState) -> Step:
        if not state.order:
            return Step(state, (Notice(NOTHING_TO_UNDO), *self.resume(state).outputs), False)
        last = state.order[-1]
        answers = {k: v for k, v in state.answers.items() if k != last}
        new = DialogueState(
            answers, state.order[:-1], Phase.ASKING, last, state.refine, (), state.revision + 1
        )
        return Step(new, (self._ask(new, self.questions[last]),), True)

    def _on_change(self, state: DialogueState, qid: str | None) -> Step:
        if qid is None or qid not in state.answers:
            items = tuple(
                (self.questions[a], self.questions[a].format(state.answers[a])) for a in state.order
            )
            if not items:
                return Step(
                    state,
                    (
                        Notice("Vous n'avez encore donné aucune réponse."),
                        *self.resume(state).outputs,
                    ),
                    False,
                )
            return Step(state, (ChooseAnswer(items),), False)
        dependants = self._dependants(qid)
        drop = {qid} | dependants
        answers = {k: v for k, v in state.answers.items() if k not in drop}
        order = tuple(a for a in state.order if a not in drop)
        new = DialogueState(answers, order, Phase.ASKING, qid, state.refine, (), state.revision + 1)
        return Step(new, (self._ask(new, self.questions[qid]),), True)

    def _on_show_results(self, state: DialogueState) -> Step:
        """Results now; when questions remain, offer to go on answering them."""
        report = self.report(state.answers)
        if self.next_question(state.answers) is None:
            new = replace(
                state, phase=Phase.RESULTS, current=None, draft=(), revision=state.revision + 1
            )
            return Step(new, (ShowReport(report, final=True),), True)
        more = self._more(report)
        new = replace(state, phase=Phase.OFFER, current=None, draft=(), revision=state.revision + 1)
        return Step(
            new, (ShowReport(report, final=False, more=more), OfferRefine(more, new.revision)), True
        )

    def _on_refine(self, state: DialogueState, accept: bool) -> Step:
        if state.phase is not Phase.OFFER:
            return self._stale(state)
        if accept:
            return self._advance(replace(state, refine=True, revision=state.revision + 1), ())
        new = replace(state, phase=Phase.RESULTS, revision=state.revision + 1)
        return Step(new, (ShowReport(self.report(new.answers), final=True),), True)

    # -- helpers ----------------------------------------------------------------------------

    def _accept(self, state: DialogueState, qid: str, value: AnswerValue) -> Step:
        question = self.questions[qid]
        answers = dict(state.answers)
        answers[qid] = value
        order = tuple(a for a in state.order if a != qid) + (qid,)
        answers, order = self._prune(answers, order)
        new = replace(state, answers=answers, order=order, draft=(), revision=state.revision + 1)
        return self._advance(new, (Acknowledge(question, value),))

    def _advance(self, state: DialogueState, before: tuple[Output, ...]) -> Step:
        question = self.next_question(state.answers)
        if question is None:
            new = replace(state, phase=Phase.RESULTS, current=None, draft=())
            report = self.report(new.answers)
            return Step(new, (*before, ShowReport(report, final=True)), True)
        if not state.refine and len(state.order) >= self.dialogue.spec.first_results_after:
            new = replace(state, phase=Phase.OFFER, current=None, draft=())
            report = self.report(new.answers)
            more = self._more(report)
            return Step(
                new,
                (
                    *before,
                    ShowReport(report, final=False, more=more),
                    OfferRefine(more, new.revision),
                ),
                True,
            )
        draft = state.draft if state.current == question.id else ()
        new = replace(state, phase=Phase.ASKING, current=question.id, draft=draft)
        return Step(new, (*before, self._ask(new, question)), True)

    def _ask(self, state: DialogueState, question: Question, problem: str | None = None) -> Ask:
        return Ask(question, len(state.order) + 1, problem, state.draft, state.revision)

    def _is_live(self, state: DialogueState, qid: str, revision: int) -> bool:
        return state.phase is Phase.ASKING and state.current == qid and revision == state.revision

    def _stale(self, state: DialogueState) -> Step:
        return Step(state, (Notice(STALE_BUTTON), *self.resume(state).outputs), False)

    def _prune(
        self, answers: dict[str, AnswerValue], order: tuple[str, ...]
    ) -> tuple[dict[str, AnswerValue], tuple[str, ...]]:
        """Drop answers whose question no longer applies (e.g. hiring once emploi is unticked)."""
        while True:
            gone = {qid for qid in answers if self.dialogue.askable(qid, answers) is False}
            if not gone:
                return answers, order
            answers = {k: v for k, v in answers.items() if k not in gone}
            order = tuple(a for a in order if a not in gone)

    def _dependants(self, qid: str) -> set[str]:
        found: set[str] = set()
        frontier = {qid}
        while frontier:
            frontier = {
                other
                for other, condition in self.dialogue.ask_if.items()
                if condition.root.answer_ids() & frontier and other not in found
            }
            found |= frontier
        return found

    def _more(self, report: Report) -> int:
        return sum(1 for r in report.results if r.status is Status.TO_CONFIRM and r.verdict.pending)


def reprompt(question: Question) -> str:
    """A short, friendly re-prompt with an example of what is understood, for any channel."""
    first = question.choices[0].label if question.choices else ""
    examples = {
        QuestionType.CHOICE: f"l'un des choix proposés, par exemple « {first} »",
        QuestionType.MULTI: "un ou plusieurs des choix proposés, séparés par des virgules "
        "(ou « aucun »)",
        QuestionType.INTEGER: "un nombre, par exemple 3 (ou « aucun »)",
        QuestionType.YESNO: "oui ou non",
        QuestionType.DEPARTMENT: "un numéro ou un nom de département, par exemple 59 ou Nord",
        QuestionType.YEAR: "une année, par exemple 2015",
        QuestionType.PERCENT: "un pourcentage, par exemple 40 %",
        QuestionType.AMOUNT: "un montant en euros, par exemple 25 000",
    }
    example = question.example or examples[question.type]
    return f"Je n'ai pas compris cette réponse. Répondez par {example}, ou « je ne sais pas »."
