"""What the Telegram bot writes, in French (HTML parse mode), and how long texts are split.

Telegram refuses a message longer than ``MessageLimit.MAX_TEXT_LENGTH`` UTF-16 code units.
Results come as blocks (a heading or one aid each, see ``bot.core.render.render_report``): they are
packed into as few messages as possible and split between blocks, never inside an HTML tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from datetime import date

from telegram.constants import CallbackQueryLimit, MessageLimit

from bot.core.dialogue import Ask
from bot.core.render import HTML, render_question
from bot.core.texts import french_date, plural
from bot.core.vocabulary import AnswerValue, Question, QuestionType

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
        "• Si vous demandez à être recontacté : votre département, le moyen de contact "
        "choisi (numéro, adresse e-mail ou compte Telegram) et, seulement si vous l'acceptez, "
        "vos réponses et vos résultats. Seuls les accompagnateurs inscrits de votre "
        "département les voient, pour vous rappeler.\n"
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


def kept_about(
    answers: str | None, reminders: list[tuple[str, date]], request_department: str | None
) -> str:
    """What is stored about the user right now; ``answers`` is already rendered HTML."""
    lines = ["<b>Ce que je garde sur vous en ce moment</b>"]
    if answers is None and not reminders and request_department is None:
        return lines[0] + "\nRien : aucune réponse, aucun rappel, aucune demande."
    lines.append(answers or "Aucune réponse enregistrée.")
    for name, deadline in reminders:
        lines.append(e(f"Rappel demandé : {name} (date limite le {french_date(deadline)})"))
    if request_department is not None:
        lines.append(e(f"Demande de rappel en attente (département {request_department})."))
    lines.append("Pour tout effacer : /oublier.")
    return "\n".join(lines)


FORGET_ASK = (
    "Voulez-vous effacer vos réponses, vos rappels, vos demandes de rappel par un "
    "accompagnateur et tout ce que je garde sur vous ? "
    "Cela ne peut pas être annulé."
)
FORGOTTEN = (
    "C'est fait : j'ai tout effacé (réponses, rappels, demandes de rappel, numéros techniques). "
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


# -- support workers and coordinators ----------------------------------------------------------

# Not in the public menu: shown to workers and coordinators only (per-chat command lists).
WORKER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("nouvelle_session", "Commencer une session pour une structure"),
    ("sessions", "Voir vos sessions et passer de l'une à l'autre"),
    ("note", "Ajouter une note à la session en cours"),
    ("synthese", "Recevoir la synthèse (Markdown et PDF)"),
    ("transmettre", "Donner la session à la structure avec un code"),
    ("demandes", "Voir les demandes de rappel de vos départements"),
)
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("recharger", "Recharger le catalogue des aides"),
    ("stats", "Statistiques anonymes"),
)

WORKERS_ONLY = (
    "Cette commande est réservée aux accompagnateurs inscrits. Si vous en êtes un, demandez "
    "un code d'invitation à votre coordinateur, puis envoyez /inscription suivi du code."
)
ADMINS_ONLY = "Cette commande est réservée aux coordinateurs."
NEED_SESSION = (
    "Aucune session n'est ouverte. Commencez-en une avec /nouvelle_session Nom de la "
    "structure, ou choisissez-en une avec /sessions."
)


def session_header(structure: str) -> str:
    return f"<i>🗂 Session : {e(structure)}</i>"


def worker_help() -> str:
    lines = "\n".join(f"/{name} : {e(text.lower())}" for name, text in WORKER_COMMANDS)
    return f"<b>Commandes des accompagnateurs</b>\n{lines}"


def admin_help() -> str:
    lines = "\n".join(f"/{name} : {e(text.lower())}" for name, text in ADMIN_COMMANDS)
    return f"<b>Commandes des coordinateurs</b>\n{lines}"


INVITATION_MISSING = "Écrivez le code reçu après la commande, par exemple : /inscription ABCD-EFGH"


def registered(name: str, organisation: str, departments: list[str]) -> str:
    return (
        f"Bienvenue {e(name)} ! Vous êtes inscrit comme accompagnateur de {e(organisation)} "
        f"pour : {e(', '.join(departments))}.\n\n{worker_help()}"
    )


def refused(reason: str) -> str:
    """A domain error (already a French sentence fragment) for the person."""
    return e(reason[:1].upper() + reason[1:] + ("" if reason.endswith(".") else "."))


def session_started(structure: str) -> str:
    return (
        f"Session ouverte pour « {e(structure)} ». Posez les questions à la structure et "
        "répondez pour elle : vos réponses vont dans cette session, pas dans votre propre "
        "diagnostic.\n/note pour noter quelque chose, /synthese pour la synthèse, "
        "/transmettre pour la lui confier, /sessions pour changer de session."
    )


def session_switched(structure: str) -> str:
    return f"Vous reprenez la session « {e(structure)} »."


BACK_TO_OWN = "Vous revenez à votre propre diagnostic."
NO_SESSIONS = (
    "Vous n'avez pas encore de session. Commencez avec /nouvelle_session Nom de la structure."
)
SESSIONS_HEADING = "<b>Vos sessions</b> (touchez-en une pour la reprendre)"


def session_line(number: int, structure: str, created: date, handed_over: bool) -> str:
    done = " — transmise" if handed_over else ""
    return f"{number}. {e(structure)} (commencée le {french_date(created)}){done}"


def note_added(structure: str) -> str:
    return f"Note ajoutée à la session « {e(structure)} »."


def handover_code(structure: str, code: str, bot_username: str | None) -> str:
    link = ""
    if bot_username:
        payload = code.replace(" ", "")
        link = (
            f"\nOu donnez-lui ce lien, qui envoie le code tout seul : "
            f"https://t.me/{e(bot_username)}?start={e(payload)}"
        )
    where = f"@{e(bot_username)}" if bot_username else "ce bot"
    return (
        f"Code de reprise pour « {e(structure)} » : <code>{e(code)}</code>\n"
        "Il ne sert qu'une fois. Dites à la personne de la structure d'ouvrir "
        f"{where} sur son propre Telegram et d'envoyer :\n<code>/code {e(code)}</code>{link}\n\n"
        "Elle reprendra le diagnostic là où vous en êtes, avec les réponses déjà données. "
        "Vos notes restent avec vous."
    )


CODE_MISSING = "Écrivez le code reçu après la commande, par exemple : /code ABCD-EFGH"


def handed_over(structure: str) -> str:
    return (
        f"Voici le diagnostic commencé avec votre accompagnateur pour « {structure} ». "
        "Vos réponses sont gardées : continuons."
    )


def taken_over(structure: str) -> str:
    return f"« {e(structure)} » a repris son diagnostic sur son propre Telegram."


NO_REMINDER_IN_SESSION = "Les rappels sont pour la structure, une fois la session transmise."
SUMMARY_SESSION_CAPTION = "Synthèse de la session : réponses, aides, quoi faire, notes."


# -- call-back requests ------------------------------------------------------------------------


def consent(department: str) -> str:
    return (
        "<b>Être recontacté par un accompagnateur</b>\n"
        f"Votre demande sera vue par les accompagnateurs du département {e(department)} "
        "inscrits sur AidESS (réseaux d'accompagnement de l'ESS).\n\n"
        "Si vous acceptez, ils verront votre département, vos réponses et vos résultats. "
        "Sinon, seulement votre département.\n"
        "Ensuite je vous demanderai comment être contacté.\n\n"
        "Vous pouvez retirer votre demande à tout moment avec /oublier."
    )


NEED_DEPARTMENT = (
    "Pour trouver un accompagnateur près de chez vous, j'ai besoin de votre département. "
    "Indiquez-le avec /modifier, puis revenez aux résultats."
)
CONTACT_HOW = (
    "Comment préférez-vous être contacté ?\n"
    "Par Telegram, l'accompagnateur recevra un lien vers votre compte Telegram "
    "(et votre nom d'utilisateur, si vous en avez un)."
)
ASK_PHONE = "Écrivez votre numéro de téléphone, par exemple 06 12 34 56 78."
ASK_EMAIL = "Écrivez votre adresse e-mail, par exemple contact@mon-asso.fr."
BAD_PHONE = (
    "Ce numéro ne semble pas valide. Écrivez un numéro français à 10 chiffres, "
    "par exemple 06 12 34 56 78, ou touchez « Annuler »."
)
BAD_EMAIL = (
    "Cette adresse ne semble pas valide. Vérifiez-la, par exemple contact@mon-asso.fr, "
    "ou touchez « Annuler »."
)
CONTACT_CANCELLED = "D'accord, je n'envoie rien."
CONTACT_STALE = "Cette demande n'est plus en cours."
CONTACT_IN_SESSION = (
    "Pendant une session accompagnée, c'est la structure qui peut demander à être recontactée."
)


def request_sent(department: str) -> str:
    return (
        "C'est envoyé. Un accompagnateur du département "
        f"{e(department)} va prendre votre demande : je vous dirai qui vous contactera.\n"
        "Pour la retirer : /oublier."
    )


def new_request(number: int, department: str, method: str, shared: bool) -> str:
    answers = "réponses partagées" if shared else "département seulement"
    return (
        f"📞 <b>Nouvelle demande de rappel n° {number}</b>\n"
        f"{e(department)}, contact souhaité {e(method)} ({answers}).\n"
        "Touchez le bouton pour la prendre en charge, ou /demandes pour la file d'attente."
    )


NO_REQUESTS = "Aucune demande de rappel en attente dans vos départements."


def queue_heading(departments: str) -> str:
    return f"<b>Demandes de rappel en attente</b> ({e(departments)})"


def queue_line(number: int, department: str, since: date, method: str, shared: bool) -> str:
    answers = "réponses partagées" if shared else "département seulement"
    return (
        f"• n° {number} — {e(department)}, depuis le {french_date(since)}, {e(method)} ({answers})"
    )


def request_taken_by_you(number: int, department: str, contact: str) -> str:
    return (
        f"✅ <b>Vous prenez en charge la demande n° {number}</b> — {e(department)}.\n"
        f"{contact}\n"
        "Contactez la structure rapidement : elle sait que vous allez le faire."
    )


def contact_line(method: str, contact: str | None, chat_id: int | None) -> str:
    if method == "telephone":
        return f"Par téléphone : {e(contact or '')}"
    if method == "email":
        return f"Par e-mail : {e(contact or '')}"
    name = f" ({e(contact)})" if contact else ""
    link = f'<a href="tg://user?id={chat_id}">ouvrir son compte Telegram</a>' if chat_id else ""
    return f"Par message Telegram{name} : {link}"


def will_contact_you(name: str, organisation: str, method: str) -> str:
    return f"Bonne nouvelle : {e(name)} ({e(organisation)}) va vous contacter {e(method)}."


def overdue_alert(hours: float, lines: list[str]) -> str:
    return (
        f"⚠️ <b>Demandes de rappel en attente depuis plus de {hours:g} h</b>\n"
        "Aucun accompagnateur ne les a prises en charge :\n" + "\n".join(lines)
    )


def overdue_line(number: int, department: str, since: date) -> str:
    return f"• n° {number} — {e(department)}, depuis le {french_date(since)}"


# -- coordinators ------------------------------------------------------------------------------


def reloaded(aids: int) -> str:
    return (
        f"Catalogue rechargé : {plural(aids, 'aide', 'aides')}. Les conversations en cours "
        "continuent avec le nouveau catalogue."
    )


MAX_PROBLEMS_SHOWN = 30


def reload_failed(aids: int, problems: Sequence[str]) -> list[str]:
    """The problems as ``FILE:LINE:COLUMN: message`` lines (blocks to split)."""
    shown = [f"<code>{e(p)}</code>" for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        more = len(problems) - MAX_PROBLEMS_SHOWN
        shown.append(e(f"… et {more} autres : lancez « aidess catalogue check » pour tout voir."))
    head = (
        "❌ Le nouveau catalogue n'est pas valable : je garde l'ancien "
        f"({plural(aids, 'aide', 'aides')}).\n"
        f"{plural(len(problems), 'problème', 'problèmes')} :"
    )
    return [head, "\n".join(shown)]
