"""The table of départements and what people type to name one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.departments import DEPARTMENTS, HAUTS_DE_FRANCE, Department, find_department


def test_table_has_every_department() -> None:
    metropolitan = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
    overseas = {"971", "972", "973", "974", "976"}
    assert set(DEPARTMENTS) == metropolitan | overseas
    assert len(DEPARTMENTS) == 101
    assert all(code == department.code for code, department in DEPARTMENTS.items())
    assert len({department.name for department in DEPARTMENTS.values()}) == 101


def test_regions() -> None:
    assert HAUTS_DE_FRANCE == {"02", "59", "60", "62", "80"}
    assert len({department.region for department in DEPARTMENTS.values()}) == 18
    assert DEPARTMENTS["2A"] == Department("2A", "Corse-du-Sud", "Corse")
    assert DEPARTMENTS["59"].region == "Hauts-de-France"
    assert DEPARTMENTS["75"].region == "Île-de-France"
    assert DEPARTMENTS["974"].region == "La Réunion"


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        DEPARTMENTS["99"] = Department("99", "Nulle part", "Aucune")  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # codes
        ("59", "59"),
        (" 59 ", "59"),
        ("02", "02"),
        ("2", "02"),
        ("9", "09"),
        ("2A", "2A"),
        ("2a", "2A"),
        ("2 A", "2A"),
        ("2b", "2B"),
        ("974", "974"),
        ("976", "976"),
        # names
        ("Nord", "59"),
        ("nord", "59"),
        ("NORD", "59"),
        ("pas de calais", "62"),
        ("Pas-de-Calais", "62"),
        ("somme", "80"),
        ("la Somme", "80"),
        ("dans la Somme", "80"),
        ("Aisne", "02"),
        ("l'Aisne", "02"),
        ("l’Aisne", "02"),
        ("Oise", "60"),
        ("Seine St Denis", "93"),
        ("seine saint denis", "93"),
        ("Seine-Saint-Denis", "93"),
        ("corse du sud", "2A"),
        ("haute corse", "2B"),
        ("la réunion", "974"),
        ("Réunion", "974"),
        ("Cote d'Or", "21"),
        ("Val-d'Oise", "95"),
        ("Haute-Loire", "43"),
        ("Loire", "42"),
        ("Bouches-du-Rhône", "13"),
        ("Territoire de Belfort", "90"),
        ("Belfort", "90"),
        ("Ariège", "09"),
        ("ariege", "09"),
        ("Nord (59)", "59"),
        ("59 - Nord", "59"),
        # postal codes
        ("59000", "59"),
        ("02100", "02"),
        ("75015", "75"),
        ("20000", "2A"),
        ("20100", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97400", "974"),
        ("97600", "976"),
        ("59000 Lille", "59"),
        # one small typo
        ("Pas de Calai", "62"),
        ("pas de calaiss", "62"),
        ("Somem", "80"),
        ("cote dor", "21"),
        ("Finistere", "29"),
        ("Girnode", "33"),
    ],
)
def test_find_department(text: str, code: str) -> None:
    found = find_department(text)
    assert found is not None
    assert found.code == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "?",
        "je ne sais pas",
        "Somm",  # too short for a typo
        "0",
        "20",  # Corse: which one?
        "96",
        "975",
        "100",
        "2021",
        "00000",
        "98000",  # Monaco
        "97133",  # Saint-Barthélemy
        "Corse",
        "Nord-Pas-de-Calais",  # two départements
        "Nord 62",
        "Lille",
        "Hauts-de-France",
        "Bretagne",
        "xyzzy",
    ],
)
def test_find_department_none(text: str) -> None:
    assert find_department(text) is None


@given(st.sampled_from(sorted(DEPARTMENTS)))
def test_every_department_round_trips(code: str) -> None:
    department = DEPARTMENTS[code]
    assert find_department(code) == department
    assert find_department(code.lower()) == department
    assert find_department(department.name) == department
    assert find_department(department.name.upper()) == department
    assert find_department(department.name.replace("-", " ")) == department
    assert find_department(f"{department.name} ({code})") == department


@given(st.text())
def test_find_department_never_raises(text: str) -> None:
    found = find_department(text)
    assert found is None or found in DEPARTMENTS.values()


@given(st.from_regex(r"[0-9]{5}", fullmatch=True))
def test_postal_codes_give_a_known_department_or_none(postal_code: str) -> None:
    found = find_department(postal_code)
    assert found is None or found.code[:2] in (postal_code[:2], "2A", "2B")
