"""Inline keyboards and their callback data.

Callback data is compact text, ``<kind>:<revision>:<question id>:<value>`` for the buttons that
answer the dialogue, so that the dialogue engine can recognise a button pressed on an old
message (the revision no longer matches). Telegram allows 64 bytes
(``InlineKeyboardButtonLimit.MAX_CALLBACK_DATA``): a choice value too long to fit is sent as
its index (``#2``), an aid id as a short hash; ``check_fits`` verifies a dialogue at start-up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit, InlineKeyboardMarkupLimit

from bot.core.catalogue import Catalogue
from bot.core.dialogue import Ask, Change, Confirm, Event, Pick, Refine, Restart, Toggle
from bot.core.render import UNKNOWN_LABEL, choice_labels
from bot.core.results import AidResult, Report
from bot.core.vocabulary import Question, QuestionType

MAX_DATA_BYTES = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
MAX_BUTTONS = InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER
SEP = ":"
INDEX = "#"
# Revisions grow by one per change; 12 digits will never be reached by a conversation.
WIDEST_REVISION = 10**12 - 1

OFFER_TAG = "offer"  # the message asking whether to answer more questions
MENU_TAG = "menu"  # the message listing the answers that can be changed
RESULTS_TAG = "results"  # a results message (its buttons stay usable)

CHECK = "✓"
VALIDATE_LABEL = "Valider"
NONE_LABEL = "Aucun"
SUMMARY_LABEL = "📄 Recevoir la synthèse"
REMIND_LABEL = "⏰ Me rappeler avant la date limite"
CHANGE_LABEL = "✏️ Modifier une réponse"
RESTART_LABEL = "🔄 Recommencer"
REFINE_YES_LABEL = "Oui, continuer"
REFINE_NO_LABEL = "Non, voir le résultat"
FORGET_YES_LABEL = "Oui, tout effacer"
FORGET_NO_LABEL = "Non, garder"
CALLBACK_LABEL = "📞 Être recontacté par un accompagnateur"
SHARE_ALL_LABEL = "J'accepte de partager mes réponses"
SHARE_DEPARTMENT_LABEL = "Partager seulement mon département"
CANCEL_LABEL = "Annuler"
VIA_LABELS = {"t": "Telegram", "p": "Téléphone", "e": "E-mail"}
TAKE_LABEL = "🙋 Prendre en charge"
OWN_DIAGNOSTIC_LABEL = "👤 Mon propre diagnostic"


class Kind(StrEnum):
    CHOICE = "c"  # Pick(question, value)
    YES = "y"  # Pick(question, True)
    NO = "n"  # Pick(question, False)
    UNKNOWN = "u"  # Pick(question, None): « Je ne sais pas »
    TOGGLE = "t"  # Toggle(question, value)
    CONFIRM = "v"  # Confirm(question)
    REFINE = "r"  # Refine(accept)
    CHANGE = "m"  # Change(question)
    RESTART = "x"  # Restart()
    MENU = "M"  # Change(): the list of answers to change
    AID = "a"  # an aid's checklist
    SUMMARY = "s"  # the summary as a document
    REMIND = "R"  # a deadline reminder for an aid
    FORGET = "f"  # confirm /oublier
    CONTACT = "k"  # a step of a call-back request (consent, how to be contacted)
    TAKE = "T"  # a worker takes a call-back request
    SWITCH = "S"  # a worker switches to one of their sessions (0: their own diagnostic)


# -- decoded buttons ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DialogueButton:
    """A button that sends an event to the dialogue engine."""

    event: Event
    revision: int
    tag: str  # what the message is about: a question id, OFFER_TAG, MENU_TAG or RESULTS_TAG
    guarded: bool  # the engine does not check the revision of this event itself


@dataclass(frozen=True)
class AidButton:
    token: str  # an aid id, or INDEX + hash when the id is too long

    def resolve(self, catalogue: Catalogue) -> str | None:
        if not self.token.startswith(INDEX):
            return self.token
        return next((a.id for a in catalogue.aids if _aid_token(a.id) == self.token), None)


@dataclass(frozen=True)
class ReminderButton(AidButton):
    pass


@dataclass(frozen=True)
class SummaryButton:
    pass


@dataclass(frozen=True)
class ChangeMenuButton:
    pass


@dataclass(frozen=True)
class ForgetButton:
    confirm: bool


@dataclass(frozen=True)
class ContactButton:
    """A step of a call-back request: ``ask``; ``share`` a (answers), d (département only),
    0 (cancel); ``via`` t, p, e (Telegram, phone, e-mail), 0 (cancel)."""

    action: str
    choice: str = ""


@dataclass(frozen=True)
class TakeButton:
    request_id: int


@dataclass(frozen=True)
class SwitchButton:
    session_id: int | None  # None: back to the worker's own diagnostic


CONTACT_ACTIONS = {"ask": {""}, "share": {"a", "d", "0"}, "via": {"t", "p", "e", "0"}}

Button = (
    DialogueButton
    | AidButton
    | ReminderButton
    | SummaryButton
    | ChangeMenuButton
    | ForgetButton
    | ContactButton
    | TakeButton
    | SwitchButton
)


def decode(data: str | None, questions: Mapping[str, Question]) -> Button | None:
    """The button behind callback data; None when it is not (or no longer) understood."""
    if not data:
        return None
    kind_text, _, rest = data.partition(SEP)
    try:
        kind = Kind(kind_text)
    except ValueError:
        return None
    match kind:
        case Kind.AID:
            return AidButton(rest) if rest else None
        case Kind.REMIND:
            return ReminderButton(rest) if rest else None
        case Kind.SUMMARY:
            return SummaryButton()
        case Kind.MENU:
            return ChangeMenuButton()
        case Kind.FORGET:
            return ForgetButton(rest == "1")
        case Kind.CONTACT:
            action, _, option = rest.partition(SEP)
            known = option in CONTACT_ACTIONS.get(action, ())
            return ContactButton(action, option) if known else None
        case Kind.TAKE:
            return TakeButton(int(rest)) if rest.isdigit() else None
        case Kind.SWITCH:
            if not rest.isdigit():
                return None
            return SwitchButton(int(rest) or None)
    revision_text, _, rest = rest.partition(SEP)
    if not revision_text.isdigit():
        return None
    revision = int(revision_text)
    match kind:
        case Kind.REFINE:
            return DialogueButton(Refine(rest == "1"), revision, OFFER_TAG, guarded=True)
        case Kind.RESTART:
            return DialogueButton(Restart(), revision, RESULTS_TAG, guarded=True)
    qid, _, value = rest.partition(SEP)
    question = questions.get(qid)
    if question is None:
        return None
    event: Event
    match kind:
        case Kind.CHANGE:
            return DialogueButton(Change(qid), revision, MENU_TAG, guarded=True)
        case Kind.YES | Kind.NO if question.type is QuestionType.YESNO:
            event = Pick(qid, kind is Kind.YES, revision)
        case Kind.UNKNOWN:
            event = Pick(qid, None, revision)
        case Kind.CONFIRM if question.type is QuestionType.MULTI:
            event = Confirm(qid, revision)
        case Kind.CHOICE | Kind.TOGGLE:
            choice = _decode_value(value, question)
            if choice is None:
                return None
            expected = QuestionType.CHOICE if kind is Kind.CHOICE else QuestionType.MULTI
            if question.type is not expected:
                return None
            event = (Pick if kind is Kind.CHOICE else Toggle)(qid, choice, revision)
        case _:
            return None
    return DialogueButton(event, revision, qid, guarded=False)


def _data(*parts: object) -> str:
    data = SEP.join(str(p) for p in parts)
    if len(data.encode("utf-8")) > MAX_DATA_BYTES:
        raise ValueError(f"callback data longer than {MAX_DATA_BYTES} bytes: {data!r}")
    return data


def _value_token(kind: Kind, revision: int, question: Question, value: str) -> str:
    widest = SEP.join((kind, str(max(revision, WIDEST_REVISION)), question.id, value))
    if len(widest.encode("utf-8")) <= MAX_DATA_BYTES and not value.startswith(INDEX):
        return value
    return f"{INDEX}{question.choice_values().index(value)}"


def _decode_value(token: str, question: Question) -> str | None:
    values = question.choice_values()
    if token.startswith(INDEX):
        index = token[len(INDEX) :]
        return values[int(index)] if index.isdigit() and int(index) < len(values) else None
    return token if token in values else None


def _aid_token(aid_id: str) -> str:
    if len(SEP.join((Kind.REMIND, aid_id)).encode("utf-8")) <= MAX_DATA_BYTES:
        return aid_id
    return INDEX + hashlib.blake2b(aid_id.encode("utf-8"), digest_size=8).hexdigest()


def check_fits(questions: Iterable[Question]) -> None:
    """Raise ValueError when a question's buttons cannot fit Telegram's callback data."""
    for q in questions:
        for kind in (Kind.UNKNOWN, Kind.YES, Kind.NO, Kind.CONFIRM, Kind.CHANGE):
            _data(kind, WIDEST_REVISION, q.id)
        if q.type in (QuestionType.CHOICE, QuestionType.MULTI):
            for value in q.choice_values():
                for kind in (Kind.CHOICE, Kind.TOGGLE):
                    _data(kind, WIDEST_REVISION, q.id, _value_token(kind, 0, q, value))


# -- keyboards -------------------------------------------------------------------------------


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def question_keyboard(ask: Ask) -> InlineKeyboardMarkup:
    """Choices (one per row), toggles then « Valider » for multiple choices, and always
    « Je ne sais pas »."""
    q, rev = ask.question, ask.revision
    rows: list[list[InlineKeyboardButton]] = []
    match q.type:
        case QuestionType.CHOICE:
            for choice in q.choices:
                token = _value_token(Kind.CHOICE, rev, q, choice.value)
                rows.append([_button(choice.label, _data(Kind.CHOICE, rev, q.id, token))])
        case QuestionType.MULTI:
            for choice in q.choices:
                token = _value_token(Kind.TOGGLE, rev, q, choice.value)
                ticked = choice.value in ask.draft
                label = f"{CHECK} {choice.label}" if ticked else choice.label
                rows.append([_button(label, _data(Kind.TOGGLE, rev, q.id, token))])
            label = VALIDATE_LABEL if ask.draft else NONE_LABEL
            rows.append([_button(label, _data(Kind.CONFIRM, rev, q.id))])
        case QuestionType.YESNO:
            yes, no = choice_labels(q)
            rows.append(
                [
                    _button(yes, _data(Kind.YES, rev, q.id)),
                    _button(no, _data(Kind.NO, rev, q.id)),
                ]
            )
    rows.append([_button(UNKNOWN_LABEL, _data(Kind.UNKNOWN, rev, q.id))])
    return InlineKeyboardMarkup(rows)


def refine_keyboard(revision: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(REFINE_YES_LABEL, _data(Kind.REFINE, revision, 1)),
                _button(REFINE_NO_LABEL, _data(Kind.REFINE, revision, 0)),
            ]
        ]
    )


def change_keyboard(items: Sequence[tuple[Question, str]], revision: int) -> InlineKeyboardMarkup:
    rows = [
        [_button(f"{q.label} : {value}", _data(Kind.CHANGE, revision, q.id))]
        for q, value in items[:MAX_BUTTONS]
    ]
    return InlineKeyboardMarkup(rows)


def actionable(report: Report) -> list[AidResult]:
    """The aids that get a checklist button: eligible, near misses, to confirm."""
    seen: set[str] = set()
    chosen: list[AidResult] = []
    for result in (*report.eligible, *report.near_misses, *report.to_confirm):
        if result.id not in seen:
            seen.add(result.id)
            chosen.append(result)
    return chosen


def results_keyboard(
    report: Report, revision: int, *, final: bool, callback: bool = False
) -> InlineKeyboardMarkup:
    """One button per aid (its checklist), the summary, and what to do next; ``callback``:
    offer to be contacted by a local support worker (final results, not in a guided session)."""
    controls = [[_button(SUMMARY_LABEL, _data(Kind.SUMMARY))]]
    if final and callback:
        controls.append([_button(CALLBACK_LABEL, _data(Kind.CONTACT, "ask"))])
    if final:
        controls.append(
            [
                _button(CHANGE_LABEL, _data(Kind.MENU)),
                _button(RESTART_LABEL, _data(Kind.RESTART, revision)),
            ]
        )
    room = MAX_BUTTONS - sum(len(row) for row in controls)
    aids = [
        [_button(f"📋 {r.verdict.aid.name}", _data(Kind.AID, _aid_token(r.id)))]
        for r in actionable(report)[:room]
    ]
    return InlineKeyboardMarkup([*aids, *controls])


def aid_keyboard(result: AidResult, *, can_remind: bool) -> InlineKeyboardMarkup:
    rows = []
    if can_remind:
        rows.append([_button(REMIND_LABEL, _data(Kind.REMIND, _aid_token(result.id)))])
    rows.append([_button(SUMMARY_LABEL, _data(Kind.SUMMARY))])
    return InlineKeyboardMarkup(rows)


def open_aid_keyboard(aid_id: str, label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(label, _data(Kind.AID, _aid_token(aid_id)))]])


def forget_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(FORGET_YES_LABEL, _data(Kind.FORGET, 1)),
                _button(FORGET_NO_LABEL, _data(Kind.FORGET, 0)),
            ]
        ]
    )


def consent_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(SHARE_ALL_LABEL, _data(Kind.CONTACT, "share", "a"))],
            [_button(SHARE_DEPARTMENT_LABEL, _data(Kind.CONTACT, "share", "d"))],
            [_button(CANCEL_LABEL, _data(Kind.CONTACT, "share", "0"))],
        ]
    )


def contact_method_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(text, _data(Kind.CONTACT, "via", code)) for code, text in VIA_LABELS.items()],
            [_button(CANCEL_LABEL, _data(Kind.CONTACT, "via", "0"))],
        ]
    )


def cancel_contact_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(CANCEL_LABEL, _data(Kind.CONTACT, "via", "0"))]])


def take_keyboard(request_id: int, label: str = TAKE_LABEL) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(label, _data(Kind.TAKE, request_id))]])


def queue_keyboard(request_ids: Sequence[int]) -> InlineKeyboardMarkup:
    rows = [
        [_button(f"{TAKE_LABEL} n° {rid}", _data(Kind.TAKE, rid))]
        for rid in request_ids[:MAX_BUTTONS]
    ]
    return InlineKeyboardMarkup(rows)


def sessions_keyboard(
    sessions: Sequence[tuple[int, str]], current: int | None
) -> InlineKeyboardMarkup:
    """One button per session (``(id, label)``), newest first, then the worker's own diagnostic."""
    rows = [
        [_button(f"{'▶️ ' if sid == current else ''}{label}", _data(Kind.SWITCH, sid))]
        for sid, label in sessions[: MAX_BUTTONS - 1]
    ]
    own = f"{'▶️ ' if current is None else ''}{OWN_DIAGNOSTIC_LABEL}"
    rows.append([_button(own, _data(Kind.SWITCH, 0))])
    return InlineKeyboardMarkup(rows)


def label_of(markup: InlineKeyboardMarkup | None, data: str | None) -> str | None:
    """The text of the button carrying ``data`` in a keyboard."""
    if markup is None or data is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
