"""Loading catalogues: what a coordinator's slip looks like, with FILE:LINE:COLUMN."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.core.catalogue import Catalogue
from bot.core.yamlsource import SourceError

PERMANENT = "{permanent: true}"


def problems(build: Callable[[], object]) -> list[str]:
    with pytest.raises(SourceError) as caught:
        build()
    return [str(p) for p in caught.value.problems]


def test_unknown_answer_id_is_named_with_its_line(
    make_catalogue: Callable[..., Catalogue],
) -> None:
    found = problems(lambda: make_catalogue(("a", "{answer: employes, at_least: 1}", PERMANENT)))
    assert len(found) == 1
    assert found[0].startswith("test.yaml:8:")
    assert "employes" in found[0] and "employees" in found[0]


def test_unknown_choice_value(make_catalogue: Callable[..., Catalogue]) -> None:
    found = problems(
        lambda: make_catalogue(("a", "{answer: legal_form, equals: asociation}", PERMANENT))
    )
    assert "asociation" in found[0] and "association" in found[0]


def test_unknown_operator(make_catalogue: Callable[..., Catalogue]) -> None:
    found = problems(lambda: make_catalogue(("a", "{answer: employees, atleast: 1}", PERMANENT)))
    assert "atleast" in found[0] and "at_least" in found[0]


def test_operator_that_does_not_fit_the_answer_type(
    make_catalogue: Callable[..., Catalogue],
) -> None:
    found = problems(lambda: make_catalogue(("a", "{answer: legal_form, at_least: 1}", PERMANENT)))
    assert "ne s'applique pas" in found[0]


def test_inverted_bounds(make_catalogue: Callable[..., Catalogue]) -> None:
    found = problems(
        lambda: make_catalogue(("a", "{answer: employees, between: [10, 1]}", PERMANENT))
    )
    assert "bornes impossibles" in found[0]


def test_inverted_window(make_catalogue: Callable[..., Catalogue]) -> None:
    found = problems(
        lambda: make_catalogue(
            (
                "a",
                "{answer: employees, at_least: 1}",
                "{windows: [{start: 2021-07-31, end: 2021-01-22}]}",
            )
        )
    )
    assert "avant de commencer" in found[0] and found[0].startswith("test.yaml:7:")


def test_stray_field_is_pointed_at(make_catalogue: Callable[..., Catalogue]) -> None:
    extra_field = "{answer: employees, at_least: 1}\n    montant: 500"
    found = problems(lambda: make_catalogue(("a", extra_field, PERMANENT)))
    assert found[0].startswith("test.yaml:9:5:") and "montant" in found[0]


def test_duplicate_ids(make_catalogue: Callable[..., Catalogue]) -> None:
    found = problems(
        lambda: make_catalogue(
            ("a", "{answer: employees, at_least: 1}", PERMANENT),
            ("a", "{answer: employees, at_least: 2}", PERMANENT),
        )
    )
    assert any("en double" in p for p in found)


def test_yaml_syntax_slip_names_the_line(make_catalogue: Callable[..., Catalogue]) -> None:
    found = problems(lambda: make_catalogue(("a", "{answer: employees, at_least: 1", PERMANENT)))
    assert "syntaxe YAML" in found[0] and found[0].startswith("test.yaml:")


def test_link_must_be_http(dialogue) -> None:  # type: ignore[no-untyped-def]
    from bot.core.catalogue import build_catalogue
    from bot.core.yamlsource import parse_yaml
    from tests.conftest import MINIMAL_AID

    text = "aids:" + MINIMAL_AID.format(
        id="a", rule="{answer: employees, at_least: 1}", calendar=PERMANENT
    ).replace("https://www.example.gouv.fr/", "www.example.gouv.fr")
    found = problems(lambda: build_catalogue(parse_yaml(text, "t.yaml"), dialogue.questions))
    assert "https://" in found[0] and found[0].startswith("t.yaml:13:14:")


def test_every_problem_is_reported_not_just_the_first(
    make_catalogue: Callable[..., Catalogue],
) -> None:
    found = problems(
        lambda: make_catalogue(
            ("a", "{answer: employes, at_least: 1}", PERMANENT),
            ("b", "{answer: legal_form, equals: club}", PERMANENT),
        )
    )
    assert len(found) == 2
