"""The Telegram channel's callbacks: what people do → dialogue events → replies.

A thin adapter: the dialogue engine decides what to ask and what the answers mean; these
callbacks turn updates into events, save the new state BEFORE replying, and hand the engine's
outputs to the ``Presenter``. Each update is applied once: its id is stored with the new
state, and a redelivered update is skipped (or, if the process died after saving and before
replying, answered with where the conversation stands).
"""

from __future__ import annotations

import io
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, CallbackQuery, InputFile, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes, JobQueue

from bot.channels.telegram import keyboards, messages
from bot.channels.telegram.keyboards import (
    AidButton,
    DialogueButton,
    ForgetButton,
    ReminderButton,
)
from bot.channels.telegram.presenter import Origin, Presenter
from bot.channels.telegram.processor import chat_of
from bot.channels.telegram.reminders import Reminders
from bot.core.dialogue import (
    STALE_BUTTON,
    Back,
    Change,
    DialogueEngine,
    DialogueState,
    Event,
    Notice,
    Phase,
    Restart,
    ShowResults,
    Start,
    Step,
    Text,
)
from bot.core.render import HTML, MARKDOWN, render_aid_detail, render_answers, render_summary
from bot.core.results import Report
from bot.knowledge import Knowledge, KnowledgeHolder
from bot.storage.models import SESSION_PREFIX
from bot.storage.store import Store, View
from bot.support.contact_requests import delete_requests_of, waiting_request_of
from bot.support.guided import focus_of_user, with_owner
from bot.support.session_summary import session_summary
from bot.support.summary import summary_file_name
from bot.support.workers import worker_for

_LOGGER = logging.getLogger(__name__)

KEY_PREFIX = "telegram:"
TYPED = Origin()  # an update that is not a pressed button
Context = ContextTypes.DEFAULT_TYPE
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

DIALOGUE_COMMANDS: dict[str, Callable[[], Event]] = {
    "retour": Back,
    "modifier": Change,
    "resultats": ShowResults,
    "recommencer": Restart,
}


# Steps of a call-back request waiting for typed text (a phone number, an e-mail address).
TYPED_CONTACT_STEPS = ("phone", "email")

TextHook = Callable[[Update, Bot, str], Awaitable[bool]]


def chat_key(chat_id: int) -> str:
    """The key of a person's own conversation (and of everything else kept about them)."""
    return f"{KEY_PREFIX}{chat_id}"


@dataclass(frozen=True)
class Where:
    """The conversation a chat's dialogue inputs act on: the person's own, or the guided
    session a support worker is answering for (see ``Handlers.conversation_of``)."""

    chat_id: int
    key: str
    session_id: int | None = None
    structure: str | None = None

    @property
    def in_session(self) -> bool:
        return self.session_id is not None


def update_kind(update: object) -> str:
    """For logs: what kind of update, never its content."""
    if not isinstance(update, Update):
        return "none" if update is None else type(update).__name__
    if update.callback_query is not None:
        return "button"
    message = update.effective_message
    if message is None:
        return "other"
    if message.text and message.text.startswith("/"):
        return "command"
    return "text" if message.text else "non-text message"


class Handlers:
    def __init__(
        self,
        knowledge: Knowledge | KnowledgeHolder,
        store: Store,
        reminders: Reminders,
        *,
        as_of: date | None = None,
        retention: timedelta,
        admin_ids: frozenset[int] = frozenset(),
    ) -> None:
        self.holder = (
            knowledge if isinstance(knowledge, KnowledgeHolder) else KnowledgeHolder(knowledge)
        )
        self.store = store
        self.reminders = reminders
        self.as_of = as_of
        self.retention = retention
        self.admin_ids = admin_ids
        # Typed text first offered to another flow (a call-back request's phone number…);
        # True when it took it.
        self.text_hook: TextHook | None = None

    @property
    def knowledge(self) -> Knowledge:
        """Read at each use: ``/recharger`` replaces it for every handler at once."""
        return self.holder.current

    @property
    def questions(self) -> Any:
        return self.holder.current.dialogue.questions

    def today(self) -> date:
        return self.as_of or date.today()

    def engine(self) -> DialogueEngine:
        """A fresh engine per update: the reference date is today unless fixed."""
        return DialogueEngine(self.knowledge.dialogue, self.knowledge.catalogue, self.today())

    # -- which conversation ----------------------------------------------------------------

    def conversation_of(self, chat_id: int) -> Where:
        """THE resolution of a chat's conversation, used by every dialogue input: the guided
        session its worker has open, or else the person's own diagnostic."""
        guided = focus_of_user(self.store.engine, chat_id)
        if guided is None or guided.id is None:
            return Where(chat_id, chat_key(chat_id))
        return Where(chat_id, guided.conversation_key, guided.id, guided.structure_name)

    def presenter(self, bot: Bot, where: Where) -> Presenter:
        header = None if where.structure is None else messages.session_header(where.structure)
        return Presenter(
            bot, where.chat_id, self.questions, header=header, offer_callback=not where.in_session
        )

    # -- the dialogue ----------------------------------------------------------------------

    async def on_start(self, update: Update, context: Context) -> None:
        await self._turn(update, context.bot, Start(), greet=True)

    async def on_dialogue_command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        name = message.text.split(maxsplit=1)[0].lstrip("/").split("@", 1)[0].lower()
        await self._turn(update, context.bot, DIALOGUE_COMMANDS[name]())

    async def on_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        if self.text_hook is not None and await self.text_hook(update, context.bot, message.text):
            return
        await self._turn(update, context.bot, Text(message.text))

    async def on_other_message(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice…: say what is understood, and where we are."""
        await self._turn(update, context.bot, Start(), notice=messages.NOT_TEXT)

    async def on_dialogue_button(self, update: Update, context: Context) -> None:
        query = _query(update)
        button = keyboards.decode(query.data, self.questions)
        label = keyboards.label_of(_markup(query), query.data)
        if not isinstance(button, DialogueButton):
            origin = Origin(_message_id(query), None, label)
            await self._turn(update, context.bot, Start(), origin=origin, notice=STALE_BUTTON)
            return
        origin = Origin(_message_id(query), button.tag, label)
        await self._turn(update, context.bot, button.event, origin=origin, button=button)

    async def on_change_menu_button(self, update: Update, context: Context) -> None:
        origin = Origin(_message_id(_query(update)), keyboards.RESULTS_TAG)
        await self._turn(update, context.bot, Change(), origin=origin)

    async def _turn(
        self,
        update: Update,
        bot: Bot,
        event: Event,
        *,
        origin: Origin = TYPED,
        greet: bool = False,
        notice: str | None = None,
        button: DialogueButton | None = None,
    ) -> None:
        started = time.perf_counter()
        chat_id = _chat(update)
        where = self.conversation_of(chat_id)
        key = where.key
        if not isinstance(event, Text):  # the person moved on: no longer typing a phone number
            self.store.drop_draft(chat_key(chat_id), steps=TYPED_CONTACT_STEPS)
        turn = self.store.open_turn(key, update.update_id)
        engine = self.engine()
        presenter = self.presenter(bot, where)
        if turn.seen:
            await self._redelivered(update, engine, presenter, key, turn.state, turn.view)
            return
        state, unreadable = self._state(turn.state)
        before: list[str] = []
        if unreadable:
            before.append(messages.e(messages.STATE_UNREADABLE))
        if state is None:  # a new conversation, whatever was sent
            if not where.in_session:  # a worker was told what the session is for
                before.insert(0, messages.welcome(self.knowledge.dialogue.spec.intro))
            step = engine.start()
        else:
            if greet:
                before.append(messages.e(messages.RESUMING))
            step = self._step(engine, state, event, button)
        if notice is not None:
            step = Step(step.state, (Notice(notice), *step.outputs), step.changed)
        if step.changed:
            self.store.save_turn(
                key, self.knowledge.dialogue.spec.id, step.state.to_json(), update.update_id
            )
        for text in before:
            await presenter.send(text)
        shown = await presenter.show(step, origin, turn.view)
        await _answer(update.callback_query, shown.toast)
        self.store.finish_turn(key, update.update_id, shown.view, record=not step.changed)
        _LOGGER.debug(
            "update %d (%s) handled in %.1f ms",
            update.update_id,
            update_kind(update),
            (time.perf_counter() - started) * 1000,
        )

    def _step(
        self,
        engine: DialogueEngine,
        state: DialogueState,
        event: Event,
        button: DialogueButton | None,
    ) -> Step:
        if button is not None and button.guarded and button.revision != state.revision:
            # Events the engine applies whatever the revision: a stale button must not.
            resumed = engine.resume(state)
            return Step(resumed.state, (Notice(STALE_BUTTON), *resumed.outputs), resumed.changed)
        if state.phase is Phase.ASKING and state.current is None and isinstance(event, Text):
            # Its question left the dialogue (a reload): choose again, and ask.
            return engine.resume(state)
        return engine.handle(state, event)

    def _state(self, data: dict[str, Any] | None) -> tuple[DialogueState | None, bool]:
        """The stored state; (None, True) when it cannot be read back."""
        if data is None:
            return None, False
        try:
            return DialogueState.from_json(data, self.questions), False
        except (ValueError, TypeError, KeyError, AttributeError):
            _LOGGER.warning("a stored conversation could not be read back; starting again")
            return None, True

    async def _redelivered(
        self,
        update: Update,
        engine: DialogueEngine,
        presenter: Presenter,
        key: str,
        data: dict[str, Any] | None,
        view: View,
    ) -> None:
        if view.pending_update_id != update.update_id:
            _LOGGER.info("update %d (%s) already processed", update.update_id, update_kind(update))
            await _answer(update.callback_query, None)
            return
        # Saved, but the reply was lost (the process stopped in between): say where we are.
        _LOGGER.info(
            "update %d: reply was interrupted, showing the conversation again", update.update_id
        )
        shown = await self._show_again(engine, presenter, data, view)
        await _answer(update.callback_query, None)
        self.store.finish_turn(key, update.update_id, shown, record=False)

    async def _show_again(
        self, engine: DialogueEngine, presenter: Presenter, data: dict[str, Any] | None, view: View
    ) -> View:
        state, _ = self._state(data)
        step = engine.start() if state is None else engine.resume(state)
        # Nothing was seen of this reply: in full, results included.
        shown = await presenter.show(step, Origin(), view, repeat=False)
        return shown.view

    async def resume_interrupted(self, bot: Bot) -> int:
        """At start-up: conversations saved but not replied to get their reply."""
        places = [
            Where(int(key.removeprefix(KEY_PREFIX)), key)
            for key in self.store.pending_replies(KEY_PREFIX)
        ]
        for key in self.store.pending_replies(SESSION_PREFIX):
            found = with_owner(self.store.engine, int(key.removeprefix(SESSION_PREFIX)))
            if found is not None:
                guided, worker = found
                if worker.telegram_id is not None:
                    chat = worker.telegram_id
                    places.append(Where(chat, key, guided.id, guided.structure_name))
        for where in places:
            key = where.key
            presenter = self.presenter(bot, where)
            turn = self.store.open_turn(key, None)
            try:
                shown = await self._show_again(self.engine(), presenter, turn.state, turn.view)
            except Forbidden:
                shown = turn.view
            self.store.finish_turn(key, None, shown, record=False)
        return len(places)

    # -- results: checklists, summary, reminders ---------------------------------------------

    async def on_aid_button(self, update: Update, context: Context) -> None:
        query = _query(update)
        if not await self._first_time(update):
            return
        button = keyboards.decode(query.data, self.questions)
        assert isinstance(button, AidButton)
        where = self.conversation_of(_chat(update))
        report = self._report(where.key)
        aid_id = button.resolve(self.knowledge.catalogue)
        result = None if aid_id is None else report.find(aid_id)
        if result is None:
            await _answer(query, messages.UNKNOWN_AID)
            return
        deadline = result.verdict.deadline
        can_remind = (  # reminders go to the structure itself, once it has the session
            not where.in_session
            and deadline is not None
            and self.reminders.due_for(deadline) is not None
        )
        presenter = self.presenter(context.bot, where)
        chunks = messages.split_blocks([render_aid_detail(result, HTML)], presenter.limit)
        markup = keyboards.aid_keyboard(result, can_remind=can_remind)
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            await presenter.send(chunk, markup if last else None)
        await _answer(query, None)
        self._processed(update)

    async def on_summary_button(self, update: Update, context: Context) -> None:
        query = _query(update)
        if not await self._first_time(update):
            return
        await self.send_summary(context.bot, self.conversation_of(_chat(update)))
        await _answer(query, None)
        self._processed(update)

    async def send_summary(self, bot: Bot, where: Where) -> None:
        """The written summary as documents: Markdown for a person's own diagnostic;
        Markdown and PDF, with the notes, for a guided session."""
        if where.session_id is not None:
            summary = session_summary(
                self.store.engine, self.knowledge, where.session_id, self.today()
            )
            name = summary_file_name(where.structure or "session", summary.report.as_of)
            files = (
                (f"{name}.md", summary.to_markdown().encode("utf-8")),
                (f"{name}.pdf", summary.to_pdf()),
            )
            for filename, data in files:
                await bot.send_document(
                    where.chat_id,
                    InputFile(io.BytesIO(data), filename=filename),
                    caption=messages.SUMMARY_SESSION_CAPTION,
                )
            return
        state, _ = self._state(self.store.load(where.key))
        answers = {} if state is None else state.answers
        report = self.engine().report(answers)
        text = render_summary(report, self.questions, answers, MARKDOWN)
        document = InputFile(
            io.BytesIO(text.encode("utf-8")),
            filename=messages.summary_filename(report.as_of),
        )
        await bot.send_document(where.chat_id, document, caption=messages.SUMMARY_CAPTION)

    async def on_reminder_button(self, update: Update, context: Context) -> None:
        query = _query(update)
        if not await self._first_time(update):
            return
        button = keyboards.decode(query.data, self.questions)
        assert isinstance(button, ReminderButton)
        where = self.conversation_of(_chat(update))
        if where.in_session:
            await _answer(query, messages.NO_REMINDER_IN_SESSION)
            return
        key = where.key
        aid_id = button.resolve(self.knowledge.catalogue)
        result = None if aid_id is None else self._report(key).find(aid_id)
        if result is None:
            await _answer(query, messages.UNKNOWN_AID)
            return
        outcome = self.reminders.request(
            _job_queue(context), key, result.id, result.verdict.deadline
        )
        await context.bot.send_message(_chat(update), messages.e(outcome.text))
        await _answer(query, None)
        self._processed(update)

    def _report(self, key: str) -> Report:
        state, _ = self._state(self.store.load(key))
        return self.engine().report({} if state is None else state.answers)

    # -- help, privacy, forgetting -------------------------------------------------------------

    async def on_help(self, update: Update, context: Context) -> None:
        if await self._first_time(update):
            chat = _chat(update)
            parts = [messages.HELP]
            if worker_for(self.store.engine, chat) is not None:
                parts.append(messages.worker_help())
            if chat in self.admin_ids:
                parts.append(messages.admin_help())
            await context.bot.send_message(chat, messages.BLOCK_SEPARATOR.join(parts))
            self._processed(update)

    async def on_privacy(self, update: Update, context: Context) -> None:
        if await self._first_time(update):
            await context.bot.send_message(_chat(update), messages.privacy(self.retention.days))
            await context.bot.send_message(_chat(update), self._kept_about(_chat(update)))
            self._processed(update)

    def _kept_about(self, chat_id: int) -> str:
        """What is stored about this chat right now, so the user can see it."""
        key = chat_key(chat_id)
        data = self.store.load(key)
        answers = DialogueState.from_json(data, self.questions).answers if data else {}
        names = {aid.id: aid.name for aid in self.knowledge.catalogue.aids}
        reminders = [(names.get(r.aid_id, r.aid_id), r.deadline) for r in self.store.reminders(key)]
        request = waiting_request_of(self.store.engine, key)
        return messages.kept_about(
            render_answers(self.questions, answers, HTML) if answers else None,
            reminders,
            None if request is None else request.department,
        )

    async def on_unknown_command(self, update: Update, context: Context) -> None:
        if await self._first_time(update):
            await context.bot.send_message(_chat(update), messages.e(messages.UNKNOWN_COMMAND))
            self._processed(update)

    async def on_forget(self, update: Update, context: Context) -> None:
        key = chat_key(_chat(update))
        if (
            self.store.load(key) is None
            and not self.store.reminders(key)
            and self.store.draft(key) is None
            and waiting_request_of(self.store.engine, key) is None
        ):
            await context.bot.send_message(_chat(update), messages.e(messages.NOTHING_TO_FORGET))
            return
        await context.bot.send_message(
            _chat(update), messages.e(messages.FORGET_ASK), reply_markup=keyboards.forget_keyboard()
        )

    async def on_forget_button(self, update: Update, context: Context) -> None:
        """Erase everything kept about this chat. Nothing is recorded afterwards, not even
        this update's id: a second press finds nothing to erase."""
        query = _query(update)
        button = keyboards.decode(query.data, self.questions)
        assert isinstance(button, ForgetButton)
        key = chat_key(_chat(update))
        if button.confirm:
            reminders = [r.id for r in self.store.reminders(key) if r.id is not None]
            erased = self.store.forget(key)  # answers, reminders, a call-back being prepared
            erased = bool(delete_requests_of(self.store.engine, key)) or erased
            self.reminders.cancel(_job_queue(context), reminders)
            text = messages.FORGOTTEN if erased else messages.NOTHING_TO_FORGET
            _LOGGER.info("update %d: a user's data was erased", update.update_id)
        else:
            text = messages.FORGET_CANCELLED
        presenter = Presenter(context.bot, _chat(update), self.questions)
        message_id = _message_id(query)
        if message_id is not None:
            await presenter.edit(message_id, messages.e(text))
        else:
            await presenter.send(messages.e(text))
        await _answer(query, None)

    async def on_unknown_button(self, update: Update, context: Context) -> None:
        await self.on_dialogue_button(update, context)

    # -- dedup for updates that do not change the conversation ---------------------------------

    async def _first_time(self, update: Update) -> bool:
        if self.store.open_turn(chat_key(_chat(update)), update.update_id).seen:
            _LOGGER.info("update %d (%s) already processed", update.update_id, update_kind(update))
            await _answer(update.callback_query, None)
            return False
        return True

    def _processed(self, update: Update) -> None:
        self.store.mark_processed(chat_key(_chat(update)), update.update_id)

    # -- errors ------------------------------------------------------------------------------

    async def on_error(self, update: object, context: Context) -> None:
        """Classify, log without contents, and apologise when a person is waiting."""
        error = context.error
        where = (
            f"update {update.update_id} ({update_kind(update)})"
            if isinstance(update, Update)
            else "job"
            if context.job is not None
            else "background task"
        )
        match error:
            case Forbidden():
                _LOGGER.info("%s: the user blocked the bot", where)
                return
            case InvalidToken():
                _LOGGER.critical("%s: the bot token was refused", where)
                return
            case RetryAfter() | NetworkError() if not isinstance(error, BadRequest):
                _LOGGER.warning("%s: Bot API unreachable (%s)", where, type(error).__name__)
            case SQLAlchemyError():
                _LOGGER.error("%s: database error (%s)", where, type(error).__name__)
            case _:
                _LOGGER.error(
                    "%s: unexpected %s\n%s",
                    where,
                    type(error).__name__,
                    "".join(traceback.format_tb(error.__traceback__ if error else None)),
                )
        chat = chat_of(update)
        if chat is None or not isinstance(update, Update):
            return
        await _answer(update.callback_query, None)
        try:
            await context.bot.send_message(chat, messages.e(messages.APOLOGY))
        except (Forbidden, NetworkError, RetryAfter) as failure:
            _LOGGER.warning("%s: apology not sent (%s)", where, type(failure).__name__)


# -- small helpers -----------------------------------------------------------------------------


def _chat(update: Update) -> int:
    chat = chat_of(update)
    assert chat is not None, "handlers are registered for private chats only"
    return chat


def _query(update: Update) -> CallbackQuery:
    assert update.callback_query is not None
    return update.callback_query


def _message_id(query: CallbackQuery) -> int | None:
    return None if query.message is None else query.message.message_id


def _markup(query: CallbackQuery) -> Any:
    message = query.message
    return getattr(message, "reply_markup", None)  # absent on inaccessible (old) messages


def _job_queue(context: Context) -> JobQueue[Any]:
    assert context.job_queue is not None, "built with the job-queue extra"
    return context.job_queue


async def _answer(query: CallbackQuery | None, text: str | None) -> None:
    """Every pressed button gets an answer (it stops the spinner); a late one is harmless."""
    if query is None:
        return
    try:
        await query.answer(text=messages.toast(text) if text else None)
    except BadRequest as error:  # too old (e.g. pressed while the bot was stopped)
        _LOGGER.debug("callback answer skipped: %s", error.message)
