from __future__ import annotations

import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.core.catalogue import Catalogue, build_catalogue
from bot.core.dialogues import Dialogue, load_dialogue
from bot.core.yamlsource import parse_yaml
from bot.knowledge import Knowledge, load_knowledge
from bot.settings import PROJECT_ROOT

CATALOGUE = PROJECT_ROOT / "aids_catalogue.yaml"
DIAGNOSTIC = PROJECT_ROOT / "dialogues" / "diagnostic.yaml"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge(CATALOGUE, DIAGNOSTIC)


@pytest.fixture(scope="session")
def dialogue() -> Dialogue:
    return load_dialogue(DIAGNOSTIC)


MINIMAL_AID = """
  - id: {id}
    name: Aide {id}
    provider: État
    scope: National
    summary: Une aide de test.
    calendar: {calendar}
    rule: {rule}
    checklist:
      - text: Déposer la demande.
    sources:
      - title: Source officielle
        url: https://www.example.gouv.fr/
    last_verified: 2026-11-01
"""


@pytest.fixture
def make_catalogue(dialogue: Dialogue) -> Callable[..., Catalogue]:
    """Build a catalogue from aids given as (id, rule YAML, calendar YAML) triples."""

    def build(*aids: tuple[str, str, str], extra: str = "") -> Catalogue:
        body = "".join(
            MINIMAL_AID.format(id=aid_id, rule=rule, calendar=calendar)
            for aid_id, rule, calendar in aids
        )
        text = textwrap.dedent(extra) + "aids:" + body
        return build_catalogue(parse_yaml(text, "test.yaml"), dialogue.questions)

    return build


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    from tests.support.postgres import throwaway_server

    with throwaway_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind: SQLite in a file, PostgreSQL 15."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'aidess.db'}"
    server: str = request.getfixturevalue("postgres_server")
    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"
