"""Typical structures, as answers, shared by the Telegram tests and benchmark."""

from __future__ import annotations

from bot.core.vocabulary import AnswerValue

# An employer association of the performing arts in Nord, in March 2021 (Covid aids open).
EMPLOYER_2021: dict[str, AnswerValue] = {
    "legal_form": "association",
    "department": "59",
    "employees": 3,
    "approvals": ("jep",),
    "sector": "culture",
    "culture_field": "spectacle_vivant",
    "has_siret": True,
    "creation_year": 2012,
    "needs": ("tresorerie", "emploi"),
    "hiring": ("jeune_moins_26",),
    "economic_activity": True,
    "commercial_taxes": False,
    "revenue_loss_pct": 60,
    "annual_budget": 120000,
}
