"""What the Telegram bot writes, in French (HTML parse mode), and how long texts are split.

Telegram refuses a message longer than ``MessageLimit.MAX_TEXT_LENGTH`` UTF-16 code units.
Results come as blocks (a heading or one aid each, see ``bot.render.render_report``): they are
packed into as few messages as possible and split between blocks, never inside an HTML tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from datetime import date

from telegram.constants import CallbackQueryLimit, MessageLimit

from bot.dialogue import Ask
from bot.render import HTML, render_question
from bot.texts import french_date, plural
from bot.vocabulary import AnswerValue, Question, QuestionType

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
MAX_TOAST = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
BLOCK_SEPARATOR = "\n\n"

# (command, description) in the order of the Telegram menu; DESIGN.md §6.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Commencer ou reprendre le diagnostic"),
    ("retour", "Annuler la dernière réponse"),
    ("modifier", "Changer une réponse déjà donnée"),
    ("resultats", "Voir les résultats tout de suite"),
    ("recommencer", "Tout reprendre depuis le début"),
    ("aide", "Comment répondre, les commandes"),
    ("confidentialite", "Ce que le bot garde, et combien de temps"),
    ("oublier", "Effacer tout ce que le bot garde sur vous"),
)
CHECK = "✓"


def e(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def welcome(intro: str) -> str:
    return (
        "👋 <b>Bonjour, je suis AidESS.</b>\n"
        f"{e(intro)}\n\n"
        "Je garde seulement vos réponses, pour que vous puissiez reprendre plus tard. "
        "Pour en savoir plus : /confidentialite. Pour tout effacer : /oublier."
    )


RESUMING = "Nous reprenons là où vous en étiez."

HELP = (
    "<b>Comment répondre</b>\n"
    "Touchez un bouton, ou écrivez votre réponse (par exemple « asso », « Nord », "
    "« 3 salariés »). « Je ne sais pas » est toujours possible.\n\n"
    "<b>Commandes</b>\n" + "\n".join(f"/{name} : {e(text.lower())}" for name, text in COMMANDS)
)


def privacy(retention_days: int) -> str:
    return (
        "<b>Ce que je garde</b>\n"
        "• Vos réponses aux questions et l'étape de la conversation, pour que vous puissiez "
        "reprendre plus tard.\n"
        "• Les rappels de date limite que vous demandez.\n"
        "• Le numéro de votre conversation Telegram, qui relie ces informations à vous.\n"
        "• Pendant 2 jours, les numéros techniques de vos derniers messages, pour ne pas "
        "traiter deux fois le même message.\n\n"
        "<b>Ce que je ne garde pas</b>\n"
        "Votre nom, votre identifiant et le texte de vos messages.\n\n"
        "<b>Combien de temps</b>\n"
        f"Vos réponses sont effacées après {retention_days} jours sans échange. "
        "Un rappel est effacé dès qu'il est envoyé.\n\n"
        "Pour tout effacer maintenant : /oublier."
    )


FORGET_ASK = (
    "Voulez-vous effacer vos réponses, vos rappels et tout ce que je garde sur vous ? "
    "Cela ne peut pas être annulé."
)
FORGOTTEN = (
    "C'est fait : j'ai tout effacé (réponses, rappels, numéros techniques). "
    "Les messages déjà affichés restent dans votre application Telegram : vous pouvez les "
    "supprimer vous-même. Tapez /start pour un nouveau diagnostic."
)
NOTHING_TO_FORGET = "Je ne garde rien sur vous. Tapez /start pour commencer un diagnostic."
FORGET_CANCELLED = "D'accord, je garde vos réponses."

NOT_TEXT = "Je ne comprends que les messages écrits et les boutons."
UNKNOWN_COMMAND = "Je ne connais pas cette commande. Tapez /aide pour voir la liste."
APOLOGY = (
    "Désolé, un problème technique est survenu de mon côté. Vos réponses sont gardées. "
    "Réessayez dans un instant ; si cela se répète, tapez /start ou /recommencer."
)
STATE_UNREADABLE = (
    "Je n'ai pas pu relire votre conversation enregistrée. Nous reprenons depuis le début."
)
UNKNOWN_AID = "Cette aide n'est plus dans le catalogue."
SUMMARY_CAPTION = "Votre synthèse AidESS : vos réponses, les aides et quoi faire."
CHANGE_MENU = "Quelle réponse voulez-vous changer ?"


def summary_filename(as_of: date) -> str:
    return f"synthese-aidess-{as_of.isoformat()}.md"


def offer(more: int) -> str:
    remaining = plural(more, "aide reste", "aides restent")
    return (
        f"{remaining} à confirmer. Voulez-vous répondre à quelques questions de plus "
        "pour préciser ?"
    )


OFFER_SHORT = "Répondre à quelques questions de plus ?"
RESULTS_BRIEF = (
    "Le détail est plus haut ; /resultats pour le revoir. Touchez une aide pour voir quoi faire."
)


def others_in_summary(count: int) -> str:
    if count == 1:
        return "📄 1 autre aide du catalogue (fermée ou non accessible) : voir la synthèse."
    return f"📄 {count} autres aides du catalogue (fermées ou non accessibles) : voir la synthèse."


def question(ask: Ask) -> str:
    """The question, its help, and how to answer it on a phone."""
    text = render_question(ask, HTML, numbered=False)
    match ask.question.type:
        case QuestionType.MULTI:
            hint = "Touchez vos choix, puis « Valider »."
        case QuestionType.CHOICE | QuestionType.YESNO:
            hint = ""
        case _:
            hint = "✍️ Écrivez votre réponse."
    return f"{text}\n{hint}" if hint else text


def transcript(q: Question, number: int | None, value: AnswerValue) -> str:
    """A question once answered, as it stays in the chat."""
    heading = f"Question {number}. {q.text}" if number else q.text
    return f"<b>{e(heading)}</b>\n{CHECK} {e(q.format(value))}"


def chosen(text: str, label: str) -> str:
    """A message whose button was pressed, as it stays in the chat."""
    return f"{text}\n{CHECK} {e(label)}"


# -- reminders -------------------------------------------------------------------------------


def reminder_set(due: date, deadline: date) -> str:
    return (
        f"C'est noté : je vous enverrai un rappel le {french_date(due)}, avant la date "
        f"limite du {french_date(deadline)}."
    )


def reminder_exists(due: date) -> str:
    return f"Un rappel est déjà prévu le {french_date(due)}."


def reminder_too_late(deadline: date) -> str:
    return (
        f"La date limite est le {french_date(deadline)} : c'est trop proche pour un rappel. "
        "Faites la demande dès maintenant."
    )


def deadline_passed(deadline: date) -> str:
    return f"La date limite était le {french_date(deadline)} : elle est passée."


NO_DEADLINE = "Cette aide n'a pas de date limite connue : pas besoin de rappel."


def reminder(name: str, deadline: date) -> str:
    return (
        f"⏰ <b>Rappel AidESS</b>\nLa date limite pour « {e(name)} » est le "
        f"{french_date(deadline)}. Touchez le bouton pour revoir quoi faire."
    )


REMINDER_OPEN = "📋 Voir quoi faire"


# -- splitting -------------------------------------------------------------------------------


def text_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_blocks(
    blocks: Sequence[str], limit: int = MAX_TEXT, separator: str = BLOCK_SEPARATOR
) -> list[str]:
    """Pack blocks into as few messages as fit ``limit``, splitting between blocks.

    A block longer than the limit is split between its lines; a single line longer than the
    limit (never seen in practice) loses its formatting and is cut.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _pieces(block, limit):
            candidate = f"{current}{separator}{piece}" if current else piece
            if text_length(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _pieces(block: str, limit: int) -> Iterator[str]:
    if text_length(block) <= limit:
        yield block
        return
    current = ""
    for line in block.split("\n"):
        for part in _cut(line, limit):
            candidate = f"{current}\n{part}" if current else part
            if text_length(candidate) <= limit:
                current = candidate
            else:
                yield current
                current = part
    if current:
        yield current


_TAG = re.compile(r"<[^>]+>")


def _cut(line: str, limit: int) -> Iterator[str]:
    if text_length(line) <= limit:
        yield line
        return
    plain = html.unescape(_TAG.sub("", line))
    chunk = ""
    for char in plain:
        if text_length(chunk + e(char)) > limit:
            yield chunk
            chunk = ""
        chunk += e(char)
    if chunk:
        yield chunk


def toast(text: str) -> str:
    """A callback-query answer: short, plain text."""
    plain = html.unescape(_TAG.sub("", text))
    return plain if len(plain) <= MAX_TOAST else plain[: MAX_TOAST - 1] + "…"
