"""The command line as people use it: subprocesses, piped answers, files on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write


def run(
    args: list[str], *, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=60,
    )


@pytest.fixture
def db_env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'aidess.db'}"}


def test_match_json_gives_one_entry_per_aid(tmp_path: Path, db_env: dict[str, str]) -> None:
    answers = write(
        tmp_path,
        "a.yaml",
        """
        legal_form: association
        department: "59"
        employees: 3
    """,
    )
    result = run(
        ["match", "--answers", str(answers), "--as-of", "2021-03-15", "--format", "json"],
        env=db_env,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["as_of"] == "2021-03-15"
    by_id = {r["id"]: r for r in data["results"]}
    assert by_id["urgencess-2021"]["status"] == "eligible"
    assert by_id["activite-partielle"]["status"] == "eligible"
    for entry in data["results"]:
        assert {"id", "name", "status", "reasons", "missing"} <= entry.keys()


def test_match_reads_json_on_stdin_and_reports_unknown(db_env: dict[str, str]) -> None:
    stdin = json.dumps({"legal_form": "association", "employees": None})
    result = run(
        ["match", "--answers", "-", "--as-of", "2021-03-15", "--format", "json"],
        stdin=stdin,
        env=db_env,
    )
    urgencess = next(r for r in json.loads(result.stdout)["results"] if r["id"] == "urgencess-2021")
    assert urgencess["status"] == "to_confirm"
    assert urgencess["missing"] == ["employees"]


def test_match_rejects_a_typo_with_file_and_line(tmp_path: Path, db_env: dict[str, str]) -> None:
    answers = write(tmp_path, "a.yaml", "legal_form: association\nemployes: 3\n")
    result = run(["match", "--answers", str(answers)], env=db_env)
    assert result.returncode == 2
    assert f"{answers}:2:1:" in result.stderr and "employes" in result.stderr
    assert "Traceback" not in result.stderr


def test_match_rejects_an_impossible_value(tmp_path: Path, db_env: dict[str, str]) -> None:
    answers = write(tmp_path, "a.yaml", "legal_form: club\n")
    result = run(["match", "--answers", str(answers)], env=db_env)
    assert result.returncode == 2 and "club" in result.stderr


def test_chat_with_piped_answers_reaches_results(db_env: dict[str, str]) -> None:
    # Answers typed as people would; "je ne sais pas" to whatever else is asked.
    stdin = "\n".join(["asso", "Nord", "aucun"] + ["je ne sais pas"] * 20) + "\n"
    result = run(["chat", "--as-of", "2026-11-26"], stdin=stdin, env=db_env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Question 1. Quelle est la forme juridique" in out
    assert "✓ Département : Nord (59)" in out
    assert "✓ Nombre de salariés : 0" in out
    assert "résultats" in out.lower()
    assert "Activité partielle" in out
    assert "Traceback" not in out + result.stderr


def test_chat_resume_continues_where_it_stopped(db_env: dict[str, str]) -> None:
    first = run(["chat"], stdin="association\n", env=db_env)
    assert first.returncode == 0
    second = run(["chat", "--resume"], stdin="", env=db_env)
    assert "Nous reprenons" in second.stdout
    assert "Question 2. Dans quel département" in second.stdout


def test_chat_reprompts_a_typo_without_crashing(db_env: dict[str, str]) -> None:
    result = run(["chat"], stdin="xyzzy\nassociation\n", env=db_env)
    assert "Je n'ai pas compris" in result.stdout
    assert "✓ Forme juridique : Association" in result.stdout


def test_catalogue_check_accepts_the_shipped_catalogue(db_env: dict[str, str]) -> None:
    result = run(["catalogue", "check"], env=db_env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_catalogue_test_runs_the_stored_examples(db_env: dict[str, str]) -> None:
    result = run(["catalogue", "test"], env=db_env)
    assert result.returncode == 0, result.stdout
    assert " 0 failed" in result.stdout


def test_invalid_date_is_explained(db_env: dict[str, str]) -> None:
    result = run(["chat", "--as-of", "15/03/2021"], env=db_env)
    assert result.returncode == 2 and "AAAA-MM-JJ" in result.stderr
