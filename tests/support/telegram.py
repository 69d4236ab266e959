"""Helpers for end-to-end tests of the Telegram bot against ``FakeBotApi``.

``BotHarness`` builds the bot with the production factory (``build_application``) and starts
it with the production ``running()`` (real PTB polling over HTTP on loopback, real SQLite);
``Person`` plays a volunteer on a phone: reads the bot's messages, taps buttons by their label
or types answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser
from typing import Any

from bot.channels.telegram.app import AnyApplication, Polling, build_application, running
from bot.channels.telegram.network import ResilientRateLimiter
from bot.core.departments import DEPARTMENTS
from bot.core.dialogue import DialogueState
from bot.core.vocabulary import AnswerValue, Question, QuestionType
from bot.knowledge import Knowledge
from bot.settings import Settings
from bot.storage.store import Store
from tests.support.botapi import DELIVERY_METHODS, FakeBotApi, SentMessage

TOKEN = "123:ABC"
UNKNOWN = "Je ne sais pas"


class Clock:
    """The reminders' notion of now, set by the test."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class BotHarness:
    api: FakeBotApi
    database_url: str
    knowledge: Knowledge
    as_of: date
    clock: Clock = None  # type: ignore[assignment]  # noon on ``as_of`` unless given
    env: dict[str, str] = field(default_factory=dict)  # more settings (admins, catalogue…)
    app: AnyApplication | None = None
    _stack: contextlib.AsyncExitStack | None = None
    _store: Store | None = None

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = Clock(datetime.combine(self.as_of, time(12), UTC))

    def settings(self) -> Settings:
        return Settings.from_env(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": self.api.base_url,
                "DATABASE_URL": self.database_url,
                **self.env,
            }
        )

    async def start(self, **options: Any) -> AnyApplication:
        assert self.app is None, "already running"
        self._store = Store.from_url(self.database_url)
        options.setdefault(
            "rate_limiter", ResilientRateLimiter(overall_max_rate=0, first_pause=0.05)
        )
        self.app = build_application(
            self.settings(),
            self.knowledge,
            self._store,
            as_of=self.as_of,
            clock=self.clock,
            **options,
        )
        self._stack = contextlib.AsyncExitStack()
        await self._stack.enter_async_context(running(self.app, Polling(timeout=1)))
        return self.app

    async def __aenter__(self) -> BotHarness:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
        if self._store is not None:
            self._store.engine.dispose()
        self.app, self._stack, self._store = None, None, None

    async def restart(self) -> AnyApplication:
        await self.stop()
        return await self.start()

    async def idle(self, timeout: float = 10) -> None:
        """Wait until every pushed update was fetched and fully handled."""
        assert self.app is not None
        await self.api.wait_for(lambda: self.api.pending_updates == 0, timeout, what="fetched")
        await asyncio.wait_for(self.app.update_queue.join(), timeout)

    def store(self) -> Store:
        """A separate connection, as another process would read the database."""
        return Store.from_url(self.database_url)

    def person(self, user_id: int) -> Person:
        return Person(self.api, user_id, self.knowledge.dialogue.questions, self.idle)

    def answers(self, key: str) -> dict[str, AnswerValue]:
        """The answers stored under a conversation key, read back as the bot would."""
        data = self.store().load(key)
        assert data is not None, f"nothing stored under {key}"
        return dict(DialogueState.from_json(data, self.knowledge.dialogue.questions).answers)


# -- a person on a phone -----------------------------------------------------------------------


@dataclass
class Person:
    api: FakeBotApi
    user_id: int
    questions: Mapping[str, Question]
    settle: Callable[[], Awaitable[None]]  # waits until the bot has answered
    asked: list[str] = field(default_factory=list)

    # -- reading ---------------------------------------------------------------------------

    def messages(self) -> list[SentMessage]:
        return self.api.messages_for(self.user_id)

    def texts(self) -> list[str]:
        return [m.text or m.caption or "" for m in self.messages()]

    def live(self) -> SentMessage | None:
        """The latest message showing buttons."""
        return next((m for m in reversed(self.messages()) if m.button_texts), None)

    def question(self) -> Question | None:
        """The question waiting for an answer (its message has « Je ne sais pas »)."""
        live = self.live()
        if live is None or UNKNOWN not in live.button_texts:
            return None
        return question_in(live.text or "", self.questions)

    def delivered(self) -> int:
        return len(self.api.sent_to(self.user_id, DELIVERY_METHODS))

    # -- acting ----------------------------------------------------------------------------

    async def say(self, text: str) -> None:
        self.api.push_text(self.user_id, text)
        await self.settle()

    async def tap(self, label: str, message: SentMessage | None = None) -> None:
        message = message or self.live()
        assert message is not None, "no buttons to tap"
        assert label in message.button_texts, f"no button {label!r} in {message.button_texts}"
        data = message.button_data[message.button_texts.index(label)]
        assert message.message_id is not None
        self.api.push_callback(self.user_id, message.message_id, data)
        await self.settle()

    async def answer(self, question: Question, value: AnswerValue, *, by: str) -> None:
        self.asked.append(question.id)
        if by == "text" or (by == "buttons" and not has_buttons(question, value)):
            await self.say(typed(question, value))
            return
        if value is None:
            await self.tap(UNKNOWN)
        elif question.type is QuestionType.YESNO:
            await self.tap("Oui" if value else "Non")
        elif question.type is QuestionType.CHOICE:
            assert isinstance(value, str)
            await self.tap(question.choice_label(value))
        else:
            assert isinstance(value, tuple)
            for choice in value:
                await self.tap(question.choice_label(choice))
            await self.tap("Valider" if value else "Aucun")

    async def converse(
        self, profile: Mapping[str, AnswerValue], *, by: str, refine: bool = True
    ) -> None:
        """Answer every question from ``profile`` (absent ids: « je ne sais pas »)."""
        for _ in range(40):
            question = self.question()
            if question is None:
                live = self.live()
                if live is not None and "Oui, continuer" in live.button_texts:
                    if by == "text":
                        await self.say("oui" if refine else "non")
                    else:
                        await self.tap("Oui, continuer" if refine else "Non, voir le résultat")
                    continue
                return
            await self.answer(question, profile.get(question.id), by=by)
        raise AssertionError("the conversation does not end")

    # -- results -----------------------------------------------------------------------------

    def results(self) -> dict[str, list[str]]:
        """The last results shown: section heading → aid names, in order."""
        texts = self.texts()
        start = max(i for i, t in enumerate(texts) if "Vos résultats" in t or "premiers résul" in t)
        blocks = "\n\n".join(texts[start:]).split("\n\n")
        sections: dict[str, list[str]] = {}
        current = ""
        for block in blocks:
            heading = re.match(r"<b>(\S+) ([^<(]+) \(\d+\)</b>$", block)
            if heading:
                current = heading.group(1)
                sections[current] = []
                continue
            name = re.match(r"• <b>(.+?)</b>", block)
            if name and current:
                sections[current].append(html.unescape(name.group(1)))
        return sections


def question_in(text: str, questions: Mapping[str, Question]) -> Question | None:
    for question in questions.values():
        if re.search(rf"Question \d+\. {re.escape(html.escape(question.text, quote=False))}", text):
            return question
    return None


def has_buttons(question: Question, value: AnswerValue) -> bool:
    choosable = {QuestionType.CHOICE, QuestionType.MULTI, QuestionType.YESNO}
    return value is None or question.type in choosable


def typed(question: Question, value: AnswerValue) -> str:
    """How a person would type this answer."""
    if value is None:
        return "je ne sais pas"
    match question.type:
        case QuestionType.YESNO:
            return "oui" if value else "non"
        case QuestionType.CHOICE:
            assert isinstance(value, str)
            return question.choice_label(value)
        case QuestionType.MULTI:
            assert isinstance(value, tuple)
            return ", ".join(value) if value else "aucun"
        case QuestionType.DEPARTMENT:
            assert isinstance(value, str)
            return DEPARTMENTS[value].name
        case QuestionType.PERCENT:
            return f"{value} %"
    return str(value)


# -- Telegram's HTML ---------------------------------------------------------------------------

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre"}
_BAD_ENTITY = re.compile(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> not supported by Telegram")
        if tag == "a" and not any(k == "href" for k, _ in attrs):
            self.problems.append("<a> without href")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"}:
            self.problems.append(f"entity &{name}; not supported")


def html_problems(text: str) -> list[str]:
    """Why Telegram would refuse this text in HTML parse mode (empty when fine)."""
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    problems = parser.problems + [f"unclosed <{t}>" for t in parser.stack]
    if _BAD_ENTITY.search(text):
        problems.append("bare & (write &amp;)")
    if re.search(r"<(?!/?[a-z]+[\s>])", text):
        problems.append("bare < (write &lt;)")
    return problems
