"""The impact of a catalogue edit: which situations gain or lose which aid. Pure.

Two kinds of situations are compared between the OLD and the NEW catalogue:
- every example stored in either file, against every aid;
- generated profiles: a fixed grid (legal form × employees {0, 1, 3, 10, 11, 50} ×
  département {59, 75} × every yes/no answer), widened with the boundary values of the
  aid's own conditions (old and new), at the reference date and at the first and last day
  of each of the aid's periods. A profile keeps only the answers the aid's rules read, so
  each line printed is a distinct case.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.catalogue_tools.assignments import asked, candidate_values, involved_answers
from bot.catalogue_tools.check import aid_dates
from bot.core.catalogue import Aid, Catalogue
from bot.core.catalogue_spec import AidSpec
from bot.core.criteria import Criterion, Leaf, Node
from bot.core.rules import evaluate_aid
from bot.core.vocabulary import AnswerValue, Question, QuestionType

GRID: Mapping[str, tuple[AnswerValue, ...]] = {
    "employees": (0, 1, 3, 10, 11, 50),
    "department": ("59", "75"),
}
# Situations tried per aid, at most: beyond, the extra values are cut (deterministically).
MAX_SITUATIONS = 20_000

MISSING = "<sans réponse>"

STATUS_LABELS: Mapping[str | None, str] = {
    "eligible": "éligible",
    "to_confirm": "à confirmer",
    "not_eligible": "non éligible",
    "closed": "fermée",
    None: "absente du catalogue",
}


@dataclass(frozen=True)
class Situation:
    """Answers at a date: a stored example or a generated profile."""

    label: str
    answers: Mapping[str, AnswerValue]
    as_of: date


@dataclass(frozen=True)
class Change:
    situation: Situation
    old: str | None  # status value; None when the aid is not in that catalogue
    new: str | None


@dataclass(frozen=True)
class AidDiff:
    aid_id: str
    name: str
    kind: str  # "modifiée", "ajoutée" or "supprimée"
    fields: tuple[str, ...]  # changed fields of the entry
    example_changes: tuple[Change, ...]
    profile_changes: tuple[Change, ...]
    profiles_tried: int
    values_tried: Mapping[str, frozenset[AnswerValue]]  # answer id ("" for dates) -> values
    renamed: str | None = None  # an added or removed aid: the other id with the same name


@dataclass(frozen=True)
class CatalogueDiff:
    aids: tuple[AidDiff, ...]
    examples_tried: int
    as_of: date


def diff_catalogues(
    old: Catalogue, new: Catalogue, *, as_of: date, ask_if: Mapping[str, Criterion] | None = None
) -> CatalogueDiff:
    conditions = ask_if or {}
    examples = stored_examples(old, new)
    ids = list(dict.fromkeys([a.id for a in new.aids] + [a.id for a in old.aids]))
    diffs = [
        diff
        for aid_id in ids
        if (diff := _diff_aid(old.aid(aid_id), new.aid(aid_id), examples, new, conditions, as_of))
    ]
    return CatalogueDiff(tuple(_renames(diffs)), len(examples), as_of)


def _renames(diffs: list[AidDiff]) -> Iterator[AidDiff]:
    """Point at an added aid and a removed one with the same name: likely a changed id."""
    for diff in diffs:
        other = "supprimée" if diff.kind == "ajoutée" else "ajoutée"
        twin = next((d.aid_id for d in diffs if d.kind == other and d.name == diff.name), None)
        yield replace(diff, renamed=twin) if diff.kind != "modifiée" and twin else diff


def stored_examples(*catalogues: Catalogue) -> list[Situation]:
    """Every stored example once (same answers and date: kept once), labelled with its origin."""
    seen: dict[tuple[date, tuple[tuple[str, AnswerValue], ...]], Situation] = {}
    for catalogue in catalogues:
        for aid in catalogue.aids:
            for example in aid.examples:
                key = (example.as_of, tuple(sorted(example.answers.items())))
                label = f"exemple « {example.name} » de {aid.id} ({catalogue.file}:{example.line})"
                seen.setdefault(key, Situation(label, example.answers, example.as_of))
    return list(seen.values())


def _diff_aid(
    old: Aid | None,
    new: Aid | None,
    examples: Sequence[Situation],
    catalogue: Catalogue,
    ask_if: Mapping[str, Criterion],
    as_of: date,
) -> AidDiff | None:
    present = [aid for aid in (old, new) if aid is not None]
    fields = _changed_fields(old.spec if old else None, new.spec if new else None)
    if old is not None and new is not None and _same_behaviour(old, new):
        if not fields:
            return None
        changes: tuple[Change, ...] = ()
        return AidDiff(new.id, new.name, "modifiée", fields, changes, changes, 0, {})
    profiles = generated_profiles(present, catalogue.questions, ask_if, as_of)
    kind = "modifiée" if old and new else ("ajoutée" if new else "supprimée")
    return AidDiff(
        present[-1].id,
        present[-1].name,
        kind,
        fields,
        tuple(_changes(old, new, examples)),
        tuple(_changes(old, new, profiles)),
        len(profiles),
        values_seen(profiles),
    )


def values_seen(situations: Iterable[Situation]) -> dict[str, frozenset[AnswerValue]]:
    """For each answer id, the values it takes (MISSING when unanswered); "" holds the dates."""
    found: dict[str, set[AnswerValue]] = {"": set()}
    listed = list(situations)
    ids = {answer for s in listed for answer in s.answers}
    for situation in listed:
        found[""].add(situation.as_of.isoformat())
        for answer in ids:
            found.setdefault(answer, set()).add(situation.answers.get(answer, MISSING))
    return {answer: frozenset(values) for answer, values in found.items()}


def _same_behaviour(old: Aid, new: Aid) -> bool:
    """Statuses only depend on the calendar and the rule."""
    return old.spec.calendar == new.spec.calendar and old.rule.root == new.rule.root


def _changed_fields(old: AidSpec | None, new: AidSpec | None) -> tuple[str, ...]:
    if old is None or new is None:
        return ()
    return tuple(
        name
        for name in AidSpec.model_fields
        if name != "examples" and getattr(old, name) != getattr(new, name)
    )


def _changes(old: Aid | None, new: Aid | None, situations: Iterable[Situation]) -> Iterator[Change]:
    for situation in situations:
        before, after = _status(old, situation), _status(new, situation)
        if before != after:
            yield Change(situation, before, after)


def _status(aid: Aid | None, situation: Situation) -> str | None:
    if aid is None:
        return None
    return evaluate_aid(aid, situation.answers, situation.as_of).status.value


# -- generated profiles ------------------------------------------------------------------------


def grid_values(question: Question) -> tuple[AnswerValue, ...]:
    """The fixed grid's values for one answer; () when the grid does not set it."""
    if question.id in GRID:
        return GRID[question.id]
    if question.id == "legal_form":
        return question.choice_values()
    if question.type is QuestionType.YESNO:
        return (True, False)
    return ()


def generated_profiles(
    aids: Sequence[Aid],
    questions: Mapping[str, Question],
    ask_if: Mapping[str, Criterion],
    as_of: date,
) -> list[Situation]:
    """The distinct profiles that matter for these versions of one aid, at its key dates."""
    roots: list[Node] = [aid.rule.root for aid in aids]
    leaves = [leaf for root in roots for leaf in root.leaves()]
    dates = sorted({day for aid in aids for day in aid_dates(aid, as_of)} | {as_of})
    profiles: list[Situation] = []
    for day in dates:
        domains = _domains(roots, leaves, questions, ask_if, day)
        ids = [answer for answer, _ in domains]
        combos = itertools.product(*(values for _, values in domains))
        budget = max(1, MAX_SITUATIONS // len(dates))
        seen: set[tuple[tuple[str, AnswerValue], ...]] = set()
        for combo in itertools.islice(combos, budget):
            answers = asked(dict(zip(ids, combo, strict=True)), ask_if)
            key = tuple(answers.items())
            if key not in seen:
                seen.add(key)
                profiles.append(Situation(describe(answers, questions), answers, day))
    return profiles


def _domains(
    roots: Sequence[Node],
    leaves: Sequence[Leaf],
    questions: Mapping[str, Question],
    ask_if: Mapping[str, Criterion],
    day: date,
) -> list[tuple[str, tuple[AnswerValue, ...]]]:
    domains: list[tuple[str, tuple[AnswerValue, ...]]] = []
    for answer in involved_answers(roots, questions, ask_if):
        question = questions[answer]
        own = [leaf for leaf in leaves if leaf.answer == answer]
        if answer in ask_if:
            own += [leaf for leaf in ask_if[answer].root.leaves() if leaf.answer == answer]
        values = grid_values(question) + candidate_values(question, own, day)
        domains.append((answer, tuple(dict.fromkeys(values))))
    return domains


def describe(answers: Mapping[str, AnswerValue], questions: Mapping[str, Question]) -> str:
    """``Association · 11 salariés · Numéro SIRET : oui``."""
    parts: list[str] = []
    for answer, question in questions.items():
        if answer not in answers:
            continue
        value = question.format(answers[answer])
        plain = question.type in {QuestionType.CHOICE, QuestionType.DEPARTMENT} or (
            question.type is QuestionType.INTEGER and question.unit
        )
        parts.append(value if plain else f"{question.label} : {value}")
    return " · ".join(parts) or "aucune réponse"


# -- rendering ------------------------------------------------------------------------------


def render_diff(
    diff: CatalogueDiff,
    questions: Mapping[str, Question],
    old_file: str,
    new_file: str,
    *,
    limit: int | None = 5,
) -> str:
    """French report, grouped by aid; ``limit`` situations shown per change (None: all)."""
    lines = [f"Impact des modifications : {old_file} → {new_file} (référence : {diff.as_of})"]
    if not diff.aids:
        lines.append("Aucune aide ne change : mêmes règles, mêmes calendriers, mêmes textes.")
        return "\n".join(lines)
    for aid in diff.aids:
        lines.append("")
        lines.extend(_render_aid(aid, diff.examples_tried, limit, questions))
    lines.append("")
    lines.append(_summary(diff))
    return "\n".join(lines)


def _render_aid(
    aid: AidDiff, examples_tried: int, limit: int | None, questions: Mapping[str, Question]
) -> list[str]:
    if aid.fields:
        fields = f" ; champs modifiés : {', '.join(aid.fields)}"
    elif aid.kind == "modifiée":
        fields = " par une définition partagée qu'elle utilise"
    else:
        fields = ""
    lines = [f"■ {aid.aid_id} — {aid.name} (aide {aid.kind}{fields})"]
    if aid.renamed:
        lines.append(
            f"  Même nom que « {aid.renamed} » : identifiant changé ? Les identifiants ne "
            "doivent pas changer (d'autres outils s'en servent)."
        )
    if aid.kind == "modifiée" and not aid.profiles_tried:
        lines.append("  Règle et calendrier identiques : aucun statut ne change.")
        return lines
    if aid.kind != "modifiée":
        lines.extend(_render_counts(aid))
        return lines
    lines.append(
        f"  Exemples enregistrés : {_count(len(aid.example_changes), 'change', 'changent')} "
        f"sur {examples_tried}"
    )
    lines.extend(_render_changes(aid.example_changes, limit, None, questions))
    lines.append(
        f"  Profils générés : {_count(len(aid.profile_changes), 'change', 'changent')} "
        f"sur {aid.profiles_tried}"
    )
    lines.extend(_render_changes(aid.profile_changes, limit, aid.values_tried, questions))
    return lines


def _render_counts(aid: AidDiff) -> list[str]:
    """An added or removed aid: how many situations get each status."""
    lines: list[str] = []
    for title, changes in (("Exemples", aid.example_changes), ("Profils", aid.profile_changes)):
        statuses = [c.new if aid.kind == "ajoutée" else c.old for c in changes]
        counts = ", ".join(
            f"{STATUS_LABELS[s]} : {statuses.count(s)}" for s in dict.fromkeys(statuses)
        )
        lines.append(f"  {title} : {counts or 'aucun'}")
    return lines


def _render_changes(
    changes: Sequence[Change],
    limit: int | None,
    tried: Mapping[str, frozenset[AnswerValue]] | None,
    questions: Mapping[str, Question],
) -> list[str]:
    lines: list[str] = []
    groups: dict[tuple[str | None, str | None], list[Change]] = {}
    for change in changes:
        groups.setdefault((change.old, change.new), []).append(change)
    for (old, new), group in groups.items():
        lines.append(f"    {STATUS_LABELS[old]} → {STATUS_LABELS[new]} ({len(group)}) :")
        if tried is not None:
            common = _only_for(values_seen(c.situation for c in group), tried, questions)
            if common:
                lines.append("      seulement pour : " + " ; ".join(common))
        shown = group if limit is None else group[:limit]
        lines.extend(f"      - {c.situation.label}, au {c.situation.as_of}" for c in shown)
        if len(shown) < len(group):
            lines.append(f"      … et {len(group) - len(shown)} autres (--all pour tout voir)")
    return lines


def _only_for(
    changed: Mapping[str, frozenset[AnswerValue]],
    tried: Mapping[str, frozenset[AnswerValue]],
    questions: Mapping[str, Question],
) -> list[str]:
    """The answers (and dates) whose changed values are fewer than those tried."""
    lines: list[str] = []
    for answer in [*questions, ""]:
        values = changed.get(answer)
        if values is None or values == tried.get(answer, values):
            continue
        if answer == "":
            lines.append("au " + " ou ".join(sorted(str(v) for v in values)))
            continue
        question = questions[answer]
        shown = [
            "sans réponse" if v == MISSING else question.format(v)
            for v in _in_order(values, tried[answer])
        ]
        lines.append(f"{question.label} : " + " ou ".join(shown))
    return lines


def _in_order(values: frozenset[AnswerValue], tried: frozenset[AnswerValue]) -> list[AnswerValue]:
    if all(isinstance(v, int) and not isinstance(v, bool) for v in tried):
        return sorted(values, key=lambda v: int(v))  # type: ignore[arg-type]
    return sorted(values, key=str)


def _summary(diff: CatalogueDiff) -> str:
    kinds = [aid.kind for aid in diff.aids]
    modified = [aid for aid in diff.aids if aid.kind == "modifiée"]
    examples = {
        (c.situation.label, c.situation.as_of) for aid in modified for c in aid.example_changes
    }
    profiles = sum(len(aid.profile_changes) for aid in modified)
    return (
        f"Bilan : {_count(kinds.count('modifiée'), 'aide modifiée', 'aides modifiées')}, "
        f"{_count(kinds.count('ajoutée'), 'ajoutée', 'ajoutées')}, "
        f"{_count(kinds.count('supprimée'), 'supprimée', 'supprimées')} ; "
        f"{_count(len(examples), 'exemple change', 'exemples changent')} de statut pour au "
        f"moins une aide modifiée, "
        f"{_count(profiles, 'profil généré change', 'profils générés changent')}."
    )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number <= 1 else many}"
