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
    # Typed as people would; "je ne sais pas" to whatever else is asked; "oui" to refine.
    stdin = (
        "\n".join(["asso", "Nord"] + ["je ne sais pas"] * 4 + ["oui"] + ["je ne sais pas"] * 20)
        + "\n"
    )
    result = run(["chat", "--as-of", "2026-11-26"], stdin=stdin, env=db_env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Question 1. Quelle est la forme juridique" in out
    assert "✓ Forme juridique : Association" in out
    assert "✓ Département : Nord (59)" in out
    assert "Vos premiers résultats au 26 novembre 2026" in out
    final = out[out.index("Vos résultats au 26 novembre 2026") :]
    assert "❔ À confirmer" in final and "Activité partielle" in final
    assert "Il manque : nombre de salariés." in final
    assert "Traceback" not in out + result.stderr


def test_chat_answers_in_free_text(db_env: dict[str, str]) -> None:
    result = run(
        ["chat", "--as-of", "2021-03-15"], stdin="coopérative\npas de calais\n", env=db_env
    )
    assert "✓ Forme juridique : Coopérative (SCOP, SCIC, CAE…)" in result.stdout
    assert "✓ Département : Pas-de-Calais (62)" in result.stdout


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


TYPED_PROFILE = {  # what a treasurer might type, question by question
    "legal_form": "association",
    "department": "Nord",
    "employees": "trois salariés",
    "approvals": "aucun",
    "sector": "culture",
    "culture_field": "théâtre",
    "economic_activity": "oui",
    "commercial_taxes": "non",
    "revenue_loss_pct": "60 %",
    "annual_budget": "120 000 €",
    "has_siret": "oui",
    "creation_year": "2012",
    "needs": "trésorerie, emploi",
    "hiring": "un jeune",
}
TYPED_AS_DATA = {
    "legal_form": "association",
    "department": "59",
    "employees": 3,
    "approvals": [],
    "sector": "culture",
    "culture_field": "spectacle_vivant",
    "economic_activity": True,
    "commercial_taxes": False,
    "revenue_loss_pct": 60,
    "annual_budget": 120000,
    "has_siret": True,
    "creation_year": 2012,
    "needs": ["tresorerie", "emploi"],
    "hiring": ["jeune_moins_26"],
}


def test_chat_conversation_gives_the_same_aids_as_match(
    knowledge,
    tmp_path: Path,
    db_env: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    by_text = {q.text: q.id for q in knowledge.dialogue.questions.values()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--as-of", "2021-03-15"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
        env={**os.environ, **db_env},
    )
    assert proc.stdin is not None and proc.stdout is not None
    current, asked, transcript = None, [], []
    for line in proc.stdout:
        transcript.append(line)
        if line.startswith("Question "):
            current = by_text[line.split(". ", 1)[1].strip()]
        elif line.strip() == "(ou « je ne sais pas »)":
            asked.append(current)
            proc.stdin.write(TYPED_PROFILE[current] + "\n")
        elif "Voulez-vous répondre à quelques questions de plus" in line:
            proc.stdin.write("oui\n")
        elif line.startswith("Tapez « modifier »"):
            proc.stdin.close()
    proc.wait(timeout=30)
    out = "".join(transcript)
    assert len(asked) <= 12 and len(set(asked)) == len(asked)
    final = out[out.index("Vos résultats au 15 mars 2021") :]
    eligible_section = final.split("🟡")[0].split("❔")[0].split("⛔")[0].split("🔒")[0]

    answers = write(tmp_path, "a.json", json.dumps({k: TYPED_AS_DATA[k] for k in asked}))
    matched = json.loads(
        run(
            ["match", "--answers", str(answers), "--as-of", "2021-03-15", "--format", "json"],
            env=db_env,
        ).stdout
    )
    expected = {r["name"] for r in matched["results"] if r["status"] == "eligible"}
    assert expected, "the profile should be eligible to something in March 2021"
    shown = {
        name
        for name in (r["name"] for r in matched["results"])
        if f"• {name} —" in eligible_section
    }
    assert shown == expected


def test_unreachable_database_is_explained_without_traceback() -> None:
    env = {"DATABASE_URL": "postgresql+psycopg://aidess@127.0.0.1:1/aidess"}
    result = run(["stats"], env=env)
    assert result.returncode == 1
    assert "La base de données est inaccessible" in result.stderr
    assert "Traceback" not in result.stderr
    chat = run(["chat"], stdin="association\n", env=env)
    assert chat.returncode == 0 and "✓ Forme juridique : Association" in chat.stdout
    assert "vos réponses ne seront pas gardées" in chat.stdout


def test_chat_forget_erases_the_saved_answers(db_env: dict[str, str]) -> None:
    run(["chat"], stdin="association\nNord\n", env=db_env)
    forgot = run(["chat", "--resume"], stdin="oublier\n", env=db_env)
    assert "vos réponses gardées sont effacées" in forgot.stdout
    again = run(["chat", "--resume"], stdin="", env=db_env)
    assert "Aucune conversation enregistrée" in again.stdout
