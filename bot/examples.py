"""The catalogue's stored examples ("situation -> expected status"), run as tests."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalogue import Aid, Catalogue, Example
from bot.rules import Verdict, evaluate_aid


@dataclass(frozen=True)
class ExampleOutcome:
    aid: Aid
    example: Example
    verdict: Verdict

    @property
    def passed(self) -> bool:
        return self.verdict.status.value == self.example.status

    def describe(self, file: str) -> str:
        reasons = " | ".join(self.verdict.reasons) or "aucune raison donnée"
        return (
            f"{file}:{self.example.line}: {self.aid.id}, {self.example.name} : "
            f"attendu {self.example.status}, obtenu {self.verdict.status.value} "
            f"({reasons})"
        )


def run_examples(catalogue: Catalogue) -> list[ExampleOutcome]:
    return [
        ExampleOutcome(aid, example, evaluate_aid(aid, example.answers, example.as_of))
        for aid in catalogue.aids
        for example in aid.examples
    ]
