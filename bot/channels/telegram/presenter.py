"""Shows the dialogue engine's outputs in a Telegram chat.

The chat should read as a clean transcript: only the latest question carries live buttons.
When a question is answered, its message is edited to show the answer given (whether it was
tapped or typed); a multiple-choice question is updated in place as choices are ticked; a
question left behind (back, change, re-prompt) loses its buttons. Which message carries the
live buttons is part of the stored ``View`` so this holds across restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, InvalidToken

from bot.channels.telegram import keyboards, messages
from bot.channels.telegram.keyboards import MENU_TAG, OFFER_TAG
from bot.core.dialogue import (
    Acknowledge,
    Ask,
    ChooseAnswer,
    Notice,
    OfferRefine,
    ShowReport,
    Step,
)
from bot.core.render import HTML, render_report
from bot.core.results import Report
from bot.core.vocabulary import Question
from bot.storage.store import View

_LOGGER = logging.getLogger(__name__)

# The text of an interactive message once one of its buttons was pressed.
_SETTLED_TEXT = {OFFER_TAG: messages.OFFER_SHORT, MENU_TAG: messages.CHANGE_MENU}


@dataclass(frozen=True)
class Origin:
    """Where an update came from: a typed message (all None) or a pressed button."""

    message_id: int | None = None  # the bot message whose button was pressed
    tag: str | None = None  # what that message is about (see keyboards.DialogueButton.tag)
    label: str | None = None  # the text of the pressed button


@dataclass
class Shown:
    view: View  # the message with live buttons after this step
    toast: str | None  # a short text for the callback-query answer


class Presenter:
    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        questions: Mapping[str, Question],
        *,
        header: str | None = None,
        offer_callback: bool = False,
    ) -> None:
        """``header``: a line put above every message (which guided session it is for);
        ``offer_callback``: final results offer to be contacted by a support worker."""
        self.bot = bot
        self.chat_id = chat_id
        self.questions = questions
        self.header = header
        self.offer_callback = offer_callback
        room = messages.text_length(header) + 1 if header else 0
        self.limit = messages.MAX_TEXT - room

    async def show(
        self, step: Step, origin: Origin, view: View, *, repeat: bool | None = None
    ) -> Shown:
        """``repeat``: results shown again unchanged (a stale tap, a sticker, /start) come
        briefly; by default, when the step changed nothing."""
        brief = not step.changed if repeat is None else repeat
        settled: set[int] = set()  # messages already given their final form in this step
        notices: list[str] = []
        toast: str | None = None
        live = view  # the message carrying live buttons

        def interactive(tag: str) -> int | None:
            if origin.message_id is not None and origin.tag == tag:
                return origin.message_id
            if live.message_id is not None and live.tag == tag:
                return live.message_id
            return None

        async def retire() -> None:
            """Before new buttons appear, the previous ones go."""
            if live.message_id is not None and live.message_id not in settled:
                await self.strip(live.message_id)
                settled.add(live.message_id)

        def take_notices() -> str:
            text = messages.BLOCK_SEPARATOR.join(notices)
            notices.clear()
            return text

        if origin.message_id is not None and step.changed and origin.label:
            settled_text = _SETTLED_TEXT.get(origin.tag or "")
            if settled_text is not None:  # « Oui, continuer », a menu choice: keep the choice
                chosen = messages.chosen(messages.e(settled_text), origin.label)
                await self.edit(origin.message_id, chosen)
                settled.add(origin.message_id)

        for output in step.outputs:
            match output:
                case Acknowledge(question, value):
                    target = interactive(question.id)
                    if target is not None and target not in settled:
                        order = step.state.order
                        number = order.index(question.id) + 1 if question.id in order else None
                        await self.edit(target, messages.transcript(question, number, value))
                        settled.add(target)
                case Notice(text):
                    notices.append(messages.e(text))
                case Ask() as ask:
                    qid = ask.question.id
                    if (
                        origin.message_id is not None
                        and origin.message_id == live.message_id
                        and origin.tag == qid
                        and origin.message_id not in settled
                    ):
                        # A toggle, or a second tap on the current question: update in place.
                        markup = keyboards.question_keyboard(ask)
                        await self.edit(origin.message_id, messages.question(ask), markup)
                        settled.add(origin.message_id)
                        if notices:
                            toast = messages.toast(take_notices())
                        live = View(origin.message_id, qid)
                        continue
                    await retire()
                    text = _joined(take_notices(), messages.question(ask))
                    message_id = await self.send(text, keyboards.question_keyboard(ask))
                    live = View(message_id, qid)
                case ShowReport(report, final, _):
                    await retire()
                    blocks = report_blocks(report, final, brief=brief)
                    prefix = take_notices()
                    chunks = messages.split_blocks(
                        [prefix, *blocks] if prefix else blocks, self.limit
                    )
                    markup = keyboards.results_keyboard(
                        report, step.state.revision, final=final, callback=self.offer_callback
                    )
                    for i, chunk in enumerate(chunks):
                        await self.send(chunk, markup if i == len(chunks) - 1 else None)
                    live = View()
                case OfferRefine(more, revision):
                    await retire()
                    text = _joined(take_notices(), messages.e(messages.offer(more)))
                    message_id = await self.send(text, keyboards.refine_keyboard(revision))
                    live = View(message_id, OFFER_TAG)
                case ChooseAnswer(items):
                    await retire()
                    text = _joined(take_notices(), messages.e(messages.CHANGE_MENU))
                    markup = keyboards.change_keyboard(items, step.state.revision)
                    message_id = await self.send(text, markup)
                    live = View(message_id, MENU_TAG)
        if notices:
            await self.send(take_notices())
        if (
            origin.message_id is not None
            and origin.message_id not in settled
            and origin.message_id != live.message_id
            and origin.tag != keyboards.RESULTS_TAG
        ):
            await self.strip(origin.message_id)  # a button of an old message: it is stale
        return Shown(live, toast)

    # -- Bot API calls -----------------------------------------------------------------------

    def _headed(self, text: str) -> str:
        return f"{self.header}\n{text}" if self.header else text

    async def send(self, text: str, markup: InlineKeyboardMarkup | None = None) -> int:
        message = await self.bot.send_message(self.chat_id, self._headed(text), reply_markup=markup)
        return message.message_id

    async def edit(
        self, message_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        try:
            await self.bot.edit_message_text(
                self._headed(text), chat_id=self.chat_id, message_id=message_id, reply_markup=markup
            )
        except BadRequest as error:  # not modified, too old, deleted: nothing to fix
            _LOGGER.debug("edit skipped: %s", error.message)

    async def strip(self, message_id: int) -> None:
        try:
            await self.bot.edit_message_reply_markup(
                chat_id=self.chat_id, message_id=message_id, reply_markup=None
            )
        except (BadRequest, InvalidToken) as error:
            # Cosmetic, it never fails a turn. A Bot API server without this method answers
            # 404, which PTB reports as InvalidToken (a bad token fails the next send anyway).
            _LOGGER.debug("keyboard removal skipped: %s", error.message)


def report_blocks(report: Report, final: bool, *, brief: bool = False) -> list[str]:
    """On a phone, the aids a person can act on (eligible, near misses, to confirm); the
    closed and inaccessible ones are counted, and detailed in the summary document.
    ``brief``: only the heading and the counts (the aids' buttons come with it)."""
    shown = {r.id for r in keyboards.actionable(report)}
    focus = replace(report, results=tuple(r for r in report.results if r.id in shown))
    blocks = render_report(focus, HTML, detailed=False, final=final)
    if brief:
        return [blocks[0], messages.e(messages.RESULTS_BRIEF)]
    others = len(report.results) - len(shown)
    if others:
        blocks.append(messages.e(messages.others_in_summary(others)))
    return blocks


def _joined(*parts: str) -> str:
    return messages.BLOCK_SEPARATOR.join(p for p in parts if p)
