"""French rendering of questions and results, for plain text, Telegram HTML and Markdown."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.core.catalogue_spec import ContactSpec
from bot.core.dialogue import Ask
from bot.core.results import AidResult, Report
from bot.core.texts import french_date
from bot.core.vocabulary import Answers, Question, QuestionType, format_answers


@dataclass(frozen=True)
class Style:
    bold: Callable[[str], str]
    italic: Callable[[str], str]
    link: Callable[[str, str], str]
    escape: Callable[[str], str]


PLAIN = Style(lambda s: s, lambda s: s, lambda t, u: u if t == u else f"{t} ({u})", lambda s: s)
HTML = Style(
    lambda s: f"<b>{s}</b>",
    lambda s: f"<i>{s}</i>",
    lambda t, u: f'<a href="{html.escape(u, quote=True)}">{t}</a>',
    lambda s: html.escape(s, quote=False),
)
MARKDOWN = Style(
    lambda s: f"**{s}**",
    lambda s: f"*{s}*",
    lambda t, u: f"[{t}]({u})",
    lambda s: s.replace("*", "\\*").replace("_", "\\_"),
)

UNKNOWN_LABEL = "Je ne sais pas"


def render_question(ask: Ask, style: Style = PLAIN, *, numbered: bool = True) -> str:
    """The question text; with ``numbered`` the choices are listed as ``1. …``."""
    q, e = ask.question, style.escape
    lines: list[str] = []
    if ask.problem:
        lines.append(e(ask.problem))
    lines.append(style.bold(f"Question {ask.number}. {e(q.text)}"))
    if q.help:
        lines.append(style.italic(e(q.help)))
    if numbered:
        lines.extend(f"  {i}. {e(label)}" for i, label in enumerate(choice_labels(q), start=1))
        if q.type is QuestionType.MULTI:
            lines.append(
                e(
                    "Plusieurs réponses possibles : tapez les numéros séparés par des "
                    "virgules, ou « aucun »."
                )
            )
    return "\n".join(lines)


def choice_labels(question: Question) -> list[str]:
    match question.type:
        case QuestionType.CHOICE | QuestionType.MULTI:
            return [c.label for c in question.choices]
        case QuestionType.YESNO:
            return ["Oui", "Non"]
    return []


# -- results ---------------------------------------------------------------------------------


def render_report(
    report: Report, style: Style = PLAIN, *, detailed: bool = True, final: bool = True
) -> list[str]:
    """Blocks of text (a heading or one aid each), so channels can split between aids."""
    e, b = style.escape, style.bold
    blocks: list[str] = []
    title = "Vos résultats" if final else "Vos premiers résultats"
    blocks.append(b(f"{title} au {french_date(report.as_of)}") + "\n" + e(_counts(report)))
    sections: list[tuple[str, list[AidResult], Callable[[AidResult, Style, bool], str]]] = [
        ("✅ Aides auxquelles vous avez droit", report.eligible, render_eligible),
        ("🟡 Presque : il vous manque une condition", report.near_misses, render_near_miss),
        ("❔ À confirmer", report.to_confirm, render_to_confirm),
        ("⛔ Aides non accessibles", report.not_eligible, render_not_eligible),
        ("🔒 Aides fermées", report.closed, render_closed),
    ]
    for heading, results, render in sections:
        if not results:
            continue
        blocks.append(b(f"{heading} ({len(results)})"))
        blocks.extend(render(r, style, detailed) for r in results)
    if report.local_contacts:
        blocks.append(
            render_contacts(
                report.local_contacts, style, "🤝 Qui peut vous aider près de chez vous"
            )
        )
    return blocks


def _counts(report: Report) -> str:
    parts = [
        (len(report.eligible), "aide possible", "aides possibles"),
        (len(report.near_misses), "presque", "presque"),
        (len(report.to_confirm), "à confirmer", "à confirmer"),
        (len(report.closed), "fermée", "fermées"),
    ]
    return (
        " · ".join(f"{n} {one if n <= 1 else many}" for n, one, many in parts if n)
        or "Aucune aide ne correspond pour l'instant."
    )


def _name(result: AidResult, style: Style) -> str:
    spec = result.verdict.aid.spec
    return style.bold(style.escape(spec.name)) + style.escape(f" — {spec.provider}")


def render_eligible(result: AidResult, style: Style, detailed: bool) -> str:
    e = style.escape
    v, spec = result.verdict, result.verdict.aid.spec
    lines = [f"• {_name(result, style)}", e(spec.summary)]
    if v.amounts:
        lines.append(e("Montant : " + " ; ".join(v.amounts)))
    lines.append(e("Pourquoi : " + " ; ".join(v.reasons)))
    if v.calendar_note:
        lines.append(e(v.calendar_note))
    lines.extend(e(f"À vérifier : {line}") for line in spec.to_verify)
    if detailed:
        lines.append(render_checklist(result, style))
    elif result.steps:
        lines.append(e(f"Première étape : {result.steps[0].text}"))
    lines.append(e(f"Vérifié le {french_date(spec.last_verified)}."))
    return "\n".join(lines)


def render_near_miss(result: AidResult, style: Style, detailed: bool) -> str:
    e = style.escape
    v = result.verdict
    lines = [f"• {_name(result, style)}", e(v.near_miss or "")]
    lines.extend(e(r) for r in v.reasons)
    if v.calendar_note:
        lines.append(e(v.calendar_note))
    return "\n".join(lines)


def render_to_confirm(result: AidResult, style: Style, detailed: bool) -> str:
    e = style.escape
    lines = [f"• {_name(result, style)}"]
    for question in result.missing:
        where = f" {question.where_to_find}" if question.where_to_find else ""
        lines.append(e(f"Il manque : {question.label.lower()}.{where}"))
    if result.verdict.amounts:
        lines.append(e("Montant : " + " ; ".join(result.verdict.amounts)))
    return "\n".join(lines)


def render_not_eligible(result: AidResult, style: Style, detailed: bool) -> str:
    e = style.escape
    return "\n".join([f"• {_name(result, style)}", *(e(r) for r in result.verdict.reasons)])


def render_closed(result: AidResult, style: Style, detailed: bool) -> str:
    return f"• {_name(result, style)}\n" + style.escape(" ".join(result.verdict.reasons))


def render_checklist(result: AidResult, style: Style) -> str:
    e = style.escape
    lines = [style.bold("Que faire :")]
    for i, step in enumerate(result.steps, start=1):
        text = e(step.text)
        if step.link:
            text += " " + style.link(e(step.link), step.link)
        lines.append(f"{i}. {text}")
        if step.documents:
            lines.append(e("   Documents : " + ", ".join(step.documents)))
    if result.verdict.deadline:
        lines.append(e(f"Date limite : {french_date(result.verdict.deadline)}."))
    if result.contacts:
        lines.append(render_contacts(result.contacts, style, "Qui peut vous aider :"))
    return "\n".join(lines)


def render_aid_detail(result: AidResult, style: Style = PLAIN) -> str:
    """Everything about one aid for this structure: status, why, amounts, what to do."""
    e = style.escape
    v, spec = result.verdict, result.verdict.aid.spec
    lines = [_name(result, style), e(spec.summary), e(f"Territoire : {spec.scope}")]
    if v.amounts:
        lines.append(e("Montant : " + " ; ".join(v.amounts)))
    lines.extend(e(r) for r in v.reasons)
    if v.near_miss:
        lines.append(e(v.near_miss))
    if v.calendar_note:
        lines.append(e(v.calendar_note))
    lines.extend(e(f"À vérifier : {line}") for line in spec.to_verify)
    lines.append(render_checklist(result, style))
    sources = ", ".join(style.link(e(s.title), s.url) for s in spec.sources)
    lines.append(e("Sources : ") + sources)
    lines.append(e(f"Informations vérifiées le {french_date(spec.last_verified)}."))
    return "\n".join(lines)


def render_contacts(
    contacts: tuple[ContactSpec, ...] | list[ContactSpec], style: Style, heading: str
) -> str:
    e = style.escape
    lines = [style.bold(e(heading))]
    for c in contacts:
        line = f"- {e(c.name)}"
        details = [d for d in (c.address, c.phone, c.email) if d]
        if details:
            line += e(" — " + ", ".join(details))
        if c.url:
            line += " " + style.link(e(c.url), c.url)
        lines.append(line)
        if c.description:
            lines.append(f"  {e(c.description)}")
    return "\n".join(lines)


def render_answers(questions: Mapping[str, Question], answers: Answers, style: Style) -> str:
    e = style.escape
    lines = [style.bold("Vos réponses")]
    lines.extend(
        f"- {e(label)} : {e(value)}" for label, value in format_answers(questions, answers)
    )
    return "\n".join(lines)


def render_summary(
    report: Report, questions: Mapping[str, Question], answers: Answers, style: Style = MARKDOWN
) -> str:
    """A written summary to keep or hand over: answers, results, checklists, contacts."""
    blocks = [
        style.bold("AidESS — synthèse du diagnostic"),
        render_answers(questions, answers, style),
    ]
    blocks.extend(render_report(report, style, detailed=True))
    return "\n\n".join(blocks) + "\n"
