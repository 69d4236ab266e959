from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.catalogue import Catalogue, build_catalogue
from bot.dialogues import Dialogue, load_dialogue
from bot.knowledge import Knowledge, load_knowledge
from bot.settings import PROJECT_ROOT
from bot.yamlsource import parse_yaml

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
