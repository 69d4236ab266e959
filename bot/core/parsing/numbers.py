"""Numbers in French: digits ("2 000", "1,5 M€", "12k", "40 %"), words ("vingt et un"), years."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bot.core.parsing.text import fold, is_unknown, normalize, split_words

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
    return bool(_IMPRECISE_RE.search(normalize(text)) or _COMPARISON_SIGNS_RE.search(fold(text)))


def _read_quantity(text: str) -> _Quantity | None:
    """The one quantity a text gives, or ``None`` (unknown, imprecise, several numbers)."""
    if is_unknown(text) or _is_imprecise(text):
        return None
    try:
        numbers = _strong_numbers(_find_numbers(fold(text)))
    except _Unclear:
        return None
    words = set(split_words(text))
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
    folded = _PERCENT_WORDS_RE.sub("%", fold(text))
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
