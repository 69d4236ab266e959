"""Results: verdicts grouped for people, with checklists and local contacts. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.catalogue import Catalogue, Step
from bot.core.catalogue_spec import ContactSpec
from bot.core.rules import Status, Verdict, evaluate
from bot.core.vocabulary import Answers, Question


@dataclass(frozen=True)
class AidResult:
    verdict: Verdict
    steps: tuple[Step, ...]
    contacts: tuple[ContactSpec, ...]
    missing: tuple[Question, ...]

    @property
    def id(self) -> str:
        return self.verdict.aid.id

    @property
    def status(self) -> Status:
        return self.verdict.status

    def to_json(self) -> dict[str, Any]:
        spec = self.verdict.aid.spec
        v = self.verdict
        return {
            "id": spec.id,
            "name": spec.name,
            "status": v.status.value,
            "reasons": list(v.reasons),
            "missing": list(v.missing),
            "near_miss": v.near_miss,
            "relevant": v.relevant,
            "provider": spec.provider,
            "scope": spec.scope,
            "summary": spec.summary,
            "amounts": list(v.amounts),
            "deadline": v.deadline.isoformat() if v.deadline else None,
            "calendar": v.calendar_note,
            "to_verify": list(spec.to_verify),
            "checklist": [
                {"text": s.text, "link": s.link, "documents": list(s.documents)} for s in self.steps
            ],
            "contacts": [_contact_json(c) for c in self.contacts],
            "sources": [{"title": s.title, "url": s.url} for s in spec.sources],
            "last_verified": spec.last_verified.isoformat(),
        }


@dataclass(frozen=True)
class Report:
    as_of: date
    department: str | None
    results: tuple[AidResult, ...]  # catalogue order, for machines
    local_contacts: tuple[ContactSpec, ...]

    def group(self, status: Status) -> list[AidResult]:
        chosen = [r for r in self.results if r.status is status]
        if status is Status.NOT_ELIGIBLE:
            chosen = [r for r in chosen if r.verdict.near_miss is None]
        return sorted(chosen, key=_priority)

    @property
    def eligible(self) -> list[AidResult]:
        return self.group(Status.ELIGIBLE)

    @property
    def near_misses(self) -> list[AidResult]:
        misses = [r for r in self.results if r.verdict.near_miss is not None]
        return sorted(misses, key=_priority)

    @property
    def to_confirm(self) -> list[AidResult]:
        return self.group(Status.TO_CONFIRM)

    @property
    def not_eligible(self) -> list[AidResult]:
        return self.group(Status.NOT_ELIGIBLE)

    @property
    def closed(self) -> list[AidResult]:
        return self.group(Status.CLOSED)

    def find(self, aid_id: str) -> AidResult | None:
        return next((r for r in self.results if r.id == aid_id), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "department": self.department,
            "results": [r.to_json() for r in self.results],
            "local_contacts": [_contact_json(c) for c in self.local_contacts],
        }


def build_report(catalogue: Catalogue, answers: Answers, as_of: date) -> Report:
    department = answers.get("department")
    department = department if isinstance(department, str) else None
    results = tuple(
        _result(catalogue, verdict, answers, as_of, department)
        for verdict in evaluate(catalogue, answers, as_of)
    )
    return Report(as_of, department, results, tuple(catalogue.contacts_for(department)))


def _result(
    catalogue: Catalogue, verdict: Verdict, answers: Answers, as_of: date, department: str | None
) -> AidResult:
    aid = verdict.aid
    steps = tuple(
        s for s in aid.checklist if s.when is None or s.when.evaluate(answers, as_of) is not False
    )
    contacts = (
        tuple(catalogue.contacts_for(department, aid.spec.contacts)) if aid.spec.contacts else ()
    )
    missing = tuple(catalogue.questions[m] for m in verdict.missing if m in catalogue.questions)
    return AidResult(verdict, steps, contacts, missing)


def _priority(result: AidResult) -> int:
    # Aids matching the stated needs first, then those not yet known, then the others.
    return {True: 0, None: 1, False: 2}[result.verdict.relevant]


def _contact_json(contact: ContactSpec) -> dict[str, Any]:
    return contact.model_dump(exclude_none=True, exclude={"departments", "national"}) | {
        "departments": list(contact.departments),
        "national": contact.national,
    }
