"""Choices: one or several options of a question, designated by number, word, alias or typo."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.parsing.text import fold, is_unknown, split_words

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
        key = split_words(text)
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
    index = _match_one(split_words(text), choices)
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
    for part in _LIST_SEPARATORS_RE.split(fold(text)):
        words = split_words(part)
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
    words = split_words(text)
    if not words:
        return None
    if _NUMBER_LIST_RE.fullmatch(" ".join(words)) and "-" not in fold(text):
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
