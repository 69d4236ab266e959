"""Lenient parsers for the French free text people type (pure functions, no I/O).

One module per kind of answer: ``text`` (normalization, "je ne sais pas"), ``yesno``,
``numbers`` (integers, percentages, amounts, years) and ``choices``. Each parser returns a
typed value, or ``None`` when the text cannot be understood clearly: the caller then asks
again. None of them raises, whatever the string.
"""

from bot.core.parsing.choices import Choice, parse_choice, parse_multi
from bot.core.parsing.numbers import parse_amount, parse_integer, parse_percent, parse_year
from bot.core.parsing.text import is_unknown, normalize
from bot.core.parsing.yesno import parse_yes_no

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
