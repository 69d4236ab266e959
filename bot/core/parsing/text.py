"""Normalization of what people type, and the many ways to say "je ne sais pas"."""

from __future__ import annotations

import re
import unicodedata

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


def fold(text: str) -> str:
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
    return _NOT_ALNUM_RE.sub(" ", fold(text)).strip()


def split_words(text: str) -> tuple[str, ...]:
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
