"""The French départements (INSEE codes, official names, regions) and a lenient lookup.

Pure data and functions, no I/O. ``find_department`` understands what people type:
codes, names (with or without accents, hyphens, articles), postal codes and a single
small typo in a name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.core.parsing import normalize

__all__ = ["DEPARTMENTS", "HAUTS_DE_FRANCE", "Department", "find_department"]


@dataclass(frozen=True)
class Department:
    """One département: its INSEE code (``"59"``, ``"2A"``, ``"974"``), name and region."""

    code: str
    name: str
    region: str


_ARA = "Auvergne-Rhône-Alpes"
_BFC = "Bourgogne-Franche-Comté"
_BRE = "Bretagne"
_CVL = "Centre-Val de Loire"
_COR = "Corse"
_GES = "Grand Est"
_HDF = "Hauts-de-France"
_IDF = "Île-de-France"
_NOR = "Normandie"
_NAQ = "Nouvelle-Aquitaine"
_OCC = "Occitanie"
_PDL = "Pays de la Loire"
_PAC = "Provence-Alpes-Côte d'Azur"

_TABLE: tuple[tuple[str, str, str], ...] = (
    ("01", "Ain", _ARA),
    ("02", "Aisne", _HDF),
    ("03", "Allier", _ARA),
    ("04", "Alpes-de-Haute-Provence", _PAC),
    ("05", "Hautes-Alpes", _PAC),
    ("06", "Alpes-Maritimes", _PAC),
    ("07", "Ardèche", _ARA),
    ("08", "Ardennes", _GES),
    ("09", "Ariège", _OCC),
    ("10", "Aube", _GES),
    ("11", "Aude", _OCC),
    ("12", "Aveyron", _OCC),
    ("13", "Bouches-du-Rhône", _PAC),
    ("14", "Calvados", _NOR),
    ("15", "Cantal", _ARA),
    ("16", "Charente", _NAQ),
    ("17", "Charente-Maritime", _NAQ),
    ("18", "Cher", _CVL),
    ("19", "Corrèze", _NAQ),
    ("2A", "Corse-du-Sud", _COR),
    ("2B", "Haute-Corse", _COR),
    ("21", "Côte-d'Or", _BFC),
    ("22", "Côtes-d'Armor", _BRE),
    ("23", "Creuse", _NAQ),
    ("24", "Dordogne", _NAQ),
    ("25", "Doubs", _BFC),
    ("26", "Drôme", _ARA),
    ("27", "Eure", _NOR),
    ("28", "Eure-et-Loir", _CVL),
    ("29", "Finistère", _BRE),
    ("30", "Gard", _OCC),
    ("31", "Haute-Garonne", _OCC),
    ("32", "Gers", _OCC),
    ("33", "Gironde", _NAQ),
    ("34", "Hérault", _OCC),
    ("35", "Ille-et-Vilaine", _BRE),
    ("36", "Indre", _CVL),
    ("37", "Indre-et-Loire", _CVL),
    ("38", "Isère", _ARA),
    ("39", "Jura", _BFC),
    ("40", "Landes", _NAQ),
    ("41", "Loir-et-Cher", _CVL),
    ("42", "Loire", _ARA),
    ("43", "Haute-Loire", _ARA),
    ("44", "Loire-Atlantique", _PDL),
    ("45", "Loiret", _CVL),
    ("46", "Lot", _OCC),
    ("47", "Lot-et-Garonne", _NAQ),
    ("48", "Lozère", _OCC),
    ("49", "Maine-et-Loire", _PDL),
    ("50", "Manche", _NOR),
    ("51", "Marne", _GES),
    ("52", "Haute-Marne", _GES),
    ("53", "Mayenne", _PDL),
    ("54", "Meurthe-et-Moselle", _GES),
    ("55", "Meuse", _GES),
    ("56", "Morbihan", _BRE),
    ("57", "Moselle", _GES),
    ("58", "Nièvre", _BFC),
    ("59", "Nord", _HDF),
    ("60", "Oise", _HDF),
    ("61", "Orne", _NOR),
    ("62", "Pas-de-Calais", _HDF),
    ("63", "Puy-de-Dôme", _ARA),
    ("64", "Pyrénées-Atlantiques", _NAQ),
    ("65", "Hautes-Pyrénées", _OCC),
    ("66", "Pyrénées-Orientales", _OCC),
    ("67", "Bas-Rhin", _GES),
    ("68", "Haut-Rhin", _GES),
    ("69", "Rhône", _ARA),
    ("70", "Haute-Saône", _BFC),
    ("71", "Saône-et-Loire", _BFC),
    ("72", "Sarthe", _PDL),
    ("73", "Savoie", _ARA),
    ("74", "Haute-Savoie", _ARA),
    ("75", "Paris", _IDF),
    ("76", "Seine-Maritime", _NOR),
    ("77", "Seine-et-Marne", _IDF),
    ("78", "Yvelines", _IDF),
    ("79", "Deux-Sèvres", _NAQ),
    ("80", "Somme", _HDF),
    ("81", "Tarn", _OCC),
    ("82", "Tarn-et-Garonne", _OCC),
    ("83", "Var", _PAC),
    ("84", "Vaucluse", _PAC),
    ("85", "Vendée", _PDL),
    ("86", "Vienne", _NAQ),
    ("87", "Haute-Vienne", _NAQ),
    ("88", "Vosges", _GES),
    ("89", "Yonne", _BFC),
    ("90", "Territoire de Belfort", _BFC),
    ("91", "Essonne", _IDF),
    ("92", "Hauts-de-Seine", _IDF),
    ("93", "Seine-Saint-Denis", _IDF),
    ("94", "Val-de-Marne", _IDF),
    ("95", "Val-d'Oise", _IDF),
    ("971", "Guadeloupe", "Guadeloupe"),
    ("972", "Martinique", "Martinique"),
    ("973", "Guyane", "Guyane"),
    ("974", "La Réunion", "La Réunion"),
    ("976", "Mayotte", "Mayotte"),
)

DEPARTMENTS: Mapping[str, Department] = MappingProxyType(
    {code: Department(code, name, region) for code, name, region in _TABLE}
)
"""Every département, keyed by INSEE code, in the official order."""

HAUTS_DE_FRANCE: frozenset[str] = frozenset(
    code for code, department in DEPARTMENTS.items() if department.region == _HDF
)
"""The codes of the Hauts-de-France region: 02, 59, 60, 62, 80."""

# Other names people use, besides the official ones (already normalized).
_ALIASES: Mapping[str, tuple[str, ...]] = {
    "2A": ("corse sud",),
    "90": ("belfort",),
    "973": ("guyane francaise",),
    "974": ("ile de la reunion",),
}

# Words that may surround a name without changing it ("dans le Nord", "l'Aisne").
_FILLER_WORDS = frozenset(
    {
        "a", "au", "aux", "d", "dans", "de", "dep", "departement", "dept", "des", "du", "en",
        "est", "je", "l", "la", "le", "les", "nous", "on", "sommes", "suis", "c",
    }
)  # fmt: skip
_LEADING_ARTICLES = frozenset({"l", "la", "le", "les"})
_WORD_SYNONYMS = {"st": "saint", "ste": "sainte"}

# Postal codes of Saint-Barthélemy and Saint-Martin: not départements, despite "971".
_NOT_A_DEPARTMENT_POSTAL_CODES = frozenset({"97133", "97150"})

_FUZZY_CUTOFF = 0.8
_FUZZY_MIN_LETTERS = 5


def _words(text: str) -> tuple[str, ...]:
    """Normalized words, with "st"/"ste" spelt out."""
    return tuple(_WORD_SYNONYMS.get(word, word) for word in normalize(text).split())


def _name_key(name: str) -> tuple[str, ...]:
    words = _words(name)
    if len(words) > 1 and words[0] in _LEADING_ARTICLES:
        words = words[1:]
    return words


def _build_keys() -> dict[tuple[str, ...], str]:
    keys: dict[tuple[str, ...], str] = {}
    for code, department in DEPARTMENTS.items():
        keys[_name_key(department.name)] = code
        for alias in _ALIASES.get(code, ()):
            keys[_name_key(alias)] = code
    return keys


_NAME_KEYS: Mapping[tuple[str, ...], str] = MappingProxyType(_build_keys())
_FUZZY_TARGETS: Mapping[str, str] = MappingProxyType(
    {" ".join(key): code for key, code in _NAME_KEYS.items()}
)


def _code_from_postal_code(postal_code: str) -> str | None:
    """The département of a 5-digit postal code ("59000" → "59", "20200" → "2B")."""
    if postal_code in _NOT_A_DEPARTMENT_POSTAL_CODES:
        return None
    if postal_code.startswith("20"):
        if postal_code[:3] in ("200", "201"):
            return "2A"
        if postal_code[:3] in ("202", "206"):
            return "2B"
        return None
    prefix = postal_code[:3] if postal_code.startswith("97") else postal_code[:2]
    return prefix if prefix in DEPARTMENTS else None


def _code_from_token(token: str) -> str | None:
    """The département a code-like token designates: "59", "9", "2a", "974", "59000"."""
    if token in ("2a", "2b"):
        return token.upper()
    if not re.fullmatch(r"[0-9]{1,5}", token):
        return None
    if len(token) == 5:
        return _code_from_postal_code(token)
    if len(token) == 4:
        return None
    if token in DEPARTMENTS:
        return token
    number = int(token)
    code = f"{number:02d}"
    return code if 1 <= number <= 95 and code in DEPARTMENTS else None


def _find_subsequence(words: tuple[str, ...], key: tuple[str, ...]) -> list[int]:
    size = len(key)
    return [start for start in range(len(words) - size + 1) if words[start : start + size] == key]


def _codes_from_names(words: tuple[str, ...]) -> set[str]:
    """Codes of the names found in the words, ignoring names inside a longer one
    ("Loire" inside "Haute-Loire")."""
    spans: list[tuple[int, int, str]] = []
    for key, code in _NAME_KEYS.items():
        spans.extend((start, start + len(key), code) for start in _find_subsequence(words, key))
    return {
        code
        for start, end, code in spans
        if not any(
            other_start <= start and end <= other_end and other_end - other_start > end - start
            for other_start, other_end, _ in spans
        )
    }


def _closest_name(words: tuple[str, ...]) -> str | None:
    """The code of the one name within a single small typo of the words, if any."""
    meaningful = list(words)
    while meaningful and meaningful[0] in _FILLER_WORDS:
        meaningful.pop(0)
    typed = " ".join(meaningful)
    if sum(character.isalpha() for character in typed) < _FUZZY_MIN_LETTERS:
        return None
    close = [
        name
        for name in difflib.get_close_matches(typed, _FUZZY_TARGETS, n=3, cutoff=_FUZZY_CUTOFF)
        if abs(len(name) - len(typed)) <= 1
    ]
    if not close:
        return None
    if len(close) > 1:
        best, second = (difflib.SequenceMatcher(None, typed, name).ratio() for name in close[:2])
        if best == second:
            return None
    return _FUZZY_TARGETS[close[0]]


def find_department(text: str) -> Department | None:
    """Find the département a person means, or ``None`` when it is not clear.

    Accepted forms:

    - a code: "59", "9" (for "09"), "2A", "2 a", "974";
    - a 5-digit postal code: "59000" → 59, "20000" → 2A, "20200" → 2B, "97400" → 974;
    - a name, whatever the accents, hyphens, case and articles: "Nord", "pas de calais",
      "l'Aisne", "Seine St Denis", "corse du sud", "la réunion", "dans la Somme";
    - a name with a single small typo, for names of 5 letters or more: "Pas de Calai".

    A text naming two different départements ("Nord-Pas-de-Calais") gives ``None``.
    """
    words = _words(text)
    if not words:
        return None
    code = _code_from_token("".join(words))
    if code is not None:
        return DEPARTMENTS[code]
    codes = _codes_from_names(words)
    number_tokens = [word for word in words if word[0].isdigit() or word in ("2a", "2b")]
    for token in number_tokens:
        token_code = _code_from_token(token)
        if token_code is not None:
            codes.add(token_code)
    if not codes and not number_tokens:
        fuzzy_code = _closest_name(words)
        if fuzzy_code is not None:
            codes.add(fuzzy_code)
    if len(codes) != 1:
        return None
    return DEPARTMENTS[codes.pop()]
