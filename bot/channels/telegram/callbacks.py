"""Call-back requests in Telegram: a person asks to be contacted by a local support worker.

After the final results: consent (what is shared, who sees it), then how to be contacted
(Telegram, phone or e-mail, typed and checked). Each step is stored (``ContactDraft``) before
replying, so a restart in the middle loses nothing. The request then reaches the workers
covering the person's département; one takes it (``/demandes`` or the button of the notice),
and the person is told who will contact them. Requests nobody takes in time are flagged to
the coordinators once, by a repeating job.

A thin adapter over ``bot.support.contact_requests``; logs never carry contact details.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ContextTypes, JobQueue

from bot.channels.telegram import keyboards, messages
from bot.channels.telegram.handlers import (
    TYPED_CONTACT_STEPS,
    Handlers,
    _answer,
    _chat,
    _query,
    chat_key,
)
from bot.channels.telegram.reminders import Clock
from bot.core.departments import DEPARTMENTS
from bot.core.dialogue import DialogueState
from bot.core.vocabulary import answers_from_json, answers_to_json, format_answers
from bot.settings import Settings
from bot.storage.models import ContactRequest, Worker
from bot.support.contact_requests import (
    METHOD_LABELS,
    ContactMethod,
    RequestError,
    create_request,
    mark_flagged,
    overdue_requests,
    parse_contact,
    queue_for,
    take_request,
    waiting_request_of,
)
from bot.support.workers import worker_for, workers_covering

_LOGGER = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
ALERT_JOB = "callback-alerts"
ALERT_EVERY = timedelta(minutes=15)
VIA = {"t": ContactMethod.TELEGRAM, "p": ContactMethod.PHONE, "e": ContactMethod.EMAIL}
TYPED_STEP = {ContactMethod.PHONE: "phone", ContactMethod.EMAIL: "email"}
STEP_METHOD = {step: method for method, step in TYPED_STEP.items()}
_PROMPTS = {
    "method": messages.CONTACT_HOW,
    "phone": messages.ASK_PHONE,
    "email": messages.ASK_EMAIL,
}


def department_label(code: str) -> str:
    department = DEPARTMENTS.get(code)
    return f"{department.name} ({code})" if department else code


def requester_chat(request: ContactRequest) -> int | None:
    prefix, _, chat = request.requester_key.partition(":")
    return int(chat) if prefix == "telegram" and chat.lstrip("-").isdigit() else None


class CallbackRequests:
    def __init__(self, handlers: Handlers, settings: Settings, clock: Clock) -> None:
        self.h = handlers
        self.store = handlers.store
        self.engine = handlers.store.engine
        self.settings = settings
        self.clock = clock

    # -- the person asking -------------------------------------------------------------------

    async def on_contact_button(self, update: Update, context: Context) -> None:
        query = _query(update)
        if not await self.h._first_time(update):
            return
        button = keyboards.decode(query.data, self.h.questions)
        assert isinstance(button, keyboards.ContactButton)
        chat = _chat(update)
        message_id = None if query.message is None else query.message.message_id
        match button.action:
            case "ask":
                await self._ask_consent(context.bot, chat)
            case "share":
                await self._consent(context.bot, chat, button.choice, message_id, query.data)
            case "via":
                await self._method(update, context.bot, chat, button.choice, message_id)
        await _answer(query, None)
        self.h._processed(update)

    async def _ask_consent(self, bot: Bot, chat: int) -> None:
        where = self.h.conversation_of(chat)
        if where.in_session:
            await bot.send_message(chat, messages.e(messages.CONTACT_IN_SESSION))
            return
        key = chat_key(chat)
        department = self._department(key)
        if department is None:
            await bot.send_message(chat, messages.e(messages.NEED_DEPARTMENT))
            return
        if waiting_request_of(self.engine, key) is not None:
            text = messages.refused(
                "vous avez déjà une demande en attente : un accompagnateur va la prendre en charge"
            )
            await bot.send_message(chat, text)
            return
        sent = await bot.send_message(
            chat,
            messages.consent(department_label(department)),
            reply_markup=keyboards.consent_keyboard(),
        )
        self.store.save_draft(key, "consent", message_id=sent.message_id)

    async def _consent(
        self, bot: Bot, chat: int, choice: str, message_id: int | None, data: str | None
    ) -> None:
        key = chat_key(chat)
        draft = self.store.draft(key)
        if draft is None or draft.step != "consent":
            await self._stale(bot, chat, message_id)
            return
        department = self._department(key) or ""
        prompt = messages.consent(department_label(department))
        if choice == "0":
            self.store.drop_draft(key)
            await self._settle(bot, chat, message_id, prompt, keyboards.CANCEL_LABEL)
            await bot.send_message(chat, messages.e(messages.CONTACT_CANCELLED))
            return
        label = keyboards.SHARE_ALL_LABEL if choice == "a" else keyboards.SHARE_DEPARTMENT_LABEL
        await self._settle(bot, chat, message_id, prompt, label)
        sent = await bot.send_message(
            chat, messages.e(messages.CONTACT_HOW), reply_markup=keyboards.contact_method_keyboard()
        )
        self.store.save_draft(
            key, "method", share_answers=choice == "a", message_id=sent.message_id
        )

    async def _method(
        self, update: Update, bot: Bot, chat: int, choice: str, message_id: int | None
    ) -> None:
        key = chat_key(chat)
        draft = self.store.draft(key)
        if draft is None or draft.step not in ("method", *TYPED_CONTACT_STEPS):
            await self._stale(bot, chat, message_id)
            return
        prompt = messages.e(_PROMPTS[draft.step])
        if choice == "0":
            self.store.drop_draft(key)
            await self._settle(bot, chat, message_id, prompt, keyboards.CANCEL_LABEL)
            await bot.send_message(chat, messages.e(messages.CONTACT_CANCELLED))
            return
        if draft.step != "method":  # a method button of the earlier message
            await self._stale(bot, chat, message_id)
            return
        method = VIA[choice]
        await self._settle(bot, chat, message_id, prompt, keyboards.VIA_LABELS[choice])
        if method is ContactMethod.TELEGRAM:
            user = update.effective_user
            username = f"@{user.username}" if user is not None and user.username else None
            await self._send_request(bot, chat, method, username, bool(draft.share_answers))
            return
        prompt = messages.ASK_PHONE if method is ContactMethod.PHONE else messages.ASK_EMAIL
        sent = await bot.send_message(
            chat, messages.e(prompt), reply_markup=keyboards.cancel_contact_keyboard()
        )
        self.store.save_draft(
            key, TYPED_STEP[method], share_answers=draft.share_answers, message_id=sent.message_id
        )

    async def on_typed(self, update: Update, bot: Bot, text: str) -> bool:
        """Typed text while a phone number or an e-mail address is expected: take it (and
        return True); otherwise leave it to the dialogue."""
        chat = _chat(update)
        key = chat_key(chat)
        draft = self.store.draft(key)
        if draft is None or draft.step not in STEP_METHOD:
            return False
        if not await self.h._first_time(update):
            return True
        method = STEP_METHOD[draft.step]
        contact = parse_contact(method, text)
        presenter = self.h.presenter(bot, self.h.conversation_of(chat))
        if draft.message_id is not None:
            await presenter.strip(draft.message_id)  # only the latest prompt offers « Annuler »
        if contact is None:
            bad = messages.BAD_PHONE if method is ContactMethod.PHONE else messages.BAD_EMAIL
            sent = await bot.send_message(
                chat, messages.e(bad), reply_markup=keyboards.cancel_contact_keyboard()
            )
            self.store.save_draft(
                key, draft.step, share_answers=draft.share_answers, message_id=sent.message_id
            )
            self.h._processed(update)
            return True
        await self._send_request(bot, chat, method, contact, bool(draft.share_answers))
        self.h._processed(update)
        return True

    async def _send_request(
        self, bot: Bot, chat: int, method: ContactMethod, contact: str | None, share: bool
    ) -> None:
        key = chat_key(chat)
        department = self._department(key)
        if department is None:  # the answer was changed in the meantime
            self.store.drop_draft(key)
            await bot.send_message(chat, messages.e(messages.NEED_DEPARTMENT))
            return
        answers = self._answers_json(key) if share else None
        try:
            request = create_request(self.engine, key, department, method, contact, answers)
        except RequestError as error:
            self.store.drop_draft(key)
            await bot.send_message(chat, messages.refused(str(error)))
            return
        self.store.drop_draft(key)
        _LOGGER.info("call-back request %s created", request.id)
        await bot.send_message(chat, messages.request_sent(department_label(department)))
        await self.notify_workers(bot, request)

    async def notify_workers(self, bot: Bot, request: ContactRequest) -> int:
        """Each worker covering the département gets the request with a button to take it;
        a worker who blocked the bot is skipped."""
        assert request.id is not None
        text = messages.new_request(
            request.id,
            department_label(request.department),
            METHOD_LABELS[ContactMethod(request.method)],
            request.shared_answers is not None,
        )
        sent = 0
        for worker in workers_covering(self.engine, request.department):
            if worker.telegram_id is None:
                continue
            try:
                await bot.send_message(
                    worker.telegram_id, text, reply_markup=keyboards.take_keyboard(request.id)
                )
                sent += 1
            except (Forbidden, BadRequest, NetworkError, RetryAfter) as error:
                _LOGGER.info("a worker was not notified (%s)", type(error).__name__)
        return sent

    # -- the workers -------------------------------------------------------------------------

    async def on_queue(self, update: Update, context: Context) -> None:
        if not await self.h._first_time(update):
            return
        worker = await self._worker(update, context.bot)
        if worker is not None:
            waiting = queue_for(self.engine, worker)
            if not waiting:
                await context.bot.send_message(_chat(update), messages.e(messages.NO_REQUESTS))
            else:
                codes = ", ".join(worker.department_codes())
                lines = [messages.queue_heading(codes)]
                for request in waiting[: keyboards.MAX_BUTTONS]:
                    assert request.id is not None
                    lines.append(
                        messages.queue_line(
                            request.id,
                            department_label(request.department),
                            request.created_at.date(),
                            METHOD_LABELS[ContactMethod(request.method)],
                            request.shared_answers is not None,
                        )
                    )
                ids = [r.id for r in waiting if r.id is not None]
                chunks = messages.split_blocks(["\n".join(lines)])
                for i, chunk in enumerate(chunks):
                    markup = keyboards.queue_keyboard(ids) if i == len(chunks) - 1 else None
                    await context.bot.send_message(_chat(update), chunk, reply_markup=markup)
        self.h._processed(update)

    async def on_take_button(self, update: Update, context: Context) -> None:
        query = _query(update)
        if not await self.h._first_time(update):
            return
        button = keyboards.decode(query.data, self.h.questions)
        assert isinstance(button, keyboards.TakeButton)
        worker = await self._worker(update, context.bot)
        if worker is not None and await self._take(context.bot, worker, button.request_id):
            if query.message is not None:  # its buttons are done with
                presenter = self.h.presenter(context.bot, self.h.conversation_of(_chat(update)))
                await presenter.strip(query.message.message_id)
        await _answer(query, None)
        self.h._processed(update)

    async def _take(self, bot: Bot, worker: Worker, request_id: int) -> bool:
        assert worker.telegram_id is not None
        try:
            request = take_request(self.engine, worker, request_id)
        except RequestError as error:
            await bot.send_message(worker.telegram_id, messages.refused(str(error)))
            return False
        _LOGGER.info("call-back request %d taken by worker %s", request_id, worker.id)
        method = ContactMethod(request.method)
        chat = requester_chat(request)
        blocks = [
            messages.request_taken_by_you(
                request_id,
                department_label(request.department),
                messages.contact_line(request.method, request.contact, chat),
            )
        ]
        blocks.extend(self._shared(request))
        for chunk in messages.split_blocks(blocks):
            await bot.send_message(worker.telegram_id, chunk)
        if chat is not None:
            label = METHOD_LABELS[method]
            text = messages.will_contact_you(worker.name, worker.organisation, label)
            try:
                await bot.send_message(chat, text)
            except (Forbidden, BadRequest, NetworkError) as error:
                _LOGGER.info("requester not told (%s)", type(error).__name__)
        return True

    def _shared(self, request: ContactRequest) -> list[str]:
        """What the person agreed to share: their answers and the aids they may get."""
        if request.shared_answers is None:
            return [messages.e("La structure a partagé seulement son département.")]
        answers = answers_from_json(request.answers(), self.h.questions)
        report = self.h.engine().report(answers)
        lines = [
            f"• {messages.e(label)} : {messages.e(value)}"
            for label, value in format_answers(self.h.questions, answers)
        ]
        blocks = ["<b>Réponses de la structure</b>\n" + "\n".join(lines)]
        eligible = [r.verdict.aid.name for r in report.eligible]
        to_confirm = [r.verdict.aid.name for r in report.to_confirm]
        if eligible:
            blocks.append(
                "<b>Aides accessibles</b>\n" + "\n".join(f"• {messages.e(n)}" for n in eligible)
            )
        if to_confirm:
            blocks.append(
                "<b>Aides à confirmer</b>\n" + "\n".join(f"• {messages.e(n)}" for n in to_confirm)
            )
        return blocks

    # -- coordinators: requests nobody took -----------------------------------------------------

    def schedule(self, job_queue: JobQueue[Any]) -> None:
        job_queue.run_repeating(
            self._alert_job, interval=ALERT_EVERY, first=timedelta(minutes=1), name=ALERT_JOB
        )

    async def _alert_job(self, context: Context) -> None:
        await self.flag_overdue(context.bot)

    async def flag_overdue(self, bot: Bot) -> int:
        """Tell the coordinators, once, of the requests waiting longer than the setting."""
        hours = self.settings.callback_alert_hours
        overdue = overdue_requests(self.engine, timedelta(hours=hours), now=self.clock())
        if not overdue:
            return 0
        if not self.settings.admin_ids:
            _LOGGER.warning("%d call-back requests overdue, and no coordinator", len(overdue))
            return 0
        lines = [
            messages.overdue_line(r.id, department_label(r.department), r.created_at.date())
            for r in overdue
            if r.id is not None
        ]
        delivered = False
        for chunk in messages.split_blocks([messages.overdue_alert(hours, lines)]):
            for admin in sorted(self.settings.admin_ids):
                try:
                    await bot.send_message(admin, chunk)
                    delivered = True
                except (Forbidden, BadRequest) as error:
                    _LOGGER.info("a coordinator was not alerted (%s)", type(error).__name__)
        if delivered:
            mark_flagged(self.engine, [r.id for r in overdue if r.id is not None])
        return len(overdue) if delivered else 0

    # -- helpers -----------------------------------------------------------------------------

    async def _worker(self, update: Update, bot: Bot) -> Worker | None:
        worker = worker_for(self.engine, _chat(update))
        if worker is None:
            await bot.send_message(_chat(update), messages.e(messages.WORKERS_ONLY))
        return worker

    def _state(self, key: str) -> DialogueState | None:
        data = self.store.load(key)
        if data is None:
            return None
        try:
            return DialogueState.from_json(data, self.h.questions)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def _department(self, key: str) -> str | None:
        state = self._state(key)
        department = None if state is None else state.answers.get("department")
        return department if isinstance(department, str) else None

    def _answers_json(self, key: str) -> dict[str, Any]:
        state = self._state(key)
        return {} if state is None else answers_to_json(state.answers)

    async def _settle(
        self, bot: Bot, chat: int, message_id: int | None, text: str, label: str
    ) -> None:
        """The prompt whose button was pressed keeps the choice and loses its buttons."""
        if message_id is None:
            return
        presenter = self.h.presenter(bot, self.h.conversation_of(chat))
        await presenter.edit(message_id, messages.chosen(text, label))

    async def _stale(self, bot: Bot, chat: int, message_id: int | None) -> None:
        if message_id is not None:
            await self.h.presenter(bot, self.h.conversation_of(chat)).strip(message_id)
        await bot.send_message(chat, messages.e(messages.CONTACT_STALE))
