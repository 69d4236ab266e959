"""``python -m bot telegram`` as a real process, killed with SIGKILL mid-conversation and
started again: the conversation goes on and no answer is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import pytest_asyncio

from bot.channels.telegram.handlers import chat_key
from bot.core.dialogue import DialogueState
from bot.core.vocabulary import AnswerValue
from bot.knowledge import Knowledge
from bot.settings import PROJECT_ROOT
from bot.storage.store import Store
from tests.support.botapi import FakeBotApi
from tests.support.telegram import TOKEN, Person

USER = 42
AS_OF = "2021-03-15"


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


class BotProcess:
    def __init__(self, api: FakeBotApi, tmp_path: Path) -> None:
        self.database_url = f"sqlite:///{tmp_path / 'bot.db'}"
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "DATABASE_URL": self.database_url,
        }
        self.log = tmp_path / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "telegram", "--as-of", AS_OF],
                env=self.env,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL
        self.process = None

    async def stop(self) -> int:
        """SIGTERM, waiting without blocking the loop: the stand-in must go on answering."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        for _ in range(300):
            if (code := self.process.poll()) is not None:
                self.process = None
                return code
            await asyncio.sleep(0.05)
        raise TimeoutError("the bot did not stop")

    def answers(self, knowledge: Knowledge) -> dict[str, AnswerValue]:
        store = Store.from_url(self.database_url)
        try:
            data = store.load(chat_key(USER))
        finally:
            store.engine.dispose()
        assert data is not None
        return dict(DialogueState.from_json(data, knowledge.dialogue.questions).answers)


@contextmanager
def bot_process(api: FakeBotApi, tmp_path: Path) -> Iterator[BotProcess]:
    bot = BotProcess(api, tmp_path)
    try:
        yield bot
    finally:
        if bot.process is not None:
            bot.process.kill()
            bot.process.wait(timeout=10)


def settled(api: FakeBotApi) -> object:
    async def wait() -> None:
        """Until the update was fetched and the bot has been quiet for a moment."""
        await api.wait_for(lambda: api.pending_updates == 0, timeout=20, what="fetched")
        last = -1
        while (count := len(api.sent) + len(api.callback_answers)) != last:
            last = count
            await asyncio.sleep(0.2)

    return wait


@pytest.mark.asyncio
async def test_kill_9_mid_conversation_then_restart_loses_no_answer(
    api: FakeBotApi, tmp_path: Path, knowledge: Knowledge
) -> None:
    user = Person(api, USER, knowledge.dialogue.questions, settled(api))  # type: ignore[arg-type]
    with bot_process(api, tmp_path) as bot:
        bot.start()
        await api.wait_for(lambda: bool(api.commands), timeout=20, what="bot started")
        await user.say("/start")
        await user.tap("Association")
        await user.say("Nord")
        assert bot.answers(knowledge) == {"legal_form": "association", "department": "59"}

        # 1. Killed while waiting; the person answers while the bot is down.
        bot.kill()
        question = user.question()
        assert question is not None and question.id == "employees"
        api.push_text(USER, "3 salariés")
        bot.start()
        await api.wait_for(lambda: user.question() not in (None, question), timeout=20)
        assert bot.answers(knowledge) == {
            "legal_form": "association",
            "department": "59",
            "employees": 3,
        }

        # 2. Killed after saving an answer and before the reply got through (the Bot API
        #    answers 502 to the first attempts): the restarted bot sends the reply.
        question = user.question()
        assert question is not None and question.type == "yesno"
        api.fail_next("sendMessage", 502, times=3)
        failures = len([c for c in api.calls_of("sendMessage") if c.status == 502])
        user_tap = user.tap("Oui")
        tap = asyncio.create_task(user_tap)  # type: ignore[arg-type]
        await api.wait_for(
            lambda: len([c for c in api.calls_of("sendMessage") if c.status == 502]) > failures,
            timeout=20,
            what="first reply attempt",
        )
        bot.kill()
        await tap
        assert bot.answers(knowledge)[question.id] is True
        bot.start()
        await api.wait_for(lambda: user.question() not in (None, question), timeout=20)
        assert "Question 5." in (user.live().text or "")  # type: ignore[union-attr]

        # The conversation goes on, by buttons.
        next_question = user.question()
        assert next_question is not None
        await user.answer(next_question, None, by="buttons")
        answers = bot.answers(knowledge)
        assert answers[next_question.id] is None and answers["employees"] == 3
        assert await bot.stop() == 0
    log = bot.log.read_text(encoding="utf-8")
    assert "3 salariés" not in log and "Nord" not in log and TOKEN not in log
    assert "ERROR" not in log and "Traceback" not in log


def test_without_a_token_the_command_says_what_to_do(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "telegram"],
        env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr
