"""Yes / no answers in French: "oui", "non merci", "pas du tout"…"""

from __future__ import annotations

from bot.core.parsing.text import normalize

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
