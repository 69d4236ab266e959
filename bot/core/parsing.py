"""Lenient parsers for the French free text people type (pure functions, no I/O).

Each parser returns a typed value, or ``None`` when the text cannot be understood
clearly: the caller then asks again. None of them raises, whatever the string.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "Choice",
    "is_unknown",
    "normalize",
    "parse_amount",
    "parse_choice",
    "parse_integer",
    "parse_multi",
    "parse_percent",
    "parse_year",
    "parse_yes_no",
]


# --------------------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------------------

_CHARACTER_MAP = str.maketrans(
    {
        "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'",
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "﹣": "-",
        "œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d",
    }
)  # fmt: skip
_SPACES_RE = re.compile(r"\s+")
_NOT_ALNUM_RE = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """Lowercase, without accents, typographic quotes and dashes made plain, spaces collapsed.

    Punctuation is kept (numbers need it: "1,5", "40 %", "-3").
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(character for character in decomposed if not unicodedata.combining(character))
    return _SPACES_RE.sub(" ", plain.lower().translate(_CHARACTER_MAP)).strip()


def normalize(text: str) -> str:
    """Lowercase ASCII words separated by single spaces: accents removed, punctuation dropped.

    "  L'Aisne, bien sûr ! " → "l aisne bien sur".
    """
    return _NOT_ALNUM_RE.sub(" ", _fold(text)).strip()


def _words(text: str) -> tuple[str, ...]:
    return tuple(normalize(text).split())


# --------------------------------------------------------------------------------------
# "Je ne sais pas"
# --------------------------------------------------------------------------------------

_UNKNOWN_RE = re.compile(
    r"(?:(?:euh|bah|ben|hmm|alors|franchement|honnetement|desole|desolee) )*"
    r"(?:"
    # je ne sais pas, on ne sait pas, sais pas, j'en sais rien, je ne sais plus...
    r"(?:(?:moi )?(?:je|j|on|nous) )?(?:(?:ne|n) )?(?:(?:le|l|en) )?"
    r"(?:sais|sait|savons|saurais|saurait|saurions) (?:pas|plus|rien|point)"
    r"|(?:je|j|on|nous) (?:ne|n) (?:(?:le|l|en) )?(?:sais|sait|savons|saurais)"
    r"|jsp|jsais pas|j sais pas|chais pas|chai pas|nsp|idk|dunno|i don t know"
    r"|inconnue?s?|(?:c est |c )?inconnu pour (?:le moment|l instant)"
    r"|(?:je n ai |j ai )?(?:aucune|pas d|sans|pas la moindre) idee"
    r"|(?:je |on |nous )?(?:l )?ignor(?:e|ons)"
    r"|(?:je ne|je) (?:connais|me souviens|me rappelle) (?:pas|plus)"
    r"|(?:je ne suis |je suis |on n est |on est )?pas (?:sur|sure|certain|certaine)"
    r"|(?:je n ai |j ai )?pas (?:le|les|de|d) (?:chiffres?|infos?|informations?)"
    r"|(?:je dois |il faut |je vais )?(?:a )?verifier"
    r")"
    r"(?: (?:trop|vraiment|du tout|exactement|encore|bien|precisement|desole|desolee"
    r"|malheureusement|helas|non))*"
)


def is_unknown(text: str) -> bool:
    """Whether the text says "I don't know".

    Accepted forms: "je ne sais pas", "je sais pas", "ne sais pas", "sais pas", "jsp", "nsp",
    "on ne sait pas", "je ne sais plus", "j'en sais rien", "aucune idée", "pas d'idée",
    "inconnu", "je l'ignore", "pas sûr", "je n'ai pas le chiffre", "à vérifier", "?".
    """
    stripped = text.strip()
    if stripped and "?" in stripped and not stripped.strip("?¿. "):
        return True
    return _UNKNOWN_RE.fullmatch(normalize(text)) is not None


# --------------------------------------------------------------------------------------
# Yes / no
# --------------------------------------------------------------------------------------

_YES = frozenset(
    {
        "oui", "o", "yes", "y", "yep", "yeah", "ouais", "ouai", "ouaip", "ouep", "oui oui",
        "si", "bien sur", "bien sur que oui", "tout a fait", "absolument", "exactement", "exact",
        "effectivement", "certainement", "evidemment", "bien entendu", "d accord", "ok", "okay",
        "affirmatif", "vrai", "c est ca", "c est exact", "c est le cas", "carrement", "correct",
        "je pense que oui", "je crois que oui", "il me semble que oui",
    }
)  # fmt: skip
_NO = frozenset(
    {
        "non", "n", "no", "nope", "nan", "nah", "non non", "pas du tout", "absolument pas",
        "aucunement", "jamais", "faux", "negatif", "pas vraiment", "pas encore",
        "ce n est pas le cas", "c est pas le cas", "pas le cas", "du tout",
        "je pense que non", "je crois que non", "il me semble que non",
        "je ne crois pas", "je crois pas", "je ne pense pas", "je pense pas",
    }
)  # fmt: skip
# Words that, after "oui…", contradict or qualify the yes.
_YES_BREAKERS = frozenset({"non", "pas", "ne", "n", "jamais", "aucun", "aucune", "rien", "mais"})
# Words that, after "non…", contradict or qualify the no.
_NO_BREAKERS = frozenset({"oui", "si", "ouais", "yes", "mais"})


def _leading_phrase(text: str, phrases: frozenset[str]) -> str | None:
    """The longest phrase (of 2 letters or more) the text starts with, followed by a space."""
    starts = [p for p in phrases if len(p) > 1 and text.startswith(p + " ")]
    return max(starts, key=len) if starts else None


def parse_yes_no(text: str) -> bool | None:
    """``True`` for yes, ``False`` for no, ``None`` when unclear.

    Yes: "oui", "o", "yes", "ouais", "bien sûr", "tout à fait", "absolument", "si",
    "je pense que oui", "oui, nous vendons des repas".
    No: "non", "n", "nan", "pas du tout", "pas encore", "jamais", "je ne crois pas",
    "non, aucune vente".
    Not accepted: numbers ("1", "2": numbered buttons are the caller's business) and
    mixed answers ("oui et non", "oui mais pas toujours").
    """
    words = normalize(text)
    if words in _YES:
        return True
    if words in _NO:
        return False
    yes = _leading_phrase(words, _YES)
    no = _leading_phrase(words, _NO)
    if yes is not None and (no is None or len(yes) > len(no)):
        rest = set(words[len(yes) :].split())
        return True if not rest & _YES_BREAKERS else None
    if no is not None:
        rest = set(words[len(no) :].split())
        return False if not rest & _NO_BREAKERS else None
    return None


# --------------------------------------------------------------------------------------
# Numbers: digits ("2 000", "1,5 M€", "12k", "40 %") and French words ("vingt et un")
# --------------------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4,
    "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
}  # fmt: skip
_TEENS = {
    "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
}  # fmt: skip
_TENS = {
    "vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    # Belgian and Swiss French
    "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
}  # fmt: skip
_HUNDRED = frozenset({"cent", "cents"})
_SCALES = (
    (10**9, frozenset({"milliard", "milliards"})),
    (10**6, frozenset({"million", "millions"})),
    (10**3, frozenset({"mille"})),
)
# "une dizaine", "deux centaines": approximate quantities.
_APPROXIMATE_NOUNS = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000,
}  # fmt: skip
# Written after digits: "12k", "15 k€", "1,2 M€", "1,5 million", "15 mille".
_MULTIPLIERS = {
    "k": 10**3, "ke": 10**3, "keur": 10**3, "mille": 10**3, "millier": 10**3, "milliers": 10**3,
    "m": 10**6, "meur": 10**6, "million": 10**6, "millions": 10**6,
    "md": 10**9, "mds": 10**9, "mrd": 10**9, "milliard": 10**9, "milliards": 10**9,
}  # fmt: skip
_MAX_DIGITS = 15

_NUMBER_RE = re.compile(
    r"(?<![0-9])"
    r"(?P<sign>(?<![a-z0-9])[-+](?=[0-9]))?"
    r"(?P<int>[0-9]{1,3}(?:[ .][0-9]{3})+(?![0-9])|[0-9]+)"
    r"(?:(?P<sep>[.,])(?P<frac>[0-9]+))?"
    r"(?:\s?(?P<mult>" + "|".join(sorted(_MULTIPLIERS, key=len, reverse=True)) + r")(?![a-z0-9]))?"
    r"(?P<pct>\s?%)?"
)
_PERCENT_WORDS_RE = re.compile(r"\bpour ?cents?\b|\bpourcents?\b|\bpct\b")
_WORD_RE = re.compile(r"[a-z]+")
_PERCENT_AFTER_RE = re.compile(r"\s?%")

# Words that make a quantity imprecise: "plus de 10", "moins de 3", "quelques".
_IMPRECISE_RE = re.compile(
    r"\b(?:plus|moins|superieure?s?|inferieure?s?|jusqu|max|maxi|maximum|minimum|mini|min"
    r"|depasse|depassant|quelques?|plusieurs|beaucoup|un peu|tres peu|nombreux|nombreuses|certains"
    r"|certaines|divers)\b"
)
_COMPARISON_SIGNS_RE = re.compile(r"[<>≤≥]")
# Words meaning "none" ("aucun", "pas de salarié"); "personne" only when no number is given
# ("une personne" is 1).
_ZERO_WORDS = frozenset(
    {"aucun", "aucune", "aucuns", "aucunes", "rien", "nul", "nulle", "nuls", "nulles", "sans",
     "pas", "neant"}
)  # fmt: skip


@dataclass(frozen=True)
class _Number:
    """A number found in a text, with its place (``start``, ``end``) in the folded text."""

    value: Decimal
    start: int
    end: int
    weak: bool = False  # "un"/"une" alone: often an article ("une baisse de 40 %")
    in_digits: bool = False
    percent: bool = False
    plus_sign: bool = False


@dataclass(frozen=True)
class _Quantity:
    value: Decimal
    percent: bool
    plus_sign: bool


class _Unclear(Exception):
    """A number is written in an ambiguous way ("1,000": one or one thousand?)."""


def _digits_number(match: re.Match[str]) -> _Number:
    integer = re.sub(r"[ .]", "", match["int"])
    fraction = match["frac"] or ""
    if len(integer) > _MAX_DIGITS or len(fraction) > _MAX_DIGITS:
        raise _Unclear
    if match["sep"] == "," and len(fraction) == 3 and integer == match["int"] and not match["mult"]:
        raise _Unclear  # "1,000": French decimal comma or English thousands separator?
    value = Decimal(f"{integer}.{fraction}" if fraction else integer)
    if match["mult"]:
        value *= _MULTIPLIERS[match["mult"]]
    if match["sign"] == "-":
        value = -value
    return _Number(
        value=value,
        start=match.start(),
        end=match.end(),
        percent=match["pct"] is not None,
        plus_sign=match["sign"] == "+",
        in_digits=True,
    )


def _below_20(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """0–19 at ``words[i]``: "sept", "dix", "dix-sept", "seize"; returns (value, next index)."""
    if i >= len(words):
        return None
    word = words[i]
    if word in _UNITS:
        return _UNITS[word], i + 1
    if word == "dix" and i + 1 < len(words) and words[i + 1] in ("sept", "huit", "neuf"):
        return 10 + _UNITS[words[i + 1]], i + 2
    if word in _TEENS:
        return _TEENS[word], i + 1
    return None


def _after_tens(words: Sequence[str], i: int, allow_teens: bool) -> tuple[int, int]:
    """What follows a tens word: "et un", "et onze", "deux", "dix-sept"; (0, i) if nothing."""
    if i + 1 < len(words) and words[i] == "et":
        if words[i + 1] in ("un", "une"):
            return 1, i + 2
        if words[i + 1] == "onze" and allow_teens:
            return 11, i + 2
    unit = _below_20(words, i)
    if unit is None or unit[0] == 0 or (unit[0] >= 10 and not allow_teens):
        return 0, i
    return unit


def _below_100(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """0–99: "vingt et un", "soixante-douze", "quatre-vingt-dix-sept", "septante"."""
    if i >= len(words):
        return None
    if words[i] == "quatre" and i + 1 < len(words) and words[i + 1] in ("vingt", "vingts"):
        extra, j = _after_tens(words, i + 2, allow_teens=True)
        return 80 + extra, j
    if words[i] in _TENS:
        tens = _TENS[words[i]]
        extra, j = _after_tens(words, i + 1, allow_teens=tens == 60)
        return tens + extra, j
    return _below_20(words, i)


def _below_1000(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """0–999: "cent", "deux cents", "trois cent douze", "quatre-vingt-dix-neuf"."""
    if i < len(words) and words[i] in _HUNDRED:
        hundreds, j = 1, i + 1
    else:
        small = _below_100(words, i)
        if small is None:
            return None
        value, j = small
        if not (2 <= value <= 9 and j < len(words) and words[j] in _HUNDRED):
            return small
        hundreds, j = value, j + 1
    rest = _below_100(words, j)
    if rest is None or rest[0] == 0:
        return hundreds * 100, j
    return hundreds * 100 + rest[0], rest[1]


def _word_number(words: Sequence[str], i: int) -> tuple[int, int] | None:
    """A whole number in words at ``words[i]``: "deux mille vingt et un", "un million"."""
    total, j, found = 0, i, False
    for scale, scale_words in _SCALES:
        part = _below_1000(words, j)
        if part is not None and part[1] < len(words) and words[part[1]] in scale_words:
            total, j, found = total + part[0] * scale, part[1] + 1, True
        elif scale == 1000 and j < len(words) and words[j] in scale_words:
            total, j, found = total + 1000, j + 1, True
    part = _below_1000(words, j)
    if part is not None:
        total, j, found = total + part[0], part[1], True
    noun = words[j].rstrip("s") if j < len(words) else ""
    if noun in _APPROXIMATE_NOUNS:
        return (total if found else 1) * _APPROXIMATE_NOUNS[noun], j + 1
    return (total, j) if found else None


def _word_numbers(text: str, masked: str) -> list[_Number]:
    """The numbers written in words in ``masked`` (the text with digit numbers blanked)."""
    matches = list(_WORD_RE.finditer(masked))
    words = [match[0] for match in matches]
    numbers: list[_Number] = []
    i = 0
    while i < len(words):
        found = _word_number(words, i)
        if found is None:
            i += 1
            continue
        value, j = found
        end = matches[j - 1].end()
        numbers.append(
            _Number(
                value=Decimal(value),
                start=matches[i].start(),
                end=end,
                weak=j == i + 1 and words[i] in ("un", "une"),
                percent=_PERCENT_AFTER_RE.match(text, end) is not None,
            )
        )
        i = j
    return numbers


def _find_numbers(folded: str) -> list[_Number]:
    """Every number of a folded text, in digits or in words. Raises ``_Unclear``."""
    text = _PERCENT_WORDS_RE.sub("%", folded)
    numbers: list[_Number] = []
    masked = list(text)
    for match in _NUMBER_RE.finditer(text):
        numbers.append(_digits_number(match))
        masked[match.start() : match.end()] = " " * (match.end() - match.start())
    numbers.extend(_word_numbers(text, "".join(masked)))
    return sorted(numbers, key=lambda number: number.start)


def _strong_numbers(numbers: list[_Number]) -> list[_Number]:
    """Drop "un"/"une" used as articles ("une baisse de 40 %") when the other numbers are in
    digits; in words, "un ou deux" stays two numbers."""
    strong = [number for number in numbers if not number.weak]
    if strong and all(number.in_digits for number in strong):
        return strong
    return numbers


def _is_imprecise(text: str) -> bool:
    return bool(_IMPRECISE_RE.search(normalize(text)) or _COMPARISON_SIGNS_RE.search(_fold(text)))


def _read_quantity(text: str) -> _Quantity | None:
    """The one quantity a text gives, or ``None`` (unknown, imprecise, several numbers)."""
    if is_unknown(text) or _is_imprecise(text):
        return None
    try:
        numbers = _strong_numbers(_find_numbers(_fold(text)))
    except _Unclear:
        return None
    words = set(_words(text))
    says_zero = bool(words & _ZERO_WORDS) or (not numbers and "personne" in words)
    if not numbers:
        return _Quantity(Decimal(0), percent=False, plus_sign=False) if says_zero else None
    values = {number.value for number in numbers}
    if len(values) != 1:
        return None
    value = values.pop()
    if says_zero and value != 0:
        return None
    return _Quantity(
        value,
        percent=any(number.percent for number in numbers),
        plus_sign=any(number.plus_sign for number in numbers),
    )


def parse_integer(
    text: str, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """A whole number, or ``None``.

    Accepted forms: "3", "3 salariés", "environ 40", "40 %", "-3", "1 000", "1.000",
    "2 000 €", "2000€", "12k", "1,5 million"; in words: "trois", "dix", "douze",
    "vingt et un", "quatre-vingt-dix-sept", "cent", "deux mille vingt", "une dizaine";
    zero: "0", "zéro", "aucun", "aucune", "personne", "pas de salarié", "rien".
    ``None`` for: several different numbers ("entre 3 et 5", "3-5", "3 ou 4"), imprecise
    quantities ("plus de 10", "moins de 3", "quelques"), non-whole numbers ("2,5"),
    values outside [``minimum``, ``maximum``], "je ne sais pas".
    """
    quantity = _read_quantity(text)
    if quantity is None or quantity.value != quantity.value.to_integral_value():
        return None
    value = int(quantity.value)
    if minimum is not None and value < minimum:
        return None
    if maximum is not None and value > maximum:
        return None
    return value


_FRACTION_RE = re.compile(
    r"\b(?:(?:la|le|les|un|une|d un|d une) )?(?:(?P<count>un|une|deux|trois|quatre) )?"
    r"(?P<part>moities?|tiers|quarts?)\b"
)
_FRACTION_PERCENT = {
    "moitie": Decimal(50),
    "moities": Decimal(50),
    "tiers": Decimal(100) / 3,
    "quart": Decimal(25),
    "quarts": Decimal(25),
}
_WHOLE_RE = re.compile(r"\b(?:la |l )?(?:totalite|integralite)\b|\btout perdu\b")


def _fraction_percent(text: str) -> int | None:
    """ "la moitié" → 50, "un tiers" → 33, "deux tiers" → 67, "trois quarts" → 75;
    ``None`` when there is no fraction, it is over 100 % or it comes with other numbers."""
    words = normalize(text)
    match = _FRACTION_RE.search(words)
    if match is None:
        return None
    count = _UNITS[match["count"]] if match["count"] else 1
    part = match["part"]
    if part.startswith("moitie") and count != 1:
        return None
    rest = words[: match.start()] + " " + words[match.end() :]
    try:
        if any(not number.weak for number in _find_numbers(rest)):
            return None
    except _Unclear:
        return None
    percent = int((count * _FRACTION_PERCENT[part]).to_integral_value())
    return percent if percent <= 100 else None


def parse_percent(text: str) -> int | None:
    """A percentage from 0 to 100, or ``None``.

    Accepted forms: "40", "40 %", "40%", "40 pour cent", "quarante pour cent", "environ 40 %",
    "-40 %" (a fall written with its sign: 40), "moitié", "la moitié" (50), "un tiers" (33),
    "deux tiers" (67), "un quart" (25), "trois quarts" (75), "la totalité" (100);
    zero: "0", "aucune baisse", "pas de baisse", "aucune", "rien".
    Decimals are rounded down ("49,9 %" → 49). ``None`` for values outside 0–100, "+10 %",
    imprecise answers ("plus de 50 %", "plus de la moitié") and several different numbers.
    """
    if is_unknown(text) or _is_imprecise(text):
        return None
    if _FRACTION_RE.search(normalize(text)):
        return _fraction_percent(text)
    if _WHOLE_RE.search(normalize(text)):
        return 100
    quantity = _read_quantity(text)
    if quantity is None or quantity.plus_sign:
        return None
    value = int(abs(quantity.value))
    return value if 0 <= value <= 100 else None


def parse_amount(text: str) -> int | None:
    """An amount in euros (≥ 0, rounded down to the euro), or ``None``.

    Accepted forms: "2 000 €", "2000 euros", "2 000,50 €", "15k€", "15 k€", "15 keur",
    "1,2 M€", "1.2 million", "300 000", "trois cent mille", "environ 50 000 €";
    zero: "0", "aucun", "rien".
    ``None`` for negative amounts, percentages, ranges ("50 000 à 60 000") and imprecise
    answers ("plus de 100 000").
    """
    quantity = _read_quantity(text)
    if quantity is None or quantity.percent or quantity.value < 0:
        return None
    return int(quantity.value)


# --------------------------------------------------------------------------------------
# Years
# --------------------------------------------------------------------------------------

_MONTHS = "janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
# Parts of a date before its year, removed so that only the year is left.
_DATE_PREFIX_RE = re.compile(
    r"\b[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?=[0-9]{4}\b)"  # 12/03/2015
    r"|\b[0-9]{1,2}[/-](?=[0-9]{4}\b)"  # 03/2015
    r"|\b[0-9]{1,2}(?:er)? (?=(?:" + _MONTHS + r")\b)"  # 1er mars 2015
)
_ISO_DATE_RE = re.compile(r"\b([0-9]{4})-[0-9]{1,2}-[0-9]{1,2}\b")
_YEARS_AFTER_RE = re.compile(r"\s?(?:ans?|annees?)\b")
_THIS_YEAR_RE = re.compile(r"\b(?:cette annee|cet an|annee en cours)\b")
_LAST_YEAR_RE = re.compile(r"\b(?:an|annee) (?:dernier|derniere|passe|passee)\b")
_YEAR_IMPRECISE_RE = re.compile(r"\b(?:avant|apres)\b")
_FIRST_YEAR = 1800
_MAX_YEARS_AGO = 1000  # "2015 année de création" is a year, "il y a 15 ans" a duration


def parse_year(text: str, *, today_year: int) -> int | None:
    """A year from 1800 to ``today_year``, or ``None``.

    Accepted forms: "2015", "en 2015", "créée en 2015", "mars 2015", "12/03/2015",
    "2015-03-12", "deux mille quinze", "il y a 3 ans", "depuis trois ans" (``today_year`` - 3),
    "l'an dernier", "l'année dernière", "l'an passé" (``today_year`` - 1), "cette année".
    ``None`` for two-digit years ("15"), future years, several different years
    ("2015 ou 2016", "2015-2016") and imprecise answers ("avant 2000", "plus de 10 ans").
    """
    if is_unknown(text) or _is_imprecise(text):
        return None
    words = normalize(text)
    if _YEAR_IMPRECISE_RE.search(words):
        return None
    candidates: set[int] = set()
    if _THIS_YEAR_RE.search(words):
        candidates.add(today_year)
    if _LAST_YEAR_RE.search(words):
        candidates.add(today_year - 1)
    folded = _PERCENT_WORDS_RE.sub("%", _fold(text))
    folded = _DATE_PREFIX_RE.sub(" ", _ISO_DATE_RE.sub(r"\1", folded))
    try:
        numbers = _strong_numbers(_find_numbers(folded))
    except _Unclear:
        return None
    for number in numbers:
        if number.percent or number.value != number.value.to_integral_value():
            return None
        value = int(number.value)
        if value < _MAX_YEARS_AGO and _YEARS_AFTER_RE.match(folded, number.end):
            candidates.add(today_year - value)
        else:
            candidates.add(value)
    if len(candidates) != 1:
        return None
    year = candidates.pop()
    return year if _FIRST_YEAR <= year <= today_year else None


# --------------------------------------------------------------------------------------
# Choices
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One option of a question: the stored ``value``, the ``label`` shown, other words."""

    value: str
    label: str
    aliases: tuple[str, ...] = ()


# Words that carry no meaning when matching a choice ("c'est une association").
_STOPWORDS = frozenset(
    {
        "a", "ai", "au", "aux", "avec", "avons", "c", "ce", "ces", "d", "dans", "de", "des", "du",
        "elle", "en", "est", "et", "il", "j", "je", "l", "la", "le", "les", "ma", "mes", "mon",
        "n", "ne", "nos", "notre", "nous", "on", "ou", "par", "pour", "qu", "que", "qui", "s",
        "sa", "se", "ses", "sommes", "son", "sont", "suis", "sur", "un", "une", "vos", "votre",
        "y", "aussi", "egalement", "seulement", "juste", "uniquement", "surtout", "plutot",
        "principalement", "ainsi", "plus", "puis", "oui", "tout", "toutes", "tous",
    }
)  # fmt: skip
_NONE_WORDS = frozenset(
    {"aucun", "aucune", "aucuns", "aucunes", "rien", "non", "nan", "pas", "sans", "ni",
     "zero", "0", "nope", "neant"}
)  # fmt: skip
# Words that may stand around "aucun" / "pas de" in a plain "none" answer.
_NONE_CONTEXT = frozenset(
    {"agrement", "agrements", "besoin", "besoins", "particulier", "particuliere", "ca", "cela",
     "ai", "avons", "a", "ont", "en", "embauche", "embauches", "affiliation", "moment", "pour",
     "l", "instant", "encore", "prevu", "prevue", "type", "genre", "ces", "ceux", "celles"}
)  # fmt: skip
_INDEX_PREFIXES = frozenset({"n", "no", "num", "numero", "choix", "option", "reponse", "le", "la"})
_LIST_SEPARATORS_RE = re.compile(r"[,;/+&|\n]|\b(?:et|ou|ainsi que|puis|plus)\b")
_NUMBER_LIST_RE = re.compile(r"[0-9]{1,3}(?: (?:et )?[0-9]{1,3})*")
_FUZZY_CUTOFF = 0.8
_FUZZY_MIN_LENGTH = 5
_PREFIX_MIN_LENGTH = 4
_PLURAL_MAX_EXTRA = 2

_Key = tuple[str, ...]


def _choice_keys(choice: Choice) -> list[_Key]:
    """The word sequences naming a choice: value, label, label without its parentheses,
    aliases."""
    texts = [choice.value, choice.label, re.sub(r"\(.*?\)", " ", choice.label), *choice.aliases]
    keys: list[_Key] = []
    for text in texts:
        key = _words(text)
        if key and key not in keys:
            keys.append(key)
    return keys


def _all_keys(choices: Sequence[Choice]) -> list[tuple[int, _Key]]:
    return [(index, key) for index, choice in enumerate(choices) for key in _choice_keys(choice)]


def _significant(words: _Key) -> bool:
    return any(word not in _STOPWORDS for word in words)


def _core(words: _Key) -> _Key:
    """The words without the stopwords."""
    return tuple(word for word in words if word not in _STOPWORDS)


def _starts(haystack: _Key, needle: _Key) -> list[int]:
    size = len(needle)
    return [i for i in range(len(haystack) - size + 1) if haystack[i : i + size] == needle]


def _occurrences(words: _Key, keys: list[tuple[int, _Key]]) -> list[tuple[int, int, int]]:
    """(start, end, choice index) of the keys found in the words, without those inside a
    longer one."""
    spans = [
        (start, start + len(key), index)
        for index, key in keys
        if _significant(key)
        for start in _starts(words, key)
    ]
    return [
        (start, end, index)
        for start, end, index in spans
        if not any(
            other_start <= start and end <= other_end and other_end - other_start > end - start
            for other_start, other_end, _ in spans
        )
    ]


def _by_index(words: _Key, count: int) -> set[int] | None:
    """{i} for "2", "2.", "n°2", "choix 2"; an empty set for a number out of range; ``None``
    when the text is not a number."""
    if not words or not words[-1].isdigit() or len(words) > 3:
        return None
    if any(word not in _INDEX_PREFIXES for word in words[:-1]) or len(words[-1]) > 3:
        return None
    position = int(words[-1])
    return {position - 1} if 1 <= position <= count else set()


def _by_exact(words: _Key, keys: list[tuple[int, _Key]]) -> set[int]:
    return {index for index, key in keys if key == words}


def _by_containment(words: _Key, keys: list[tuple[int, _Key]]) -> set[int]:
    """Choices named in the text ("une association loi 1901") or whose name contains the
    text ("spectacle" for "Spectacle vivant")."""
    found = {index for _, _, index in _occurrences(words, keys)}
    core = _core(words)
    if core:
        found |= {index for index, key in keys if _starts(_core(key), core)}
    return found


def _by_prefix(words: _Key, keys: list[tuple[int, _Key]]) -> set[int]:
    """Choices with a word starting with a typed word ("asso", "coop") or typed in the
    plural ("associations")."""
    found: set[int] = set()
    for word in words:
        if word in _STOPWORDS or len(word) < _PREFIX_MIN_LENGTH or word.isdigit():
            continue
        for index, key in keys:
            for key_word in key:
                shortened = key_word.startswith(word) and key_word != word
                plural = (
                    word.startswith(key_word)
                    and len(key_word) >= _PREFIX_MIN_LENGTH
                    and 0 < len(word) - len(key_word) <= _PLURAL_MAX_EXTRA
                )
                if shortened or plural:
                    found.add(index)
    return found


def _closest(word: str, candidates: list[str]) -> list[str]:
    """The candidates nearest to the word (difflib ratio), if at least the cutoff."""
    scored: list[tuple[float, str]] = []
    for candidate in candidates:
        matcher = difflib.SequenceMatcher(None, word, candidate)
        if matcher.real_quick_ratio() < _FUZZY_CUTOFF or matcher.quick_ratio() < _FUZZY_CUTOFF:
            continue
        ratio = matcher.ratio()
        if ratio >= _FUZZY_CUTOFF:
            scored.append((ratio, candidate))
    if not scored:
        return []
    top = max(ratio for ratio, _ in scored)
    return [candidate for ratio, candidate in scored if ratio == top]


def _by_typo(words: _Key, keys: list[tuple[int, _Key]]) -> set[int]:
    """Choices within a small typo of the text ("assocation"), or of one of its words."""
    text = " ".join(words)
    if len(text) >= _FUZZY_MIN_LENGTH:
        by_text: dict[str, set[int]] = {}
        for index, key in keys:
            by_text.setdefault(" ".join(key), set()).add(index)
        close_indexes: set[int] = set()
        for name in _closest(text, list(by_text)):
            close_indexes |= by_text[name]
        if close_indexes:
            return close_indexes
    by_word: dict[str, set[int]] = {}
    for index, key in keys:
        for key_word in key:
            if len(key_word) >= _FUZZY_MIN_LENGTH and key_word not in _STOPWORDS:
                by_word.setdefault(key_word, set()).add(index)
    found: set[int] = set()
    for word in words:
        if len(word) >= _FUZZY_MIN_LENGTH and word not in _STOPWORDS:
            for close_word in _closest(word, list(by_word)):
                found |= by_word[close_word]
    return found


def _match_one(words: _Key, choices: Sequence[Choice]) -> int | None:
    """The index of the one choice the words designate, or ``None``."""
    if not words:
        return None
    by_index = _by_index(words, len(choices))
    if by_index is not None:
        return by_index.pop() if by_index else None
    keys = _all_keys(choices)
    for stage in (_by_exact, _by_containment, _by_prefix, _by_typo):
        found = stage(words, keys)
        if found:
            return found.pop() if len(found) == 1 else None
    return None


def parse_choice(text: str, choices: Sequence[Choice]) -> str | None:
    """The value of the one choice the text designates, or ``None``.

    Accepted forms, accents and case ignored: the number shown in the list ("2", "2.",
    "n°2"); the value ("social_sante"); the label or an alias ("Association", "SCOP");
    a sentence naming it ("c'est une association loi 1901"); a word of its label that
    designates it alone ("musique", "spectacle"); the beginning of a word ("coop") or a
    plural ("associations"); a small typo ("assocation").
    ``None`` when several choices fit ("agrément" for several agréments, "musique et
    théâtre"), when nothing fits, and for "je ne sais pas".
    """
    if is_unknown(text):
        return None
    index = _match_one(_words(text), choices)
    if index is None:
        return None
    parts = _indexes_from_parts(text, choices)
    if parts is not None and parts != {index}:
        return None  # "musique et théâtre": two choices where one is expected
    return choices[index].value


def _values_in_order(indexes: set[int], choices: Sequence[Choice]) -> tuple[str, ...]:
    values: list[str] = []
    for index in sorted(indexes):
        if choices[index].value not in values:
            values.append(choices[index].value)
    return tuple(values)


def _is_filler(words: _Key) -> bool:
    return all(word in _STOPWORDS for word in words)


def _indexes_from_parts(text: str, choices: Sequence[Choice]) -> set[int] | None:
    """Split the text on commas, "et", "/"… and match each part with one choice."""
    indexes: set[int] = set()
    for part in _LIST_SEPARATORS_RE.split(_fold(text)):
        words = _words(part)
        if _is_filler(words):
            continue
        index = _match_one(words, choices)
        if index is None:
            return None
        indexes.add(index)
    return indexes or None


def parse_multi(text: str, choices: Sequence[Choice]) -> tuple[str, ...] | None:
    """The values of the choices the text designates (in the order of ``choices``, without
    duplicates), an empty tuple for "none of them", or ``None`` when unclear.

    Accepted forms: numbers of the list ("1, 3", "1 et 3", "1 3"); labels, values, aliases or
    anything ``parse_choice`` accepts, separated by commas, "et", "/", "+" ("ESUS et JEP",
    "musique, théâtre"); a single choice; none: "aucun", "aucune", "rien", "non",
    "pas d'agrément", "je n'en ai aucun".
    ``None`` for a number out of the list, a part that designates no choice or several, a
    negation that names a choice ("pas d'ESUS"), and "je ne sais pas".
    """
    if is_unknown(text):
        return None
    words = _words(text)
    if not words:
        return None
    if _NUMBER_LIST_RE.fullmatch(" ".join(words)) and "-" not in _fold(text):
        positions = {int(word) for word in words if word.isdigit()}
        if all(1 <= position <= len(choices) for position in positions):
            return _values_in_order({position - 1 for position in positions}, choices)
        return _values_in_order(set(), choices) if positions == {0} else None
    keys = _all_keys(choices)
    exact = _by_exact(words, keys)
    if exact:
        return _values_in_order(exact, choices) if len(exact) == 1 else None
    occurrences = _occurrences(words, keys)
    covered = {position for start, end, _ in occurrences for position in range(start, end)}
    leftover = tuple(word for position, word in enumerate(words) if position not in covered)
    if set(leftover) & _NONE_WORDS:
        # "pas d'agrément" means none; "pas de calais" (a slip of question) means nothing.
        others = set(leftover) - _NONE_WORDS - _STOPWORDS - _NONE_CONTEXT
        return () if not occurrences and not others else None
    if occurrences and _is_filler(leftover):
        return _values_in_order({index for _, _, index in occurrences}, choices)
    indexes = _indexes_from_parts(text, choices)
    return None if indexes is None else _values_in_order(indexes, choices)
