"""The catalogue's stored examples ("situation -> expected status"), run as tests."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.catalogue import Aid, Catalogue, Example
from bot.core.rules import Verdict, evaluate_aid


@dataclass(frozen=True)
class ExampleOutcome:
    aid: Aid
    example: Example
    verdict: Verdict

    @property
    def passed(self) -> bool:
        return self.verdict.status.value == self.example.status

    def describe(self, file: str) -> str:
        """``FILE:LINE: aid, « name » (au DATE) : attendu X, obtenu Y``, then the reasons."""
        expected, actual = self.example.status, self.verdict.status.value
        lines = [
            f"{file}:{self.example.line}: {self.aid.id}, « {self.example.name} » "
            f"(au {self.example.as_of}) : attendu {expected} ({_LABELS.get(expected, expected)}), "
            f"obtenu {actual} ({_LABELS[actual]})"
        ]
        lines.extend(f"    raison : {reason}" for reason in self.verdict.reasons)
        if not self.verdict.reasons:
            lines.append("    raison : aucune raison donnée")
        if self.verdict.missing:
            lines.append(f"    réponses manquantes : {', '.join(self.verdict.missing)}")
        return "\n".join(lines)


_LABELS = {
    "eligible": "éligible",
    "to_confirm": "à confirmer",
    "not_eligible": "non éligible",
    "closed": "fermée",
}


def run_examples(catalogue: Catalogue) -> list[ExampleOutcome]:
    return [
        ExampleOutcome(aid, example, evaluate_aid(aid, example.answers, example.as_of))
        for aid in catalogue.aids
        for example in aid.examples
    ]
