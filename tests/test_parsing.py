"""What people type, and what the parsers understand of it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.parsing import (
    Choice,
    is_unknown,
    normalize,
    parse_amount,
    parse_choice,
    parse_integer,
    parse_multi,
    parse_percent,
    parse_year,
    parse_yes_no,
)

TODAY_YEAR = 2021

LEGAL_FORMS = (
    Choice("association", "Association", aliases=("asso", "loi 1901")),
    Choice("cooperative", "Coopérative (SCOP, SCIC, CAE…)"),
    Choice("mutuelle", "Mutuelle"),
    Choice("fondation", "Fondation"),
    Choice("societe_ess", "Société commerciale de l'ESS (statuts ESS ou agrément ESUS)"),
    Choice("autre", "Autre"),
)
SECTORS = (
    Choice("sport", "Sport"),
    Choice("culture", "Culture"),
    Choice("social_sante", "Social, santé"),
    Choice("education_jeunesse", "Éducation, jeunesse"),
    Choice("insertion_emploi", "Insertion, emploi"),
    Choice("environnement", "Environnement"),
    Choice("tourisme_loisirs", "Tourisme, loisirs"),
    Choice("autre", "Autre"),
)
CULTURE_FIELDS = (
    Choice("musique", "Musique"),
    Choice("spectacle_vivant", "Spectacle vivant (théâtre, danse, cirque, arts de la rue)"),
    Choice("autre", "Autre"),
)
APPROVALS = (
    Choice("esus", "Agrément ESUS"),
    Choice("jep", "Agrément jeunesse et éducation populaire", aliases=("JEP",)),
    Choice("sport", "Affiliation à une fédération sportive"),
    Choice("siae", "Structure d'insertion par l'activité économique (SIAE) conventionnée"),
    Choice("entreprise_adaptee", "Entreprise adaptée ou ESAT", aliases=("EA",)),
    Choice("service_civique", "Agrément service civique"),
)


# --- normalize / is_unknown ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  L'Aisne, bien sûr ! ", "l aisne bien sur"),
        ("Pas-de-Calais", "pas de calais"),
        ("ÉDUCATION   populaire", "education populaire"),
        ("Cœur", "coeur"),
        ("l’an dernier", "l an dernier"),
        ("", ""),
        ("?!…", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "je ne sais pas",
        "Je ne sais pas.",
        "je sais pas",
        "ne sais pas",
        "sais pas",
        "jsp",
        "nsp",
        "?",
        " ?? ",
        "inconnu",
        "Inconnue",
        "aucune idée",
        "Aucune idée !",
        "on ne sait pas",
        "je ne sais plus",
        "j'en sais rien",
        "je n’en sais rien",
        "je l'ignore",
        "pas sûr",
        "euh je sais pas trop",
        "je n'ai pas le chiffre",
    ],
)
def test_is_unknown(text: str) -> None:
    assert is_unknown(text)


@pytest.mark.parametrize(
    "text", ["", "non", "oui", "je sais", "3", "aucun", "Nord", "pas de salarié", "sais"]
)
def test_is_not_unknown(text: str) -> None:
    assert not is_unknown(text)


# --- yes / no ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oui", True),
        ("Oui !", True),
        ("o", True),
        ("O", True),
        ("yes", True),
        ("ouais", True),
        ("bien sûr", True),
        ("Bien sur", True),
        ("tout à fait", True),
        ("absolument", True),
        ("si", True),
        ("je pense que oui", True),
        ("oui, nous vendons des repas", True),
        ("non", False),
        ("NON.", False),
        ("n", False),
        ("nan", False),
        ("pas du tout", False),
        ("non pas du tout", False),
        ("pas encore", False),
        ("je ne crois pas", False),
        ("non, aucune vente", False),
        ("1", None),
        ("2", None),
        ("", None),
        ("oui et non", None),
        ("oui mais pas toujours", None),
        ("non mais un peu", None),
        ("je ne sais pas", None),
        ("peut-être", None),
        ("nous vendons des repas", None),
    ],
)
def test_parse_yes_no(text: str, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected


# --- integers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        (" 3 ", 3),
        ("3 salariés", 3),
        ("nous sommes 5", 5),
        ("trois", 3),
        ("Trois salariés", 3),
        ("un salarié", 1),
        ("une personne", 1),
        ("aucun", 0),
        ("aucune", 0),
        ("zéro", 0),
        ("0", 0),
        ("pas de salarié", 0),
        ("nous n'avons pas de salarié", 0),
        ("personne", 0),
        ("aucun salarié", 0),
        ("dix", 10),
        ("douze", 12),
        ("dix-sept", 17),
        ("vingt et un", 21),
        ("vingt-et-un", 21),
        ("trente-deux", 32),
        ("soixante et onze", 71),
        ("soixante-dix-neuf", 79),
        ("quatre-vingts", 80),
        ("quatre vingt un", 81),
        ("quatre-vingt-dix-sept", 97),
        ("septante-deux", 72),
        ("cent", 100),
        ("cent un", 101),
        ("deux cents", 200),
        ("trois cent douze", 312),
        ("mille", 1000),
        ("deux mille vingt et un", 2021),
        ("trois cent mille", 300_000),
        ("neuf cent quatre-vingt-dix-neuf mille neuf cent quatre-vingt-dix-neuf", 999_999),
        ("un million deux cent mille", 1_200_000),
        ("une dizaine", 10),
        ("1 000", 1000),
        ("1\u202f000", 1000),
        ("1.000", 1000),
        ("2 000 €", 2000),
        ("2000€", 2000),
        ("12k", 12_000),
        ("1,5 million", 1_500_000),
        ("environ 40", 40),
        ("à peu près 40", 40),
        ("40 %", 40),
        ("-3", -3),
        ("3,0", 3),
        ("5 salariés et 5 bénévoles", 5),
        # None: unclear, imprecise, several numbers, not a whole number
        ("", None),
        ("beaucoup", None),
        ("quelques-uns", None),
        ("plusieurs", None),
        ("entre 3 et 5", None),
        ("3 ou 4", None),
        ("3-5", None),
        ("un ou deux", None),
        ("plus de 10", None),
        ("moins de 3", None),
        ("> 10", None),
        ("2,5", None),
        ("1,000", None),
        ("je ne sais pas", None),
        ("pas de salarié mais 3 bénévoles", None),
        ("salut", None),
    ],
)
def test_parse_integer(text: str, expected: int | None) -> None:
    assert parse_integer(text) == expected


@pytest.mark.parametrize(
    ("text", "minimum", "maximum", "expected"),
    [
        ("-3", 0, None, None),
        ("-3", None, None, -3),
        ("0", 0, None, 0),
        ("5", 0, 4, None),
        ("4", 0, 4, 4),
        ("aucun", 1, None, None),
        ("12k", None, 10_000, None),
    ],
)
def test_parse_integer_bounds(
    text: str, minimum: int | None, maximum: int | None, expected: int | None
) -> None:
    assert parse_integer(text, minimum=minimum, maximum=maximum) == expected


# --- percentages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40", 40),
        ("40 %", 40),
        ("40%", 40),
        ("40 pour cent", 40),
        ("quarante pour cent", 40),
        ("environ 40 %", 40),
        ("une baisse de 40 %", 40),
        ("-40 %", 40),
        ("49,9 %", 49),
        ("100 %", 100),
        ("moitié", 50),
        ("la moitié", 50),
        ("environ la moitié", 50),
        ("un tiers", 33),
        ("deux tiers", 67),
        ("un quart", 25),
        ("trois quarts", 75),
        ("les trois quarts", 75),
        ("la totalité", 100),
        ("aucune baisse", 0),
        ("pas de baisse", 0),
        ("0", 0),
        ("zéro", 0),
        # None
        ("", None),
        ("150 %", None),
        ("+10 %", None),
        ("plus de 50 %", None),
        ("plus de la moitié", None),
        ("deux moitiés", None),
        ("la moitié, 40 %", None),
        ("entre 30 et 40 %", None),
        ("je ne sais pas", None),
        ("beaucoup", None),
    ],
)
def test_parse_percent(text: str, expected: int | None) -> None:
    assert parse_percent(text) == expected


# --- amounts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 000 €", 2000),
        ("2000 euros", 2000),
        ("2 000,50 €", 2000),
        ("15k€", 15_000),
        ("15 k€", 15_000),
        ("15 keur", 15_000),
        ("1,2 M€", 1_200_000),
        ("1.2 million", 1_200_000),
        ("1,5 millions d'euros", 1_500_000),
        ("300 000", 300_000),
        ("300000", 300_000),
        ("1 234 567 €", 1_234_567),
        ("trois cent mille", 300_000),
        ("trois cent mille euros", 300_000),
        ("environ 50 000 €", 50_000),
        ("0", 0),
        ("rien", 0),
        ("aucun", 0),
        # None
        ("", None),
        ("-2000", None),
        ("40 %", None),
        ("50 000 à 60 000", None),
        ("plus de 100 000", None),
        ("beaucoup", None),
        ("je ne sais pas", None),
    ],
)
def test_parse_amount(text: str, expected: int | None) -> None:
    assert parse_amount(text) == expected


# --- years ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015", 2015),
        ("en 2015", 2015),
        ("créée en 2015", 2015),
        ("depuis 1998", 1998),
        ("mars 2015", 2015),
        ("1er mars 2015", 2015),
        ("12/03/2015", 2015),
        ("03/2015", 2015),
        ("2015-03-12", 2015),
        ("deux mille quinze", 2015),
        ("l'an 2000", 2000),
        ("il y a 3 ans", 2018),
        ("il y a trois ans", 2018),
        ("depuis 10 ans", 2011),
        ("il y a un an", 2020),
        ("l'an dernier", 2020),
        ("l’année dernière", 2020),
        ("l'an passé", 2020),
        ("cette année", 2021),
        ("2021", 2021),
        ("1800", 1800),
        # None
        ("", None),
        ("15", None),
        ("1799", None),
        ("2022", None),
        ("2015 ou 2016", None),
        ("2015-2016", None),
        ("avant 2000", None),
        ("il y a plus de 10 ans", None),
        ("il y a longtemps", None),
        ("l'année prochaine", None),
        ("je ne sais pas", None),
    ],
)
def test_parse_year(text: str, expected: int | None) -> None:
    assert parse_year(text, today_year=TODAY_YEAR) == expected


# --- choices -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "choices", "expected"),
    [
        ("2", LEGAL_FORMS, "cooperative"),
        ("2.", LEGAL_FORMS, "cooperative"),
        ("n°3", LEGAL_FORMS, "mutuelle"),
        ("association", LEGAL_FORMS, "association"),
        ("ASSOCIATION", LEGAL_FORMS, "association"),
        ("asso", LEGAL_FORMS, "association"),
        ("associations", LEGAL_FORMS, "association"),
        ("c'est une association loi 1901", LEGAL_FORMS, "association"),
        ("une assocation", LEGAL_FORMS, "association"),
        ("scop", LEGAL_FORMS, "cooperative"),
        ("une SCIC", LEGAL_FORMS, "cooperative"),
        ("coop", LEGAL_FORMS, "cooperative"),
        ("coopérative", LEGAL_FORMS, "cooperative"),
        ("societe_ess", LEGAL_FORMS, "societe_ess"),
        ("autre", LEGAL_FORMS, "autre"),
        ("social_sante", SECTORS, "social_sante"),
        ("santé", SECTORS, "social_sante"),
        ("Social, santé", SECTORS, "social_sante"),
        ("éducation", SECTORS, "education_jeunesse"),
        ("culturel", SECTORS, "culture"),
        ("sprot", SECTORS, "sport"),
        ("musique", CULTURE_FIELDS, "musique"),
        ("de la musique", CULTURE_FIELDS, "musique"),
        ("musiqe", CULTURE_FIELDS, "musique"),
        ("théâtre", CULTURE_FIELDS, "spectacle_vivant"),
        ("spectacle", CULTURE_FIELDS, "spectacle_vivant"),
        ("Spectacle vivant", CULTURE_FIELDS, "spectacle_vivant"),
        # None
        ("", LEGAL_FORMS, None),
        ("7", LEGAL_FORMS, None),
        ("0", LEGAL_FORMS, None),
        ("1, 3", LEGAL_FORMS, None),
        ("je ne sais pas", LEGAL_FORMS, None),
        ("xyz", LEGAL_FORMS, None),
        ("de la", LEGAL_FORMS, None),
        ("agrément", APPROVALS, None),
        ("musique et théâtre", CULTURE_FIELDS, None),
        ("musique ou théâtre", CULTURE_FIELDS, None),
    ],
)
def test_parse_choice(text: str, choices: tuple[Choice, ...], expected: str | None) -> None:
    assert parse_choice(text, choices) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1, 3", ("esus", "sport")),
        ("1 et 3", ("esus", "sport")),
        ("1 3", ("esus", "sport")),
        ("3 1 1", ("esus", "sport")),
        ("2", ("jep",)),
        ("jep", ("jep",)),
        ("agrément ESUS", ("esus",)),
        ("esus et jep", ("esus", "jep")),
        ("JEP, ESUS", ("esus", "jep")),
        ("ESUS, jeunesse et éducation populaire", ("esus", "jep")),
        ("Agrément jeunesse et éducation populaire", ("jep",)),
        ("agrément esus et agrément service civique", ("esus", "service_civique")),
        ("service civique, EA", ("entreprise_adaptee", "service_civique")),
        ("sport + esus", ("esus", "sport")),
        ("esus, esus", ("esus",)),
        ("esus et servise civique", ("esus", "service_civique")),
        ("aucun", ()),
        ("aucune", ()),
        ("rien", ()),
        ("non", ()),
        ("0", ()),
        ("pas d'agrément", ()),
        ("je n'en ai aucun", ()),
        # None
        ("", None),
        ("7", None),
        ("1, 9", None),
        ("1-3", None),
        ("pas d'ESUS", None),
        ("esus et truc", None),
        ("je ne sais pas", None),
    ],
)
def test_parse_multi(text: str, expected: tuple[str, ...] | None) -> None:
    assert parse_multi(text, APPROVALS) == expected


def test_parse_multi_culture_labels() -> None:
    assert parse_multi("musique et théâtre", CULTURE_FIELDS) == ("musique", "spectacle_vivant")
    assert parse_multi("Théâtre, musique", CULTURE_FIELDS) == ("musique", "spectacle_vivant")


def test_parse_multi_value_order_follows_choices() -> None:
    choices = (Choice("b", "Bœuf"), Choice("a", "Agneau"))
    assert parse_multi("agneau et bœuf", choices) == ("b", "a")


# --- properties ----------------------------------------------------------------------


def _french(number: int) -> str:
    """A reference spelling of 0 ≤ number < 10**6 in French (traditional, with hyphens)."""
    units = (
        "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze "
        "quinze seize dix-sept dix-huit dix-neuf"
    ).split()
    tens = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}

    def below_100(n: int) -> str:
        if n < 20:
            return units[n]
        ten, unit = divmod(n, 10)
        if ten in (7, 9):
            prefix = "soixante" if ten == 7 else "quatre-vingt"
            joiner = "-et-" if n == 71 else "-"
            return prefix + joiner + units[10 + unit]
        if ten == 8:
            return "quatre-vingts" if unit == 0 else "quatre-vingt-" + units[unit]
        if unit == 0:
            return tens[ten]
        return tens[ten] + ("-et-un" if unit == 1 else "-" + units[unit])

    def below_1000(n: int) -> str:
        hundreds, rest = divmod(n, 100)
        if hundreds == 0:
            return below_100(rest)
        head = "cent" if hundreds == 1 else units[hundreds] + " cent"
        if rest == 0:
            return head + ("s" if hundreds > 1 else "")
        return head + " " + below_100(rest)

    thousands, rest = divmod(number, 1000)
    if thousands == 0:
        return below_1000(rest)
    head = "mille" if thousands == 1 else below_1000(thousands) + " mille"
    return head if rest == 0 else head + " " + below_1000(rest)


@pytest.mark.parametrize(
    ("number", "words"),
    [(71, "soixante-et-onze"), (80, "quatre-vingts"), (200, "deux cents"), (1001, "mille un")],
)
def test_reference_spelling(number: int, words: str) -> None:
    assert _french(number) == words


CHOICES = st.lists(
    st.builds(
        Choice,
        value=st.text(max_size=12),
        label=st.text(max_size=30),
        aliases=st.lists(st.text(max_size=12), max_size=3).map(tuple),
    ),
    max_size=6,
)


@given(st.text())
def test_text_parsers_never_raise(text: str) -> None:
    assert isinstance(normalize(text), str)
    assert isinstance(is_unknown(text), bool)
    assert parse_yes_no(text) in (True, False, None)
    for result in (parse_integer(text), parse_amount(text), parse_percent(text)):
        assert result is None or isinstance(result, int)
    year = parse_year(text, today_year=TODAY_YEAR)
    assert year is None or 1800 <= year <= TODAY_YEAR
    percent = parse_percent(text)
    assert percent is None or 0 <= percent <= 100
    amount = parse_amount(text)
    assert amount is None or amount >= 0


@given(st.text(), st.sampled_from([LEGAL_FORMS, SECTORS, CULTURE_FIELDS, APPROVALS]))
def test_choice_parsers_never_raise(text: str, choices: tuple[Choice, ...]) -> None:
    values = [choice.value for choice in choices]
    assert parse_choice(text, choices) in (None, *values)
    multi = parse_multi(text, choices)
    assert multi is None or (
        isinstance(multi, tuple)
        and list(multi) == [value for value in values if value in multi]
        and len(set(multi)) == len(multi)
    )


@given(st.text(max_size=40), CHOICES)
def test_choice_parsers_never_raise_on_any_choices(text: str, choices: list[Choice]) -> None:
    values = [choice.value for choice in choices]
    assert parse_choice(text, choices) in (None, *values)
    multi = parse_multi(text, choices)
    assert multi is None or all(value in values for value in multi)


@given(st.integers(min_value=0, max_value=10**6))
def test_parse_integer_reads_its_digits(number: int) -> None:
    assert parse_integer(str(number)) == number
    assert parse_amount(str(number)) == number


@given(st.integers(min_value=1000, max_value=10**6))
def test_parse_integer_reads_thousands_separators(number: int) -> None:
    assert parse_integer(f"{number:,}".replace(",", " ")) == number
    assert parse_integer(f"{number:,}".replace(",", "\u202f")) == number


@given(st.integers(min_value=0, max_value=999_999), st.booleans())
def test_parse_integer_reads_french_words(number: int, hyphens: bool) -> None:
    words = _french(number)
    assert parse_integer(words if hyphens else words.replace("-", " ")) == number


@given(st.integers(min_value=0, max_value=100))
def test_parse_percent_reads_its_digits(number: int) -> None:
    assert parse_percent(f"{number} %") == number
    assert parse_percent(f"{number}%") == number


@given(st.integers(min_value=1800, max_value=TODAY_YEAR))
def test_parse_year_reads_its_digits(year: int) -> None:
    assert parse_year(str(year), today_year=TODAY_YEAR) == year
    assert parse_year(f"en {year}", today_year=TODAY_YEAR) == year


@given(st.sampled_from(APPROVALS + SECTORS + LEGAL_FORMS + CULTURE_FIELDS))
def test_every_label_and_value_designates_its_choice(choice: Choice) -> None:
    choices = next(
        group for group in (APPROVALS, SECTORS, LEGAL_FORMS, CULTURE_FIELDS) if choice in group
    )
    assert parse_choice(choice.label, choices) == choice.value
    assert parse_choice(choice.value, choices) == choice.value
    assert parse_choice(str(choices.index(choice) + 1), choices) == choice.value
    assert parse_multi(choice.label, choices) == (choice.value,)


@pytest.mark.parametrize("text", ["pas de calais", "pas de salarié", "aucun salarié à Lille"])
def test_multi_none_words_with_unrelated_text_are_not_read_as_none(text: str) -> None:
    """An answer meant for another question must be re-asked, not silently read as "aucun"."""
    choices = [Choice("esus", "Agrément ESUS", ("esus",)), Choice("jep", "Agrément JEP", ("jep",))]
    assert parse_multi(text, choices) is None
