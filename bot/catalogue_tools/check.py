"""Checks of a loaded catalogue that need its compiled rules: coordinators' second net.

Loading already rejects what the file cannot mean (syntax, unknown fields or answers,
duplicate ids, inverted dates, links, missing sources). Here: rules that no structure can
ever satisfy, conditions that contradict the rule, examples answering questions that would
never be asked, and warnings about the calendar and the age of the information. Pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date

from bot.catalogue_tools.assignments import satisfiable
from bot.core.catalogue import Aid, Catalogue
from bot.core.catalogue_spec import WindowSpec
from bot.core.criteria import Criterion, Node
from bot.core.texts import french_date
from bot.core.yamlsource import Located, PathKey, Problem, Severity

CLOSING_SOON_DAYS = 30
WARNING = Severity.WARNING


def lint_catalogue(
    catalogue: Catalogue,
    *,
    as_of: date,
    ask_if: Mapping[str, Criterion] | None = None,
    today: date | None = None,
) -> list[Problem]:
    """Every problem found, errors and warnings, in file order."""
    conditions = ask_if or {}
    problems = list(_never_true_definitions(catalogue, conditions, as_of))
    for index, aid in enumerate(catalogue.aids):
        base: PathKey = ("aids", index)
        problems.extend(_never_true_rule(catalogue, aid, base, conditions, as_of))
        problems.extend(_never_true_conditions(catalogue, aid, base, conditions, as_of))
        problems.extend(_closing_soon(catalogue.located, aid, base, as_of))
        problems.extend(_stale(catalogue.located, aid, base, as_of, today or as_of))
        problems.extend(_examples_not_asked(catalogue.located, aid, base, conditions))
    return sorted(problems)


def aid_dates(aid: Aid, as_of: date) -> list[date]:
    """Dates at which the aid can be granted: its windows' first and last days, else as_of."""
    calendar = aid.spec.calendar
    windows: Sequence[WindowSpec] = calendar.windows
    days = [day for w in windows for day in (w.start, w.end or w.start)]
    if not windows:
        days.append(as_of)
        if calendar.yearly is not None:
            days += [
                day for w in calendar.yearly.known_calls for day in (w.start, w.end or w.start)
            ]
    return list(dict.fromkeys(days))


# -- rules that can never be true ---------------------------------------------------------


def _never_true_definitions(
    catalogue: Catalogue, ask_if: Mapping[str, Criterion], as_of: date
) -> Iterator[Problem]:
    for name, node in catalogue.definitions.items():
        if satisfiable([node], catalogue.questions, ask_if, [as_of]) is False:
            yield catalogue.located.problem(
                ("definitions", name),
                f"la définition « {name} » ne peut jamais être vraie : aucune réponse ne la "
                "satisfait. Vérifiez ses bornes et ses valeurs (une condition en contredit "
                "une autre).",
                key=True,
            )


def _never_true_rule(
    catalogue: Catalogue,
    aid: Aid,
    base: PathKey,
    ask_if: Mapping[str, Criterion],
    as_of: date,
) -> Iterator[Problem]:
    dates = aid_dates(aid, as_of)
    questions = catalogue.questions
    if satisfiable([aid.rule.root], questions, ask_if, dates) is not False:
        return
    conjuncts = aid.rule.conjuncts
    paths = _conjunct_paths(aid, base)
    for j, node in enumerate(conjuncts):
        if satisfiable([node], questions, ask_if, dates) is False:
            yield catalogue.located.problem(
                paths[j],
                f"cette condition ne peut jamais être vraie (« {node.text} ») : aucune "
                "structure ne serait éligible. Vérifiez ses bornes et ses valeurs.",
            )
            return
    for i, j in _pairs(len(conjuncts)):
        pair = [conjuncts[i], conjuncts[j]]
        if satisfiable(pair, questions, ask_if, dates) is False:
            yield catalogue.located.problem(
                paths[j],
                f"la règle de « {aid.id} » ne peut jamais être vraie : « {conjuncts[i].text} » "
                f"et « {conjuncts[j].text} » se contredisent, aucune structure ne serait "
                "éligible. Corrigez l'une des deux conditions (bornes, valeurs ou « not »)."
                + _asked_only_if(pair, catalogue, ask_if),
            )
            return
    yield catalogue.located.problem(
        (*base, "rule"),
        f"la règle de « {aid.id} » ne peut jamais être vraie : aucune combinaison de "
        "réponses ne la satisfait, aucune structure ne serait éligible. Cherchez les "
        "conditions qui se contredisent (bornes, valeurs, « not », questions posées "
        "seulement dans certains cas).",
    )


def _asked_only_if(
    nodes: Sequence[Node], catalogue: Catalogue, ask_if: Mapping[str, Criterion]
) -> str:
    """Reminds which questions are only asked in some cases: a frequent cause of conflict."""
    answers = sorted(set().union(*(node.answer_ids() for node in nodes)) & set(ask_if))
    return "".join(
        f" Rappel : « {catalogue.questions[a].label} » n'est demandé que si {ask_if[a].root.text}."
        for a in answers
    )


def _pairs(count: int) -> Iterator[tuple[int, int]]:
    """(i, j) with i < j, ordered by j: the later condition is named as the culprit."""
    for j in range(count):
        for i in range(j):
            yield i, j


def _conjunct_paths(aid: Aid, base: PathKey) -> list[PathKey]:
    raw = aid.spec.rule
    count = len(aid.rule.conjuncts)
    if isinstance(raw, dict) and isinstance(raw.get("all"), list) and len(raw["all"]) == count:
        return [(*base, "rule", "all", k) for k in range(count)]
    return [(*base, "rule")] * count


def _never_true_conditions(
    catalogue: Catalogue,
    aid: Aid,
    base: PathKey,
    ask_if: Mapping[str, Criterion],
    as_of: date,
) -> Iterator[Problem]:
    """``when`` of amounts and steps, ``relevant_when``: alone, then together with the rule."""
    conditions: list[tuple[PathKey, Criterion | None, str]] = [
        ((*base, "relevant_when"), aid.relevance, "l'aide ne sera jamais signalée comme utile")
    ]
    conditions += [
        ((*base, "amounts", i, "when"), amount.when, "ce montant ne s'affichera jamais")
        for i, amount in enumerate(aid.amounts)
    ]
    conditions += [
        ((*base, "checklist", i, "when"), step.when, "cette étape ne s'affichera jamais")
        for i, step in enumerate(aid.checklist)
    ]
    dates = aid_dates(aid, as_of)
    questions = catalogue.questions
    for path, criterion, effect in conditions:
        if criterion is None:
            continue
        alone = satisfiable([criterion.root], questions, ask_if, dates)
        if alone is False:
            yield catalogue.located.problem(
                path,
                f"cette condition ne peut jamais être vraie : {effect}. Corrigez ses bornes "
                "ou ses valeurs, ou supprimez-la.",
            )
        elif (
            alone
            and satisfiable([aid.rule.root, criterion.root], questions, ask_if, dates) is False
        ):
            yield catalogue.located.problem(
                path,
                f"cette condition contredit la règle de l'aide : pour une structure éligible, "
                f"{effect}. Vérifiez ses bornes et ses valeurs.",
                severity=WARNING,
            )


# -- examples ---------------------------------------------------------------------------------


def _examples_not_asked(
    located: Located, aid: Aid, base: PathKey, ask_if: Mapping[str, Criterion]
) -> Iterator[Problem]:
    for j, example in enumerate(aid.examples):
        for answer in example.answers:
            condition = ask_if.get(answer)
            if condition is None or condition.evaluate(example.answers, date.min) is not False:
                continue
            yield located.problem(
                (*base, "examples", j, "answers", answer),
                f"l'exemple répond à « {answer} », une question qui ne serait jamais posée "
                f"ici (elle ne l'est que si : {condition.root.text}). Retirez cette réponse, "
                "ou corrigez celle qui décide de la poser.",
                key=True,
                severity=WARNING,
            )


# -- calendar and freshness ----------------------------------------------------------------


def _closing_soon(located: Located, aid: Aid, base: PathKey, as_of: date) -> Iterator[Problem]:
    calendar = aid.spec.calendar
    periods: list[tuple[PathKey, WindowSpec]] = [
        ((*base, "calendar", "windows", k), w) for k, w in enumerate(calendar.windows)
    ]
    if calendar.yearly is not None:
        periods += [
            ((*base, "calendar", "yearly", "known_calls", k), w)
            for k, w in enumerate(calendar.yearly.known_calls)
        ]
    for path, window in periods:
        if window.end is None or not window.contains(as_of):
            continue
        days = (window.end - as_of).days
        if days <= CLOSING_SOON_DAYS:
            yield located.problem(
                (*path, "end"),
                f"l'aide « {aid.id} » ferme le {french_date(window.end)} ({_in_days(days)}) : "
                "prévenez les structures concernées ; si la période est prolongée, mettez à "
                "jour « end » et la source.",
                severity=WARNING,
            )


def _in_days(days: int) -> str:
    if days == 0:
        return "aujourd'hui"
    if days == 1:
        return "demain"
    return f"dans {days} jours"


def _stale(
    located: Located, aid: Aid, base: PathKey, as_of: date, today: date
) -> Iterator[Problem]:
    verified = aid.spec.last_verified
    path = (*base, "last_verified")
    if verified < _year_before(as_of):
        yield located.problem(
            path,
            f"informations vérifiées le {french_date(verified)}, il y a plus de 12 mois : "
            "revérifiez l'aide auprès de ses sources, puis mettez « last_verified » à la date "
            "du jour.",
            severity=WARNING,
        )
    if verified > today:
        yield located.problem(
            path,
            f"date de vérification dans le futur ({verified.isoformat()}) : indiquez le jour "
            "où vous avez vérifié les sources (AAAA-MM-JJ).",
            severity=WARNING,
        )


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def problem_counts(problems: Sequence[Problem]) -> tuple[int, int]:
    """(errors, warnings)."""
    warnings = sum(1 for p in problems if p.severity is Severity.WARNING)
    return len(problems) - warnings, warnings


def check_verdict(file: str, problems: Sequence[Problem], catalogue: Catalogue | None) -> str:
    """The one-line French verdict of ``aidess catalogue check``."""
    errors, warnings = problem_counts(problems)
    warned = f", {_count(warnings, 'avertissement')}" if warnings else ""
    if errors or catalogue is None:
        return (
            f"{file} : {_count(errors, 'erreur')}{warned}. Corrigez les lignes indiquées, "
            "puis relancez « aidess catalogue check »."
        )
    examples = sum(len(aid.examples) for aid in catalogue.aids)
    content = f"{_count(len(catalogue.aids), 'aide')}, {_count(examples, 'exemple')}"
    if warnings:
        return (
            f"{file} : catalogue valide ({content}), avec {_count(warnings, 'avertissement')} "
            "à regarder."
        )
    return (
        f"{file} : catalogue valide ({content}). Rejouez les exemples avec "
        "« aidess catalogue test »."
    )


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'s' if number > 1 else ''}"
