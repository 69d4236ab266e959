"""A written summary of a diagnostic (answers, results, checklists, notes, contacts).

Markdown for reading anywhere, PDF for printing and handing over. The PDF uses ReportLab,
whose built-in fonts cover French text and the euro sign (WinAnsi encoding).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape

from bot.core.render import MARKDOWN, PLAIN, Style, render_answers, render_report
from bot.core.results import Report
from bot.core.texts import french_date
from bot.core.vocabulary import Answers, Question


@dataclass(frozen=True)
class Note:
    text: str
    written_at: datetime


@dataclass(frozen=True)
class Summary:
    title: str
    report: Report
    questions: Mapping[str, Question]
    answers: Answers
    notes: Sequence[Note] = ()

    def blocks(self, style: Style) -> list[str]:
        blocks = [
            style.bold(style.escape(self.title)),
            style.escape(f"Diagnostic établi le {french_date(self.report.as_of)}."),
            render_answers(self.questions, self.answers, style),
        ]
        blocks.extend(render_report(self.report, style, detailed=True))
        if self.notes:
            lines = [style.bold("Notes de l'accompagnateur")]
            lines.extend(
                f"- {style.escape(n.text)} ({french_date(n.written_at.date())})" for n in self.notes
            )
            blocks.append("\n".join(lines))
        blocks.append(
            style.italic(
                "Ce document est une aide à l'orientation. Les conditions exactes sont celles "
                "des textes officiels, cités dans les sources."
            )
        )
        return blocks

    def to_markdown(self) -> str:
        # Hard line breaks ("  " at line end) keep each aid's lines apart when rendered.
        return "\n\n".join(b.replace("\n", "  \n") for b in self.blocks(MARKDOWN)) + "\n"

    def to_pdf(self) -> bytes:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import getSampleStyleSheet
        from reportlab.lib.units import cm
        from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

        styles = getSampleStyleSheet()
        story = []
        for block in self.blocks(PLAIN):
            lines = [_pdf_text(line) for line in block.split("\n")]
            story.append(Paragraph(lines[0], styles["Heading3"]))
            story.extend(Paragraph(line, styles["BodyText"]) for line in lines[1:] if line)
            story.append(Spacer(1, 0.3 * cm))
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            title=_pdf_text(self.title),
            author="AidESS",
            leftMargin=2 * cm,
            rightMargin=2 * cm,
        )
        document.build(story)
        return buffer.getvalue()


def _pdf_text(text: str) -> str:
    # The built-in PDF fonts cannot draw emoji: drop what WinAnsi (cp1252) cannot encode.
    kept = text.encode("cp1252", errors="ignore").decode("cp1252").strip()
    return escape(kept)


def summary_file_name(title: str, day: date) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")
    return f"aidess-{'-'.join(filter(None, safe.split('-')))[:40]}-{day.isoformat()}"
