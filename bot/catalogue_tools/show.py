"""One aid as a structure reads it, then its complete entry for coordinators. Pure."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from datetime import date

from bot.catalogue_tools.assignments import Assignment, witness
from bot.catalogue_tools.check import aid_dates
from bot.catalogue_tools.diff import describe
from bot.core.catalogue import Aid, Catalogue
from bot.core.catalogue_spec import WindowSpec
from bot.core.criteria import Criterion, Node
from bot.core.render import PLAIN, render_aid_detail
from bot.core.results import build_report


def similar_ids(catalogue: Catalogue, aid_id: str) -> list[str]:
    return difflib.get_close_matches(aid_id, [a.id for a in catalogue.aids], n=3, cutoff=0.5)


def show_aid(
    catalogue: Catalogue, aid: Aid, *, as_of: date, ask_if: Mapping[str, Criterion]
) -> str:
    """The user's view (for answers that make the aid eligible), then the full entry."""
    day = reading_date(aid, as_of)
    found = eligible_answers(catalogue, aid, day, ask_if)
    blocks: list[str] = []
    if found is None:
        blocks.append(
            f"Aucune situation trouvée qui rende « {aid.id} » éligible au {day} : "
            "voici sa fiche complète."
        )
    else:
        blocks.append(_user_view(catalogue, aid, found, day, as_of))
    blocks.append(coordinator_sheet(catalogue, aid))
    return "\n\n".join(blocks)


def reading_date(aid: Aid, as_of: date) -> date:
    """``as_of`` when the aid is open then; else its last open day before, or its first after."""
    if aid.is_open(as_of):
        return as_of
    days = aid_dates(aid, as_of)
    before = [day for day in days if day <= as_of]
    return max(before) if before else min(days)


def eligible_answers(
    catalogue: Catalogue, aid: Aid, day: date, ask_if: Mapping[str, Criterion]
) -> Assignment | None:
    """Answers making the aid eligible, and relevant to the structure's needs when possible."""
    wanted: list[list[Node]] = [[aid.rule.root]]
    if aid.relevance is not None:
        wanted.insert(0, [aid.rule.root, aid.relevance.root])
    for nodes in wanted:
        found = witness(nodes, catalogue.questions, ask_if, [day])
        if found is not None:
            answers = found[1]
            if aid.spec.needs and "needs" not in answers:
                answers["needs"] = (aid.spec.needs[0],)
            return answers
    return None


def _user_view(catalogue: Catalogue, aid: Aid, answers: Assignment, day: date, as_of: date) -> str:
    report = build_report(catalogue, answers, day)
    result = report.find(aid.id)
    assert result is not None
    lines = [f"Ce que lit une structure éligible au {day} :"]
    if day != as_of:
        lines.append(f"(L'aide est fermée au {as_of} : voici comment elle se lisait le {day}.)")
    lines.append(f"Réponses choisies : {describe(answers, catalogue.questions)}")
    lines.append("")
    lines.append(render_aid_detail(result, PLAIN))
    return "\n".join(lines)


def coordinator_sheet(catalogue: Catalogue, aid: Aid) -> str:
    """Every field of the entry in French, with where it is in the file."""
    spec = aid.spec
    lines = [
        f"— Fiche complète de « {spec.id} » ({catalogue.file}:{aid.line}) —",
        f"{spec.name} — {spec.provider}",
        spec.summary,
        f"Territoire : {spec.scope}",
        "Conditions (toutes nécessaires) :",
        *(f"  - {node.text}" for node in aid.rule.conjuncts),
    ]
    if aid.relevance is not None:
        lines.append(f"Utile surtout si : {aid.relevance.root.text}")
    if spec.needs:
        lines.append(f"Besoins concernés : {', '.join(spec.needs)}")
    lines.append(f"Calendrier : {calendar_text(aid)}")
    if aid.amounts:
        lines.append("Montants :")
        lines.extend(f"  - {a.text}{_period(a.start, a.end)}{_when(a.when)}" for a in aid.amounts)
    lines.extend(f"À vérifier : {line}" for line in spec.to_verify)
    lines.append("Démarches :")
    for i, step in enumerate(aid.checklist, start=1):
        link = f" {step.link}" if step.link else ""
        lines.append(f"  {i}. {step.text}{link}{_when(step.when)}")
        if step.documents:
            lines.append(f"     Documents : {', '.join(step.documents)}")
    if spec.contacts:
        lines.append(f"Contacts : {', '.join(spec.contacts)}")
    lines.append("Sources :")
    lines.extend(f"  - {s.title} : {s.url}" for s in spec.sources)
    lines.append(f"Dernière vérification : {spec.last_verified}")
    if spec.notes:
        lines.append(f"Notes : {spec.notes}")
    lines.append(f"Exemples enregistrés : {len(aid.examples)}")
    return "\n".join(lines)


def calendar_text(aid: Aid) -> str:
    calendar = aid.spec.calendar
    if calendar.permanent:
        return "permanent"
    if calendar.yearly is not None:
        calls = "".join(f" ; {_window(w)}" for w in calendar.yearly.known_calls)
        return f"appel annuel, habituellement {calendar.yearly.period}{calls}"
    return " puis ".join(_window(w) for w in calendar.windows)


def _window(window: WindowSpec) -> str:
    end = f"au {window.end}" if window.end else "sans date de fin"
    note = f" ({window.note})" if window.note else ""
    return f"du {window.start} {end}{note}"


def _period(start: date | None, end: date | None) -> str:
    if start is None and end is None:
        return ""
    return f" [{start or '…'} → {end or '…'}]"


def _when(criterion: Criterion | None) -> str:
    return f" (si {criterion.root.text})" if criterion is not None else ""
