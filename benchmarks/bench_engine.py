"""Speed of the rules engine and of choosing the next question (not a test).

Evaluates a whole catalogue and picks the next question for a few profiles, on the real
catalogue and on a synthetic one of 10,000 aids cloned from it, side by side with a naive
evaluator that re-interprets every rule from the YAML dictionaries each time (the baseline).

Run: scripts/dev bench   (or .venv/bin/python benchmarks/bench_engine.py)
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from datetime import date
from functools import partial
from typing import Any

from bot.core.catalogue import Catalogue, build_catalogue
from bot.core.dialogue import DialogueEngine
from bot.core.rules import evaluate, statuses
from bot.core.yamlsource import Located, load_yaml
from bot.knowledge import load_knowledge
from bot.settings import Settings

PROFILES: Mapping[str, tuple[date, dict[str, Any]]] = {
    "asso sans salarié, Nord, 2026": (
        date(2026, 11, 26),
        {"legal_form": "association", "department": "59", "employees": 0},
    ),
    "asso employeuse, 2021": (
        date(2021, 3, 15),
        {
            "legal_form": "association",
            "department": "59",
            "employees": 3,
            "economic_activity": True,
            "revenue_loss_pct": 60,
            "has_siret": True,
        },
    ),
    "après la préface (forme, département)": (
        date(2026, 11, 26),
        {"legal_form": "association", "department": "62"},
    ),
}


def synthetic(located: Located, size: int, questions: Mapping[str, Any]) -> Catalogue:
    data = copy.deepcopy(located.data)
    real = data["aids"]
    aids = []
    for i in range(size):
        aid = copy.deepcopy(real[i % len(real)])
        aid["id"] = f"{aid['id']}-{i}"
        aids.append(aid)
    data["aids"] = aids
    return build_catalogue(Located(located.file, data), questions)


# -- the naive baseline: interpret raw YAML every time -----------------------------------


def naive_truth(
    raw: Mapping[str, Any], answers: Mapping[str, Any], as_of: date, definitions: Mapping[str, Any]
) -> bool | None:
    if "ref" in raw:
        return naive_truth(definitions[raw["ref"]], answers, as_of, definitions)
    if "all" in raw or "any" in raw:
        kind = "all" if "all" in raw else "any"
        values = [naive_truth(r, answers, as_of, definitions) for r in raw[kind]]
        decisive = kind == "any"
        if decisive in values:
            return decisive
        return None if None in values else not decisive
    if "not" in raw:
        value = naive_truth(raw["not"], answers, as_of, definitions)
        return None if value is None else not value
    if "if" in raw:
        condition = naive_truth(raw["if"], answers, as_of, definitions)
        then = naive_truth(raw["then"], answers, as_of, definitions)
        if condition is False or then is True:
            return True
        return None if None in (condition, then) else False
    value = answers.get(raw["answer"])
    if value is None:
        return None
    checks: dict[str, Callable[[Any], bool]] = {
        "equals": lambda a: value == a,
        "not_equals": lambda a: value != a,
        "one_of": lambda a: value in a,
        "not_one_of": lambda a: value not in a,
        "at_least": lambda a: value >= a,
        "at_most": lambda a: value <= a,
        "between": lambda a: a[0] <= value <= a[1],
        "contains": lambda a: a in value,
        "not_contains": lambda a: a not in value,
        "contains_any": lambda a: any(x in value for x in a),
        "years_ago_at_least": lambda a: as_of.year - value >= a,
    }
    name = next(k for k in raw if k in checks)
    return checks[name](raw[name])


def naive_evaluate(data: Mapping[str, Any], answers: Mapping[str, Any], as_of: date) -> list[Any]:
    results = []
    for aid in data["aids"]:
        windows = aid["calendar"].get("windows")
        if windows and not any(w["start"] <= as_of <= (w.get("end") or date.max) for w in windows):
            results.append((aid["id"], "closed"))
            continue
        results.append((aid["id"], naive_truth(aid["rule"], answers, as_of, data["definitions"])))
    return results


def naive_answer_ids(raw: Mapping[str, Any], definitions: Mapping[str, Any]) -> set[str]:
    if "ref" in raw:
        return naive_answer_ids(definitions[raw["ref"]], definitions)
    if "answer" in raw:
        return {raw["answer"]}
    found: set[str] = set()
    for key in ("all", "any"):
        for item in raw.get(key, ()):
            found |= naive_answer_ids(item, definitions)
    for key in ("not", "if", "then"):
        if key in raw:
            found |= naive_answer_ids(raw[key], definitions)
    return found


def naive_next_question(
    data: Mapping[str, Any], answers: Mapping[str, Any], as_of: date, order: list[str]
) -> str | None:
    """For each unasked question, count undecided aids whose rule mentions it."""
    scores: dict[str, int] = {}
    undecided = [
        aid
        for aid, truth in zip(data["aids"], naive_evaluate(data, answers, as_of), strict=True)
        if truth[1] is None
    ]
    for aid in undecided:
        for answer in naive_answer_ids(aid["rule"], data["definitions"]) - answers.keys():
            scores[answer] = scores.get(answer, 0) + 1
    return max(order, key=lambda q: scores.get(q, 0)) if scores else None


def timed(function: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    settings = Settings.from_env()
    knowledge = load_knowledge(settings.catalogue_path, settings.diagnostic_path)
    located = load_yaml(settings.catalogue_path)
    questions = knowledge.dialogue.questions
    big = synthetic(located, 10_000, questions)
    big_data = copy.deepcopy(located.data)
    big_data["aids"] = [big_data["aids"][i % len(big_data["aids"])] for i in range(10_000)]
    for label, catalogue, raw, repeat in (
        (
            f"catalogue réel ({len(knowledge.catalogue.aids)} aides)",
            knowledge.catalogue,
            located.data,
            50,
        ),
        ("catalogue synthétique (10 000 aides)", big, big_data, 3),
    ):
        print(f"\n== {label}")
        for name, (as_of, answers) in PROFILES.items():
            engine = DialogueEngine(knowledge.dialogue, catalogue, as_of)
            order = list(questions)
            rows = [
                (
                    "statuts",
                    timed(partial(statuses, catalogue, answers, as_of), repeat),
                    timed(partial(naive_evaluate, raw, answers, as_of), repeat),
                ),
                (
                    "question suivante",
                    timed(partial(engine.next_question, answers), repeat),
                    timed(partial(naive_next_question, raw, answers, as_of, order), repeat),
                ),
            ]
            full = timed(partial(evaluate, catalogue, answers, as_of), repeat)
            print(f"{name}")
            for what, compiled, naive in rows:
                print(
                    f"  {what:<18} compilé {compiled * 1000:8.2f} ms | naïf {naive * 1000:8.2f}"
                    f" ms | naïf/compilé {naive / compiled:5.2f}"
                )
            print(f"  {'verdicts complets':<18} {full * 1000:8.2f} ms (raisons, montants, dates)")


if __name__ == "__main__":
    main()
