"""Coordinators' tools on the REAL shipped catalogue: the slips people make, and what they see.

Each slip is applied to a copy of ``aids_catalogue.yaml``; the expected line is computed from
the text that was edited, so the tests keep working while the catalogue grows.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.catalogue_tools.assignments import satisfiable
from bot.catalogue_tools.check import lint_catalogue
from bot.core.catalogue import Aid, Catalogue, Example, build_catalogue
from bot.core.dialogues import Dialogue
from bot.core.rules import evaluate_aid
from bot.core.yamlsource import Located, SourceError, parse_yaml
from bot.knowledge import load_knowledge
from tests.conftest import CATALOGUE, DIAGNOSTIC, MINIMAL_AID

PERMANENT = "{permanent: true}"


# -- helpers ----------------------------------------------------------------------------------


def shipped_text() -> str:
    return CATALOGUE.read_text(encoding="utf-8")


def shipped() -> Located:
    return parse_yaml(shipped_text(), str(CATALOGUE))


@dataclass
class Copy:
    """An editable copy of the shipped catalogue; line numbers are 1-based."""

    lines: list[str]

    @classmethod
    def of_shipped(cls) -> Copy:
        return cls(shipped_text().splitlines(keepends=True))

    def find(self, pattern: str, *, after: int = 0) -> int:
        """Number of the first line after ``after`` matching the regular expression."""
        for number, line in enumerate(self.lines, start=1):
            if number > after and re.search(pattern, line):
                return number
        raise AssertionError(f"no line matches {pattern!r} in the shipped catalogue")

    def replace(self, number: int, old: str, new: str) -> None:
        line = self.lines[number - 1]
        assert old in line, (old, line)
        self.lines[number - 1] = line.replace(old, new, 1)

    def insert(self, number: int, text: str) -> None:
        """Insert ``text`` (one line, no newline) so that it becomes line ``number``."""
        self.lines.insert(number - 1, text + "\n")

    def delete(self, number: int) -> None:
        del self.lines[number - 1]

    def indentation(self, number: int) -> str:
        line = self.lines[number - 1]
        return line[: len(line) - len(line.lstrip(" -"))].replace("-", " ")

    def write(self, directory: Path, name: str = "aids_catalogue.yaml") -> Path:
        path = directory / name
        path.write_text("".join(self.lines), encoding="utf-8")
        return path


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=120,
    )


def error_lines(result: subprocess.CompletedProcess[str], path: Path) -> list[str]:
    prefix = f"{path}:"
    return [
        line
        for line in result.stdout.splitlines()
        if line.startswith(prefix) and ": attention : " not in line
    ]


def assert_error_at(path: Path, line: int, *words: str) -> str:
    """`catalogue check` exits 1 and its only error names ``line``; returns that error."""
    result = run("catalogue", "check", path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = error_lines(result, path)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{path}:{line}:"), (line, errors)
    for word in words:
        assert word in errors[0], (word, errors[0])
    assert "erreur" in result.stdout  # the one-line verdict
    return errors[0]


def aids_line() -> int:
    return shipped().position(("aids",), key=True)[0]


def first_aid_with(predicate: Callable[[dict[str, Any]], bool]) -> int:
    for index, aid in enumerate(shipped().data["aids"]):
        if predicate(aid):
            return index
    raise AssertionError("no aid of the shipped catalogue fits this slip")


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, 28))


# -- the shipped catalogue --------------------------------------------------------------------


def test_shipped_catalogue_passes_check() -> None:
    result = run("catalogue", "check", CATALOGUE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert error_lines(result, CATALOGUE) == []
    assert "catalogue valide" in result.stdout


def _stored_examples() -> Iterator[Any]:
    try:
        knowledge = load_knowledge(CATALOGUE, DIAGNOSTIC)
    except SourceError as error:  # shown as one failing test, not a collection error
        yield pytest.param(None, None, str(error), id="catalogue-invalide")
        return
    for aid in knowledge.catalogue.aids:
        for example in aid.examples:
            yield pytest.param(aid, example, "", id=f"{aid.id}::{example.name}")


@pytest.mark.parametrize(("aid", "example", "problems"), list(_stored_examples()))
def test_stored_example(aid: Aid | None, example: Example | None, problems: str) -> None:
    assert aid is not None and example is not None, problems
    verdict = evaluate_aid(aid, example.answers, example.as_of)
    assert verdict.status.value == example.status, (
        f"{CATALOGUE}:{example.line}: attendu {example.status}, obtenu "
        f"{verdict.status.value} : {' | '.join(verdict.reasons)}"
    )


# -- slips a coordinator makes: exit 1, the right line -----------------------------------------


def test_typo_in_an_answer_id(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(r"answer: employees\b", after=aids_line())
    copy.replace(line, "answer: employees", "answer: employes")
    assert_error_at(copy.write(tmp_path), line, "employes", "employees")


def test_typo_in_a_value(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(r"(one_of|equals): .*\bassociation\b", after=aids_line())
    copy.replace(line, "association", "asociation")
    assert_error_at(copy.write(tmp_path), line, "asociation", "association")


def test_typo_in_a_definition_is_reported_once(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(r"^\s+answer: employees$")
    assert line < aids_line()
    copy.replace(line, "employees", "employes")
    assert_error_at(copy.write(tmp_path), line, "employes")


def test_typo_in_an_example_answer_value(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(r"answers: \{.*legal_form: association", after=aids_line())
    copy.replace(line, "legal_form: association", "legal_form: asociation")
    assert_error_at(copy.write(tmp_path), line, "asociation")


def test_typo_in_an_example_answer_id(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(r"answers: \{.*\bemployees: ", after=aids_line())
    copy.replace(line, "employees:", "employes:")
    assert_error_at(copy.write(tmp_path), line, "employes", "employees")


def test_typo_in_a_condition_type(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(r"\bat_least: ", after=aids_line())
    copy.replace(line, "at_least", "atleast")
    assert_error_at(copy.write(tmp_path), line, "atleast", "at_least")


def test_typo_in_an_example_status(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(r"^\s+status: eligible$", after=aids_line())
    copy.replace(line, "eligible", "eligibel")
    assert_error_at(copy.write(tmp_path), line, "eligibel")


def test_duplicate_id(tmp_path: Path) -> None:
    located = shipped()
    first_id = located.data["aids"][0]["id"]
    second_id = located.data["aids"][1]["id"]
    line = located.position(("aids", 1, "id"))[0]
    copy = Copy.of_shipped()
    copy.replace(line, second_id, first_id)
    assert_error_at(copy.write(tmp_path), line, "en double", first_id)


def test_stray_field(tmp_path: Path) -> None:
    name_line = shipped().position(("aids", 0, "name"), key=True)[0]
    copy = Copy.of_shipped()
    copy.insert(name_line + 1, copy.indentation(name_line) + "montant: 5000 €")
    assert_error_at(copy.write(tmp_path), name_line + 1, "montant", "champ inconnu")


def test_missing_colon(tmp_path: Path) -> None:
    line = shipped().position(("aids", 0, "provider"), key=True)[0]
    copy = Copy.of_shipped()
    copy.replace(line, "provider:", "provider")
    assert_error_at(copy.write(tmp_path), line, "syntaxe YAML", "« : »")


@pytest.mark.parametrize("shift", [+1, -1, -2])
def test_indentation_slip(tmp_path: Path, shift: int) -> None:
    line = shipped().position(("aids", 0, "provider"), key=True)[0]
    copy = Copy.of_shipped()
    text = copy.lines[line - 1]
    copy.lines[line - 1] = " " * shift + text if shift > 0 else text[-shift:]
    assert_error_at(copy.write(tmp_path), line, "syntaxe YAML", "indent")


def test_unclosed_brace(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(r"answers: \{.*\}\s*$", after=aids_line())
    copy.lines[line - 1] = copy.lines[line - 1].rstrip()[:-1] + "\n"
    assert_error_at(copy.write(tmp_path), line, "accolade")


def test_tab_in_indentation(tmp_path: Path) -> None:
    line = shipped().position(("aids", 0, "scope"), key=True)[0]
    copy = Copy.of_shipped()
    copy.lines[line - 1] = "\t" + copy.lines[line - 1].lstrip(" ")
    assert_error_at(copy.write(tmp_path), line, "tabulation")


def _first_window() -> tuple[int, date, date]:
    index = first_aid_with(lambda a: bool(a["calendar"].get("windows", [{}])[0].get("end")))
    window = shipped().data["aids"][index]["calendar"]["windows"][0]
    return index, window["start"], window["end"]


def test_window_ending_before_it_starts(tmp_path: Path) -> None:
    index, start, end = _first_window()
    line = shipped().position(("aids", index, "calendar", "windows", 0, "end"))[0]
    copy = Copy.of_shipped()
    copy.replace(line, end.isoformat(), (start - timedelta(days=1)).isoformat())
    assert_error_at(copy.write(tmp_path), line, "avant de commencer")


def test_swapped_window_dates(tmp_path: Path) -> None:
    index, start, end = _first_window()
    located = shipped()
    start_line = located.position(("aids", index, "calendar", "windows", 0, "start"))[0]
    end_line = located.position(("aids", index, "calendar", "windows", 0, "end"))[0]
    copy = Copy.of_shipped()
    copy.replace(start_line, start.isoformat(), end.isoformat())
    copy.replace(end_line, end.isoformat(), start.isoformat())
    assert_error_at(copy.write(tmp_path), end_line, "avant de commencer")


def test_date_that_does_not_exist(tmp_path: Path) -> None:
    index, _, end = _first_window()
    line = shipped().position(("aids", index, "calendar", "windows", 0, "end"))[0]
    copy = Copy.of_shipped()
    copy.replace(line, end.isoformat(), f"{end.year}-02-30")
    assert_error_at(copy.write(tmp_path), line, "date impossible")


def test_link_without_https(tmp_path: Path) -> None:
    line = shipped().position(("aids", 0, "sources", 0, "url"))[0]
    copy = Copy.of_shipped()
    copy.replace(line, "https://", "")
    assert_error_at(copy.write(tmp_path), line, "https://")


def test_removed_last_verified(tmp_path: Path) -> None:
    located = shipped()
    line = located.position(("aids", 0, "last_verified"), key=True)[0]
    aid_line = located.position(("aids", 0))[0]
    copy = Copy.of_shipped()
    copy.delete(line)
    assert_error_at(copy.write(tmp_path), aid_line, "last_verified", "manquant")


def test_removed_sources(tmp_path: Path) -> None:
    located = shipped()
    start = located.position(("aids", 0, "sources"), key=True)[0]
    following = [
        position[0]
        for path, position in located.keys.items()
        if len(path) == 3 and path[:2] == ("aids", 0) and position[0] > start
    ]
    copy = Copy.of_shipped()
    for line in reversed(range(start, min(following))):
        copy.delete(line)
    assert_error_at(copy.write(tmp_path), located.position(("aids", 0))[0], "sources")


def test_impossible_bounds(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(r"between: \[\d+, \d+\]", after=aids_line())
    low, high = re.findall(r"between: \[(\d+), (\d+)\]", copy.lines[line - 1])[0]
    copy.replace(line, f"[{low}, {high}]", f"[{high}, {int(low) - 1}]")
    assert_error_at(copy.write(tmp_path), line, "bornes impossibles")


def test_rule_that_can_never_be_true(tmp_path: Path) -> None:
    index = first_aid_with(lambda a: isinstance(a["rule"], dict) and "all" in a["rule"])
    first_item = shipped().position(("aids", index, "rule", "all", 0))[0]
    copy = Copy.of_shipped()
    indent = copy.lines[first_item - 1][: copy.lines[first_item - 1].index("-")]
    copy.insert(first_item, indent + "- {answer: employees, at_least: 5}")
    copy.insert(first_item + 1, indent + "- {answer: employees, at_most: 3}")
    error = assert_error_at(copy.write(tmp_path), first_item + 1, "ne peut jamais être vraie")
    assert "au moins 5" in error and "au plus 3" in error


def test_every_problem_of_a_file_is_listed(tmp_path: Path) -> None:
    located = shipped()
    copy = Copy.of_shipped()
    url_line = located.position(("aids", 0, "sources", 0, "url"))[0]
    copy.replace(url_line, "https://", "")
    id_line = located.position(("aids", 1, "id"))[0]
    copy.replace(id_line, located.data["aids"][1]["id"], located.data["aids"][0]["id"])
    answer_line = copy.find(r"answer: \w+", after=located.position(("aids", 0, "rule"))[0] - 1)
    answer = re.findall(r"answer: (\w+)", copy.lines[answer_line - 1])[0]
    copy.replace(answer_line, f"answer: {answer}", f"answer: {answer}x")
    path = copy.write(tmp_path)
    result = run("catalogue", "check", path)
    assert result.returncode == 1
    lines = [int(e.split(":")[1]) for e in error_lines(result, path)]
    assert lines == sorted([url_line, id_line, answer_line])
    assert "3 erreurs" in result.stdout


def test_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = run("catalogue", "check", tmp_path / "absent.yaml")
    assert result.returncode == 1 and "introuvable" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


# -- warnings: exit 0 -----------------------------------------------------------------------


def test_window_closing_within_30_days_is_a_warning() -> None:
    index, start, end = _first_window()
    as_of = max(start, end - timedelta(days=20))
    line = shipped().position(("aids", index, "calendar", "windows", 0, "end"))[0]
    result = run("catalogue", "check", CATALOGUE, "--as-of", as_of.isoformat())
    assert result.returncode == 0, result.stdout + result.stderr
    warning = [w for w in result.stdout.splitlines() if w.startswith(f"{CATALOGUE}:{line}:")]
    assert warning and "attention" in warning[0] and "ferme le" in warning[0]
    assert f"dans {(end - as_of).days} jours" in warning[0]
    assert "avertissement" in result.stdout


def test_information_verified_13_months_ago_is_a_warning(tmp_path: Path) -> None:
    today = date.today()
    line = shipped().position(("aids", 0, "last_verified"))[0]
    copy = Copy.of_shipped()
    old = copy.lines[line - 1].split(":", 1)[1].strip()
    copy.replace(line, old, months_before(today, 13).isoformat())
    path = copy.write(tmp_path)
    result = run("catalogue", "check", path, "--as-of", today.isoformat())
    assert result.returncode == 0, result.stdout + result.stderr
    warning = [w for w in result.stdout.splitlines() if w.startswith(f"{path}:{line}:")]
    assert warning and "attention" in warning[0] and "plus de 12 mois" in warning[0]


def test_example_answering_a_question_never_asked_is_a_warning(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(
        r"^\s+answers: \{(?!.*\bsector:)(?!.*culture_field).*\}\s*$", after=aids_line()
    )
    copy.replace(line, "answers: {", "answers: {sector: sport, culture_field: musique, ")
    path = copy.write(tmp_path)
    result = run("catalogue", "check", path)
    assert result.returncode == 0, result.stdout + result.stderr
    warning = [w for w in result.stdout.splitlines() if w.startswith(f"{path}:{line}:")]
    assert warning and "culture_field" in warning[0] and "jamais posée" in warning[0]


# -- catalogue test ---------------------------------------------------------------------------


def test_catalogue_test_names_the_failing_example(tmp_path: Path) -> None:
    located = shipped()
    index = first_aid_with(lambda a: bool(a.get("examples")))
    example = located.data["aids"][index]["examples"][0]
    wrong = "not_eligible" if example["status"] != "not_eligible" else "eligible"
    status_line = located.position(("aids", index, "examples", 0, "status"))[0]
    example_line = located.position(("aids", index, "examples", 0))[0]
    copy = Copy.of_shipped()
    copy.replace(status_line, f"status: {example['status']}", f"status: {wrong}")
    path = copy.write(tmp_path)
    result = run("catalogue", "test", path)
    assert result.returncode == 1, result.stdout
    failure = [line for line in result.stdout.splitlines() if line.startswith(f"{path}:")]
    assert len(failure) == 1 and failure[0].startswith(f"{path}:{example_line}:")
    assert f"attendu {wrong}" in failure[0] and f"obtenu {example['status']}" in failure[0]
    assert "raison :" in result.stdout and "1 en échec" in result.stdout


def test_catalogue_test_passes_on_the_shipped_catalogue() -> None:
    result = run("catalogue", "test", CATALOGUE)
    assert result.returncode == 0, result.stdout
    assert "0 en échec" in result.stdout


# -- catalogue diff ---------------------------------------------------------------------------


def test_diff_names_the_aid_and_the_profiles_that_change(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(r"^\s+between: \[\d+, \d+\]\s*$", after=aids_line())
    low, high = re.findall(r"between: \[(\d+), (\d+)\]", copy.lines[line - 1])[0]
    answer = re.findall(r"answer: (\w+)", copy.lines[line - 2])[0]
    aid_line = max(n for n in range(1, line) if re.match(r"^  - id: ", copy.lines[n - 1]))
    aid_id = copy.lines[aid_line - 1].split("id:")[1].strip()
    copy.replace(line, f"[{low}, {high}]", f"[{low}, {int(high) + 2}]")
    path = copy.write(tmp_path, "nouveau.yaml")
    result = run("catalogue", "diff", CATALOGUE, path, "--as-of", "2026-11-26")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("■ ") == 1 and f"■ {aid_id}" in out, out
    assert "non éligible → éligible" in out and "Profils générés" in out
    question = load_knowledge(CATALOGUE, DIAGNOSTIC).dialogue.questions[answer]
    assert question.format(int(high) + 1) in out  # the first value newly admitted
    assert "Bilan : 1 aide modifiée" in out


def test_diff_of_identical_files_says_nothing_changes() -> None:
    result = run("catalogue", "diff", CATALOGUE, CATALOGUE)
    assert result.returncode == 0 and "Aucune aide ne change" in result.stdout


def test_diff_of_an_invalid_file_lists_its_problems(tmp_path: Path) -> None:
    copy = Copy.of_shipped()
    line = copy.find(r"answer: employees\b", after=aids_line())
    copy.replace(line, "employees", "employes")
    path = copy.write(tmp_path)
    result = run("catalogue", "diff", CATALOGUE, path)
    assert result.returncode == 1 and result.stderr.startswith(f"{path}:{line}:")
    assert "Traceback" not in result.stderr


# -- catalogue show ---------------------------------------------------------------------------


def test_show_prints_name_checklist_and_sources() -> None:
    aid = shipped().data["aids"][0]
    result = run("catalogue", "show", aid["id"], CATALOGUE)
    assert result.returncode == 0, result.stderr
    assert aid["name"] in result.stdout
    assert aid["checklist"][0]["text"] in result.stdout
    assert aid["sources"][0]["title"] in result.stdout
    assert "Que faire" in result.stdout  # the user's view, not only the coordinators' sheet


def test_show_an_unknown_id_suggests_close_ones() -> None:
    aid_id = shipped().data["aids"][0]["id"]
    result = run("catalogue", "show", aid_id[:-1] + "x", CATALOGUE)
    assert result.returncode == 1 and aid_id in result.stderr


# -- in-process: the never-true search and its limits ---------------------------------------


def one_aid(extra_lines: list[str], rule: str = "{answer: employees, at_least: 1}") -> str:
    """A one-aid catalogue (tests/conftest.py's MINIMAL_AID) with fields appended."""
    aid = MINIMAL_AID.format(id="a", rule=rule, calendar=PERMANENT)
    return "aids:" + aid + "".join(line + "\n" for line in extra_lines)


def lint(catalogue: Catalogue, dialogue: Dialogue) -> list[str]:
    return [
        str(p) for p in lint_catalogue(catalogue, as_of=date(2026, 11, 26), ask_if=dialogue.ask_if)
    ]


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("{all: [{answer: employees, at_least: 5}, {answer: employees, at_most: 3}]}", ["5", "3"]),
        (
            "{all: [{answer: sector, equals: sport}, {answer: culture_field, equals: musique}]}",
            ["n'est demandé que si"],
        ),
        (
            "{all: [{answer: legal_form, equals: association},"
            " {not: {answer: legal_form, one_of: [association, fondation]}}]}",
            ["Association"],
        ),
        (
            "{all: [{answer: approvals, contains: esus}, {answer: approvals, not_contains: esus}]}",
            ["ESUS"],
        ),
        (
            "{all: [{answer: department, one_of: ['59', '62']},"
            " {answer: department, equals: '75'}]}",
            ["Paris"],
        ),
        (
            "{all: [{answer: creation_year, years_ago_at_least: 1},"
            " {answer: creation_year, at_least: 2026}]}",
            ["2026"],
        ),
    ],
)
def test_never_true_rules(
    make_catalogue: Callable[..., Catalogue], dialogue: Dialogue, rule: str, words: list[str]
) -> None:
    found = lint(make_catalogue(("a", rule, PERMANENT)), dialogue)
    assert len(found) == 1 and "ne peut jamais être vraie" in found[0], found
    assert found[0].startswith("test.yaml:8:")
    for word in words:
        assert word in found[0]


@pytest.mark.parametrize(
    "rule",
    [
        "{all: [{answer: sector, equals: culture}, {answer: culture_field, equals: musique}]}",
        "{all: [{answer: creation_year, years_ago_at_least: 1},"
        " {answer: creation_year, at_least: 2025}]}",
        "{all: [{answer: hiring, contains: apprenti}, {answer: employees, between: [0, 0]}]}",
        "{answer: revenue_loss_pct, at_least: 100}",
    ],
)
def test_satisfiable_rules_raise_no_alarm(
    make_catalogue: Callable[..., Catalogue], dialogue: Dialogue, rule: str
) -> None:
    assert lint(make_catalogue(("a", rule, PERMANENT)), dialogue) == []


def test_too_many_combinations_is_skipped_without_alarm(
    make_catalogue: Callable[..., Catalogue], dialogue: Dialogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = "{all: [{answer: employees, at_least: 5}, {answer: employees, at_most: 3}]}"
    catalogue = make_catalogue(("a", rule, PERMANENT))
    root = catalogue.aids[0].rule.root
    day = [date(2026, 11, 26)]
    assert satisfiable([root], dialogue.questions, dialogue.ask_if, day, limit=1) is None
    monkeypatch.setattr("bot.catalogue_tools.check.satisfiable", _undecided)
    assert lint(catalogue, dialogue) == []


def _undecided(*args: object, **kwargs: object) -> None:
    return None


def test_condition_of_an_amount_contradicting_the_rule_is_a_warning(
    dialogue: Dialogue,
) -> None:
    text = one_aid(
        ["    amounts:", "      - text: 1 €", "        when: {answer: employees, at_least: 11}"],
        rule="{answer: employees, between: [1, 10]}",
    )
    found = lint(build_catalogue(parse_yaml(text, "t.yaml"), dialogue.questions), dialogue)
    assert len(found) == 1 and "attention" in found[0] and "contredit la règle" in found[0]


def test_definition_that_can_never_be_true(
    make_catalogue: Callable[..., Catalogue], dialogue: Dialogue
) -> None:
    extra = """
    definitions:
      nobody:
        all: [{answer: employees, at_least: 5}, {answer: employees, at_most: 3}]
    """
    found = lint(
        make_catalogue(("a", "{answer: employees, at_least: 1}", PERMANENT), extra=extra), dialogue
    )
    assert len(found) == 1 and "« nobody »" in found[0] and found[0].startswith("test.yaml:3:")


# -- in-process: gaps closed in loading ------------------------------------------------------


def test_amount_period_ending_before_it_starts(dialogue: Dialogue) -> None:
    lines = [
        "    amounts:",
        "      - text: 1 €",
        "        start: 2022-01-01",
        "        end: 2021-01-01",
    ]
    text = one_aid(lines)
    with pytest.raises(SourceError) as caught:
        build_catalogue(parse_yaml(text, "t.yaml"), dialogue.questions)
    problems = [str(p) for p in caught.value.problems]
    assert len(problems) == 1 and problems[0].startswith("t.yaml:18:") and "avant" in problems[0]


@pytest.mark.parametrize(
    ("answers", "word"),
    [
        ("{legal_form: asociation}", "asociation"),  # no fuzzy matching in examples
        ("{legal_form: '2'}", "« 2 »"),  # nor numbers of the dialogue's list
        ("{has_siret: oui}", "true"),
        ("{employees: 'trois'}", "nombre"),
        ("{approvals: jep}", "liste"),
    ],
)
def test_example_answers_are_exact_values(dialogue: Dialogue, answers: str, word: str) -> None:
    example = ["    examples:", "      - as_of: 2021-01-01", f"        answers: {answers}"]
    text = one_aid([*example, "        status: eligible"])
    with pytest.raises(SourceError) as caught:
        build_catalogue(parse_yaml(text, "t.yaml"), dialogue.questions)
    problems = [str(p) for p in caught.value.problems]
    assert len(problems) == 1 and problems[0].startswith("t.yaml:17:"), problems
    assert word in problems[0]


def test_value_typo_in_a_block_list_points_at_its_item(
    make_catalogue: Callable[..., Catalogue],
) -> None:
    rule = "\n      answer: legal_form\n      one_of:\n        - association\n        - fondaton"
    with pytest.raises(SourceError) as caught:
        make_catalogue(("a", rule, PERMANENT))
    problems = [str(p) for p in caught.value.problems]
    assert problems[0].startswith("test.yaml:12:") and "« fondation »" in problems[0]


def test_yearly_call_closing_soon_and_future_verification_are_warnings(
    dialogue: Dialogue,
) -> None:
    calendar = (
        "{yearly: {period: de janvier à mars, known_calls: [{start: 2027-01-05, end: 2027-03-01}]}}"
    )
    aid = MINIMAL_AID.format(id="a", rule="{answer: employees, at_least: 1}", calendar=calendar)
    catalogue = build_catalogue(parse_yaml("aids:" + aid, "t.yaml"), dialogue.questions)
    found = lint_catalogue(
        catalogue, as_of=date(2027, 2, 20), ask_if=dialogue.ask_if, today=date(2026, 10, 1)
    )
    messages = [str(p) for p in found]
    assert len(messages) == 2 and all(": attention : " in m for m in messages), messages
    assert "dans 9 jours" in messages[0] and messages[0].startswith("t.yaml:7:")
    assert "dans le futur" in messages[1] and messages[1].startswith("t.yaml:14:")


def test_diff_flags_a_changed_id(dialogue: Dialogue) -> None:
    from bot.catalogue_tools.diff import diff_catalogues, render_diff

    located = shipped()
    aid_id = located.data["aids"][0]["id"]
    copy = Copy.of_shipped()
    copy.replace(located.position(("aids", 0, "id"))[0], aid_id, aid_id + "-bis")
    old = build_catalogue(located, dialogue.questions)
    new = build_catalogue(parse_yaml("".join(copy.lines), "new.yaml"), dialogue.questions)
    diff = diff_catalogues(old, new, as_of=date(2026, 11, 26), ask_if=dialogue.ask_if)
    assert [(a.aid_id, a.kind) for a in diff.aids] == [
        (aid_id + "-bis", "ajoutée"),
        (aid_id, "supprimée"),
    ]
    out = render_diff(diff, dialogue.questions, "old.yaml", "new.yaml")
    assert f"Même nom que « {aid_id} » : identifiant changé ?" in out
