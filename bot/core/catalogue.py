"""The aids catalogue: YAML validated into typed models, with criteria compiled once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import (
    ValidationError,
)

from bot.core.catalogue_spec import (
    AidSpec,
    CatalogueSpec,
    ContactSpec,
    ExampleSpec,
    M,
)
from bot.core.criteria import (
    Criterion,
    CriterionError,
    Group,
    Node,
    compile_criterion,
    compile_node,
    did_you_mean,
)
from bot.core.vocabulary import AnswerValue, Question, QuestionType
from bot.core.yamlsource import (
    Located,
    PathKey,
    Problem,
    SourceError,
    load_yaml,
    validation_problems,
)


@dataclass(frozen=True)
class Amount:
    text: str
    start: date | None
    end: date | None
    when: Criterion | None

    def current(self, as_of: date) -> bool:
        return (self.start is None or self.start <= as_of) and (
            self.end is None or as_of <= self.end
        )


@dataclass(frozen=True)
class Step:
    text: str
    link: str | None
    documents: tuple[str, ...]
    when: Criterion | None


@dataclass(frozen=True)
class Example:
    name: str
    as_of: date
    answers: Mapping[str, AnswerValue]
    status: str
    line: int


@dataclass(frozen=True)
class Aid:
    spec: AidSpec
    rule: Criterion
    relevance: Criterion | None
    amounts: tuple[Amount, ...]
    checklist: tuple[Step, ...]
    examples: tuple[Example, ...]
    line: int
    # Application windows as plain (start, end) pairs, read on every evaluation.
    windows: tuple[tuple[date, date], ...] = field(init=False, repr=False, compare=False)
    id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pairs = tuple((w.start, w.end or date.max) for w in self.spec.calendar.windows)
        object.__setattr__(self, "windows", pairs)
        object.__setattr__(self, "id", self.spec.id)

    @property
    def name(self) -> str:
        return self.spec.name

    def is_open(self, as_of: date) -> bool:
        if not self.windows:
            return True
        return any(start <= as_of <= end for start, end in self.windows)


@dataclass(frozen=True)
class Catalogue:
    file: str
    aids: tuple[Aid, ...]
    contacts: tuple[ContactSpec, ...]
    questions: Mapping[str, Question]
    located: Located
    definitions: Mapping[str, Node] = field(default_factory=dict)

    def aid(self, aid_id: str) -> Aid | None:
        return next((a for a in self.aids if a.id == aid_id), None)

    def contacts_for(self, department: str | None, kinds: Sequence[str] = ()) -> list[ContactSpec]:
        """Local contacts of the département for these kinds, national ones where none is local."""
        wanted = list(kinds) or list(dict.fromkeys(c.kind for c in self.contacts))
        chosen: list[ContactSpec] = []
        for kind in wanted:
            local = [
                c
                for c in self.contacts
                if c.kind == kind and department is not None and department in c.departments
            ]
            chosen.extend(local or [c for c in self.contacts if c.kind == kind and c.national])
        return chosen


STATUSES = ("eligible", "to_confirm", "not_eligible", "closed")


def load_catalogue(path: Path, questions: Mapping[str, Question]) -> Catalogue:
    """Load and validate a catalogue file; raise SourceError listing every problem."""
    return build_catalogue(load_yaml(path), questions)


def build_catalogue(located: Located, questions: Mapping[str, Question]) -> Catalogue:
    problems: list[Problem] = []
    spec, aid_indexes, contact_indexes = _validated_spec(located, problems)
    if not spec.aids and not problems:
        problems.append(located.problem(("aids",), "la liste « aids » est vide : ajoutez une aide"))
    definitions = _compile_definitions(spec, located, questions, problems)
    problems.extend(_duplicate_ids(located))
    invalid = set(range(len(located.data["aids"]))) - set(aid_indexes)
    for index in sorted(invalid):
        raw = located.data["aids"][index]
        _check_invalid_aid(raw, ("aids", index), located, questions, definitions, problems)
    aids: list[Aid] = []
    for index, aid_spec in zip(aid_indexes, spec.aids, strict=True):
        base: PathKey = ("aids", index)
        line = located.position(base)[0]
        compiled = _compile_aid(aid_spec, base, line, located, questions, definitions, problems)
        if compiled is not None:
            aids.append(compiled)
    problems.extend(_check_references(spec, aid_indexes, contact_indexes, located, questions))
    if problems:
        raise SourceError(problems)
    return Catalogue(located.file, tuple(aids), spec.contacts, questions, located, definitions)


def _validated_spec(
    located: Located, problems: list[Problem]
) -> tuple[CatalogueSpec, list[int], list[int]]:
    """The valid parts, with the file index of each aid and contact kept.

    Each aid and contact is validated alone, so that one slip does not hide the others.
    """
    data = located.data
    if not (
        isinstance(data, dict)
        and isinstance(data.get("aids"), list)
        and isinstance(data.get("contacts", []), list)
    ):
        try:
            spec = CatalogueSpec.model_validate(data)
        except ValidationError as error:
            raise SourceError(validation_problems(located, (), error)) from None
        return spec, list(range(len(spec.aids))), list(range(len(spec.contacts)))
    aids, aid_indexes = _valid_items(AidSpec, data["aids"], "aids", located, problems)
    contacts, contact_indexes = _valid_items(
        ContactSpec, data.get("contacts", []), "contacts", located, problems
    )
    try:
        shell = CatalogueSpec.model_validate({**data, "aids": [], "contacts": []})
    except ValidationError as error:
        problems.extend(validation_problems(located, (), error))
        raise SourceError(problems) from None
    spec = shell.model_copy(update={"aids": tuple(aids), "contacts": tuple(contacts)})
    return spec, aid_indexes, contact_indexes


def _duplicate_ids(located: Located) -> list[Problem]:
    """Ids used twice, read from the file itself: even an aid with other slips counts."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(located.data["aids"]):
        aid_id = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(aid_id, str):
            continue
        if aid_id in seen:
            problems.append(
                located.problem(
                    ("aids", index, "id"),
                    f"identifiant « {aid_id} » en double (déjà ligne {seen[aid_id]}) : "
                    "chaque aide doit avoir un id unique",
                )
            )
        seen.setdefault(aid_id, located.position(("aids", index))[0])
    return problems


def _valid_items(
    model: type[M], items: list[Any], key: str, located: Located, problems: list[Problem]
) -> tuple[list[M], list[int]]:
    valid: list[M] = []
    indexes: list[int] = []
    for index, raw in enumerate(items):
        try:
            valid.append(model.model_validate(raw))
        except ValidationError as error:
            problems.extend(validation_problems(located, (key, index), error))
            continue
        indexes.append(index)
    return valid, indexes


def _compile_definitions(
    spec: CatalogueSpec,
    located: Located,
    questions: Mapping[str, Question],
    problems: list[Problem],
) -> dict[str, Node]:
    definitions: dict[str, Node] = {}
    for name, raw in spec.definitions.items():
        try:
            definitions[name] = compile_node(raw, questions, definitions)
        except CriterionError as error:
            problems.append(
                located.problem(("definitions", name, *error.path), error.message, key=error.key)
            )
            # A stand-in, so that each use is not reported again as an unknown definition.
            definitions[name] = Group("any", (), f"définition « {name} » invalide")
    return definitions


def _compile_aid(
    spec: AidSpec,
    base: PathKey,
    line: int,
    located: Located,
    questions: Mapping[str, Question],
    definitions: Mapping[str, Node],
    problems: list[Problem],
) -> Aid | None:
    def compiled(raw: Any, path: PathKey) -> Criterion | None:
        if raw is None:
            return None
        try:
            return compile_criterion(raw, questions, definitions)
        except CriterionError as error:
            problems.append(
                located.problem((*base, *path, *error.path), error.message, key=error.key)
            )
            return None

    before = len(problems)
    rule = compiled(spec.rule, ("rule",))
    if spec.rule is None:
        problems.append(located.problem(base, "« rule » manquant : indiquez les conditions"))
    relevance = compiled(spec.relevant_when, ("relevant_when",))
    amounts = tuple(
        Amount(a.text, a.start, a.end, compiled(a.when, ("amounts", i, "when")))
        for i, a in enumerate(spec.amounts)
    )
    steps = tuple(
        Step(s.text, s.link, s.documents, compiled(s.when, ("checklist", i, "when")))
        for i, s in enumerate(spec.checklist)
    )
    examples = _examples(enumerate(spec.examples), base, located, questions, problems)
    if len(problems) > before or rule is None:
        return None
    return Aid(spec, rule, relevance, amounts, steps, examples, line)


def _check_invalid_aid(
    raw: Any,
    base: PathKey,
    located: Located,
    questions: Mapping[str, Question],
    definitions: Mapping[str, Node],
    problems: list[Problem],
) -> None:
    """An aid with other slips: still check its conditions and examples, to list all at once."""
    if not isinstance(raw, dict):
        return
    criteria: list[tuple[PathKey, Any]] = [
        (("rule",), raw.get("rule")),
        (("relevant_when",), raw.get("relevant_when")),
    ]
    for key in ("amounts", "checklist"):
        items = raw.get(key)
        if isinstance(items, list):
            criteria += [
                ((key, i, "when"), item.get("when"))
                for i, item in enumerate(items)
                if isinstance(item, dict)
            ]
    for path, criterion in criteria:
        if criterion is None:
            continue
        try:
            compile_criterion(criterion, questions, definitions)
        except CriterionError as error:
            problems.append(
                located.problem((*base, *path, *error.path), error.message, key=error.key)
            )
    raw_examples = raw.get("examples")
    if isinstance(raw_examples, list):
        valid: list[tuple[int, ExampleSpec]] = []
        for i, item in enumerate(raw_examples):
            try:  # an invalid example is already reported with its aid
                valid.append((i, ExampleSpec.model_validate(item)))
            except ValidationError:
                continue
        _examples(valid, base, located, questions, problems)


def _examples(
    specs: Iterable[tuple[int, ExampleSpec]],
    base: PathKey,
    located: Located,
    questions: Mapping[str, Question],
    problems: list[Problem],
) -> tuple[Example, ...]:
    examples: list[Example] = []
    for i, example in specs:
        path = (*base, "examples", i)
        if example.status not in STATUSES:
            problems.append(
                located.problem(
                    (*path, "status"),
                    f"statut « {example.status} » inconnu : utilisez {', '.join(STATUSES)}",
                )
            )
        answers: dict[str, AnswerValue] = {}
        for key, raw in example.answers.items():
            question = questions.get(key)
            if question is None:
                problems.append(
                    located.problem(
                        (*path, "answers", key),
                        f"réponse « {key} » inconnue{did_you_mean(str(key), list(questions))} : "
                        f"les réponses possibles sont {', '.join(questions)}",
                        key=True,
                    )
                )
                continue
            try:
                answers[key] = _example_value(question, raw, example.as_of.year)
            except ValueError as error:
                problems.append(located.problem((*path, "answers", key), str(error)))
        name = example.name or f"exemple {i + 1}"
        examples.append(
            Example(name, example.as_of, answers, example.status, located.position(path)[0])
        )
    return tuple(examples)


def _example_value(question: Question, raw: Any, year: int) -> AnswerValue:
    """Example answers are exact values (``association``, ``[jep]``, ``true``), not free text."""
    if isinstance(raw, str) and question.type in {QuestionType.CHOICE, QuestionType.DEPARTMENT}:
        if raw not in question.choice_values():
            raise ValueError(question.invalid_value_message(raw) + " : écrivez la valeur exacte")
    elif isinstance(raw, str):
        hints = {
            QuestionType.YESNO: "écrivez true (oui) ou false (non)",
            QuestionType.MULTI: "écrivez une liste, par exemple [jep] ou [] pour aucun",
        }
        hint = hints.get(question.type, "écrivez un nombre, sans guillemets")
        raise ValueError(f"« {raw} » pour {question.id} : {hint} ; null pour « je ne sais pas »")
    return question.coerce(raw, today_year=year)


def _check_references(
    spec: CatalogueSpec,
    aid_indexes: Sequence[int],
    contact_indexes: Sequence[int],
    located: Located,
    questions: Mapping[str, Question],
) -> list[Problem]:
    problems: list[Problem] = []
    kinds = {c.kind for c in spec.contacts}
    needs = questions.get("needs")
    need_values = set(needs.choice_values()) if needs else set()
    for i, aid in zip(aid_indexes, spec.aids, strict=True):
        for j, kind in enumerate(aid.contacts):
            if kind not in kinds:
                problems.append(
                    located.problem(
                        ("aids", i, "contacts", j),
                        f"type de contact « {kind} » inconnu (connus : {', '.join(sorted(kinds))})",
                    )
                )
        for j, need in enumerate(aid.needs):
            if need not in need_values:
                problems.append(
                    located.problem(
                        ("aids", i, "needs", j),
                        f"besoin « {need} » inconnu (connus : {', '.join(sorted(need_values))})",
                    )
                )
    ids = [c.id for c in spec.contacts]
    for k, (i, contact) in enumerate(zip(contact_indexes, spec.contacts, strict=True)):
        if ids.index(contact.id) != k:
            problems.append(
                located.problem(
                    ("contacts", i, "id"), f"identifiant de contact « {contact.id} » en double"
                )
            )
    return problems
