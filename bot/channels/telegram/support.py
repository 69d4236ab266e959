"""The Telegram callbacks of support workers and coordinators.

Workers register with an invitation code, run guided sessions for member structures (the
dialogue inputs of their chat then act on the session, see ``Handlers.conversation_of``),
add notes, switch sessions, get the written summary and hand a session over with a one-time
code. Coordinators (``AIDESS_ADMIN_IDS``) reload the catalogue and read anonymous figures.

A thin adapter: who may do what, and what each step means, is decided by the support network
(``bot.support``) and ``bot.knowledge``; here updates become calls and replies.
Each refusal is a French sentence; nothing personal is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import ContextTypes

from bot.channels.telegram import keyboards, messages
from bot.channels.telegram.handlers import Handlers, Where, _answer, _chat, _query, chat_key
from bot.core.departments import DEPARTMENTS
from bot.core.dialogue import Start
from bot.core.yamlsource import SourceError
from bot.settings import Settings
from bot.storage.models import Worker
from bot.storage.store import View
from bot.support.codes import normalize_code
from bot.support.guided import (
    SessionError,
    add_note,
    create_handover,
    focus,
    redeem_handover,
    sessions_of,
    start_session,
    with_owner,
)
from bot.support.stats import compute_stats, render_stats
from bot.support.workers import WorkerError, list_workers, redeem_invitation, worker_for

_LOGGER = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
MAX_LABEL = 48  # characters of a structure's name on a button
CODE_LENGTH = 8


def department_names(codes: list[str]) -> list[str]:
    return [f"{DEPARTMENTS[c].name} ({c})" if c in DEPARTMENTS else c for c in codes]


def argument(update: Update) -> str:
    """The text after the command (``/note Trésorier à rappeler`` → ``Trésorier à rappeler``)."""
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


class SupportHandlers:
    def __init__(self, handlers: Handlers, settings: Settings) -> None:
        self.h = handlers
        self.settings = settings
        self.engine = handlers.store.engine

    # -- roles -------------------------------------------------------------------------------

    async def _worker(self, update: Update, bot: Bot) -> Worker | None:
        """The worker behind this update; a member gets a friendly refusal (and None)."""
        worker = worker_for(self.engine, _chat(update))
        if worker is None:
            await self._reply(update, bot, messages.e(messages.WORKERS_ONLY))
        return worker

    async def _admin(self, update: Update, bot: Bot) -> bool:
        if _chat(update) in self.settings.admin_ids:
            return True
        await self._reply(update, bot, messages.e(messages.ADMINS_ONLY))
        return False

    async def _reply(self, update: Update, bot: Bot, text: str, markup: Any = None) -> None:
        """To a command: a message; to a button: its answer (a toast) and a message."""
        await _answer(update.callback_query, None)
        await bot.send_message(_chat(update), text, reply_markup=markup)

    # -- registration ------------------------------------------------------------------------

    async def on_register(self, update: Update, context: Context) -> None:
        if not await self.h._first_time(update):
            return
        code = argument(update)
        if not code:
            await self._reply(update, context.bot, messages.e(messages.INVITATION_MISSING))
        else:
            try:
                worker = redeem_invitation(self.engine, code, _chat(update))
            except WorkerError as error:
                await self._reply(update, context.bot, messages.refused(str(error)))
            else:
                _LOGGER.info("worker %s registered from Telegram", worker.id)
                names = department_names(worker.department_codes())
                text = messages.registered(worker.name, worker.organisation, names)
                await self._reply(update, context.bot, text)
                await self.set_commands(context.bot, worker.telegram_id)
        self.h._processed(update)

    async def set_commands(self, bot: Bot, chat_id: int | None) -> None:
        """The Telegram menu of one worker or coordinator: the public commands and theirs."""
        if chat_id is None:
            return
        commands = list(messages.COMMANDS)
        if worker_for(self.engine, chat_id) is not None:
            commands += messages.WORKER_COMMANDS
        if chat_id in self.settings.admin_ids:
            commands += messages.ADMIN_COMMANDS
        try:
            await bot.set_my_commands(
                [BotCommand(c, d) for c, d in commands], scope=BotCommandScopeChat(chat_id)
            )
        except (BadRequest, Forbidden, NetworkError) as error:  # a chat never opened, etc.
            _LOGGER.info("commands of one chat not set (%s)", type(error).__name__)

    async def set_all_commands(self, bot: Bot) -> None:
        chats = {w.telegram_id for w in list_workers(self.engine) if w.telegram_id is not None}
        for chat_id in sorted(chats | set(self.settings.admin_ids)):
            await self.set_commands(bot, chat_id)

    # -- guided sessions ---------------------------------------------------------------------

    async def on_new_session(self, update: Update, context: Context) -> None:
        if not await self.h._first_time(update):
            return
        worker = await self._worker(update, context.bot)
        if worker is None or worker.id is None:
            self.h._processed(update)
            return
        before = self.h.conversation_of(_chat(update))
        try:
            guided = start_session(self.engine, worker.id, argument(update))
        except SessionError as error:
            await self._reply(update, context.bot, messages.refused(str(error)))
            self.h._processed(update)
            return
        await self._switched(
            update, context.bot, before, messages.session_started(guided.structure_name)
        )

    async def on_sessions(self, update: Update, context: Context) -> None:
        if not await self.h._first_time(update):
            return
        worker = await self._worker(update, context.bot)
        if worker is not None and worker.id is not None:
            sessions = sessions_of(self.engine, worker.id)
            if not sessions:
                await self._reply(update, context.bot, messages.e(messages.NO_SESSIONS))
            else:
                current = self.h.conversation_of(_chat(update)).session_id
                lines = [messages.SESSIONS_HEADING]
                buttons: list[tuple[int, str]] = []
                for guided in reversed(sessions):  # the newest first
                    assert guided.id is not None
                    lines.append(
                        messages.session_line(
                            guided.id,
                            guided.structure_name,
                            guided.created_at.date(),
                            guided.handed_over_at is not None,
                        )
                    )
                    buttons.append((guided.id, _label(guided.id, guided.structure_name)))
                chunks = messages.split_blocks(["\n".join(lines)])
                markup = keyboards.sessions_keyboard(buttons, current)
                for i, chunk in enumerate(chunks):
                    last = i == len(chunks) - 1
                    await self._reply(update, context.bot, chunk, markup if last else None)
        self.h._processed(update)

    async def on_switch_button(self, update: Update, context: Context) -> None:
        query = _query(update)
        if not await self.h._first_time(update):
            return
        button = keyboards.decode(query.data, self.h.questions)
        assert isinstance(button, keyboards.SwitchButton)
        worker = await self._worker(update, context.bot)
        if worker is None or worker.id is None:
            self.h._processed(update)
            return
        before = self.h.conversation_of(_chat(update))
        try:
            focus(self.engine, worker.id, button.session_id)
        except SessionError as error:
            _LOGGER.info("update %d: a worker was refused a session", update.update_id)
            await self._reply(update, context.bot, messages.refused(str(error)))
            self.h._processed(update)
            return
        after = self.h.conversation_of(_chat(update))
        notice = (
            messages.BACK_TO_OWN
            if after.structure is None
            else messages.session_switched(after.structure)
        )
        await self._switched(update, context.bot, before, notice)

    async def _switched(self, update: Update, bot: Bot, before: Where, notice: str) -> None:
        """After a change of conversation: the previous one's buttons go (they would act on
        the new one), and the new one shows where it stands."""
        view = self.h.store.open_turn(before.key, None).view
        if view.message_id is not None:
            await self.h.presenter(bot, before).strip(view.message_id)
            self.h.store.finish_turn(before.key, None, View(), record=False)
        await _answer(update.callback_query, None)
        await bot.send_message(_chat(update), notice)
        await self.h._turn(update, bot, Start())

    async def on_note(self, update: Update, context: Context) -> None:
        def note(worker_id: int, session_id: int, structure: str) -> str:
            add_note(self.engine, worker_id, session_id, argument(update))
            return messages.note_added(structure)

        await self._on_focused_session(update, context, note)

    async def on_handover(self, update: Update, context: Context) -> None:
        def handover(worker_id: int, session_id: int, structure: str) -> str:
            code = create_handover(self.engine, worker_id, session_id)
            return messages.handover_code(structure, code, context.bot.username)

        await self._on_focused_session(update, context, handover)

    async def _on_focused_session(
        self, update: Update, context: Context, act: Callable[[int, int, str], str]
    ) -> None:
        """A worker's command on the session they are answering for; the reply is ``act``'s."""
        if not await self.h._first_time(update):
            return
        worker = await self._worker(update, context.bot)
        where = self.h.conversation_of(_chat(update))
        if worker is not None and worker.id is not None:
            if where.session_id is None or where.structure is None:
                reply = messages.e(messages.NEED_SESSION)
            else:
                try:
                    reply = act(worker.id, where.session_id, where.structure)
                except SessionError as error:
                    reply = messages.refused(str(error))
            await self._reply(update, context.bot, reply)
        self.h._processed(update)

    async def on_code(self, update: Update, context: Context) -> None:
        if not await self.h._first_time(update):
            return
        code = argument(update)
        if not code:
            await self._reply(update, context.bot, messages.e(messages.CODE_MISSING))
            self.h._processed(update)
            return
        await self.redeem(update, context.bot, code)

    def is_code(self, text: str) -> bool:
        """A ``/start`` payload that is a handover code (``t.me/bot?start=ABCD-EFGH``)."""
        return len(normalize_code(text)) == CODE_LENGTH and len(text.replace("-", "")) == 8

    async def redeem(self, update: Update, bot: Bot, code: str) -> None:
        """The member takes over a session: its answers become theirs, and the diagnostic goes
        on where the worker left it."""
        chat = _chat(update)
        try:
            guided = redeem_handover(self.engine, code, chat_key(chat))
        except SessionError as error:
            await self._reply(update, bot, messages.refused(str(error)))
            self.h._processed(update)
            return
        _LOGGER.info("update %d: a guided session was handed over", update.update_id)
        await self.h._turn(update, bot, Start(), notice=messages.handed_over(guided.structure_name))
        assert guided.id is not None
        found = with_owner(self.engine, guided.id)
        if found is not None and found[1].telegram_id is not None and found[1].telegram_id != chat:
            try:
                await bot.send_message(
                    found[1].telegram_id, messages.taken_over(guided.structure_name)
                )
            except (Forbidden, BadRequest, NetworkError) as error:
                _LOGGER.info("handover notice not sent (%s)", type(error).__name__)

    async def on_summary(self, update: Update, context: Context) -> None:
        """/synthese: the summary of the session open, or of one's own diagnostic."""
        if not await self.h._first_time(update):
            return
        await self.h.send_summary(context.bot, self.h.conversation_of(_chat(update)))
        self.h._processed(update)

    # -- coordinators ------------------------------------------------------------------------

    async def on_reload(self, update: Update, context: Context) -> None:
        if not await self.h._first_time(update):
            return
        if await self._admin(update, context.bot):
            before = len(self.h.knowledge.catalogue.aids)
            try:
                knowledge = self.h.holder.reload(
                    self.settings.catalogue_path,
                    self.settings.diagnostic_path,
                    check=lambda k: keyboards.check_fits(k.dialogue.questions.values()),
                )
            except SourceError as error:
                _LOGGER.warning("catalogue reload refused: %d problems", len(error.problems))
                problems = [str(p) for p in error.problems]
                for chunk in messages.split_blocks(messages.reload_failed(before, problems)):
                    await self._reply(update, context.bot, chunk)
            except ValueError as error:  # buttons that cannot fit Telegram's limits
                _LOGGER.warning("catalogue reload refused: %s", type(error).__name__)
                blocks = messages.reload_failed(before, [str(error)])
                for chunk in messages.split_blocks(blocks):
                    await self._reply(update, context.bot, chunk)
            else:
                aids = len(knowledge.catalogue.aids)
                _LOGGER.info("catalogue reloaded: %d aids", aids)
                await self._reply(update, context.bot, messages.reloaded(aids))
        self.h._processed(update)

    async def on_stats(self, update: Update, context: Context) -> None:
        if not await self.h._first_time(update):
            return
        if await self._admin(update, context.bot):
            knowledge = self.h.knowledge
            text = render_stats(compute_stats(self.engine, knowledge, self.h.today()), knowledge)
            blocks = [messages.e(block) for block in text.split("\n\n")]
            for chunk in messages.split_blocks(blocks):
                await self._reply(update, context.bot, chunk)
        self.h._processed(update)


def _label(session_id: int, structure: str) -> str:
    name = structure if len(structure) <= MAX_LABEL else structure[: MAX_LABEL - 1] + "…"
    return f"{session_id}. {name}"
