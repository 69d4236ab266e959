"""Profiles of typical structures (tests/data/profiles) against the brief's exact rules,
through `aidess match` as a coordinator or another tool would call it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROFILES = Path(__file__).parent / "data" / "profiles"
HAUTS_DE_FRANCE = {"02", "59", "60", "62", "80"}

# (profile, reference date, {aid id: status implied by the brief's exact rules})
EXPECTED = [
    (
        "asso-non-employeuse-nord",
        "2026-11-26",
        {
            "activite-partielle": "not_eligible",  # employees >= 1
            "dispositif-local-accompagnement-dla": "not_eligible",  # employees >= 1
            "fdva-fonctionnement-innovation": "eligible",  # association, SIRET, created before
            "fdva-formation-benevoles": "eligible",  # association, SIRET, not sport
            "poste-fonjep": "not_eligible",  # no JEP approval
            "agrement-esus": "eligible",  # ESS form without ESUS yet
            "creap-hdf": "eligible",  # HDF association, 0 employees, created before
            "urgencess-2021": "closed",
            "emplois-francs": "closed",  # no new hires after 2024
        },
    ),
    (
        "asso-employeuse-3-nord-2021",
        "2021-03-15",
        {
            "urgencess-2021": "eligible",  # ESS family, 1..10 employees
            "fonds-solidarite-associations": "eligible",  # activity, loss >= 50, employer
            "pret-garanti-etat-pge": "eligible",
            "aide-paiement-cotisations-covid": "eligible",  # culture, 1..249, loss >= 50
            "cheque-france-num-2021": "eligible",
            "aide-embauche-jeunes-2020": "eligible",
            "activite-partielle": "eligible",
            "dispositif-local-accompagnement-dla": "eligible",
            "couts-fixes-associations-2022": "closed",
            "fonds-developpement-inclusion": "closed",  # between its two windows
        },
    ),
    (
        "club-sport-affilie-somme",
        "2026-03-01",
        {
            "ans-projet-sportif-federal": "eligible",
            "fdva-formation-benevoles": "not_eligible",  # sport has its own aids
            "creap-hdf": "eligible",
            "activite-partielle": "not_eligible",
        },
    ),
    (
        "scop-12-lyon",
        "2026-11-26",
        {
            "dispositif-local-accompagnement-dla": "eligible",  # cooperative with employees
            "creap-hdf": "not_eligible",  # outside Hauts-de-France
            "fdva-fonctionnement-innovation": "not_eligible",  # not an association
            "france-active-garantie": "eligible",
            "agrement-esus": "eligible",
        },
    ),
]


def match(profile: str, as_of: str) -> dict[str, dict[str, object]]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "match",
            "--answers",
            str(PROFILES / f"{profile}.yaml"),
            "--as-of",
            as_of,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    data = json.loads(result.stdout)
    assert data["as_of"] == as_of
    return {entry["id"]: entry for entry in data["results"]}


@pytest.mark.parametrize(("profile", "as_of", "expected"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_profile_statuses(profile: str, as_of: str, expected: dict[str, str]) -> None:
    results = match(profile, as_of)
    actual = {aid: results[aid]["status"] for aid in expected}
    assert actual == expected


def test_outside_hauts_de_france_no_regional_address_is_given() -> None:
    results = match("scop-12-lyon", "2026-11-26")
    for entry in results.values():
        for contact in entry["contacts"]:  # type: ignore[attr-defined]
            assert not set(contact["departments"]) & HAUTS_DE_FRANCE, contact["name"]
