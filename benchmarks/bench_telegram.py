"""Throughput of the Telegram bot through the full stack (not a test).

Whole conversations, through python-telegram-bot over HTTP on loopback, against the Bot API
stand-in of the tests, side by side in the same run with a bare python-telegram-bot echo bot
(the framework's ceiling): updates handled per second for both, and the ratio.

The stand-in and the simulated people run in a child process (as Telegram's servers and the
phones would), the bot under test in this one. Each person waits for the bot's reply before
the next action; all people act at the same time. The AidESS bot runs as ``aidess telegram``
builds it (per-chat ordering, database writes before replies, retries), except that its rate
limiter does not throttle: Telegram's 30 messages/s flood limit would otherwise be measured.

Run: .venv/bin/python benchmarks/bench_telegram.py [--users 20] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.vocabulary import AnswerValue  # noqa: E402
from bot.knowledge import Knowledge, load_knowledge  # noqa: E402
from bot.settings import PROJECT_ROOT, Settings  # noqa: E402
from bot.storage.store import Store  # noqa: E402
from tests.support.profiles import EMPLOYER_2021  # noqa: E402

AS_OF = date(2021, 3, 15)
TOKEN = "123:ABC"
TIME_LIMIT = 120.0  # seconds, per bot
PROFILE: dict[str, AnswerValue] = EMPLOYER_2021
DEPARTMENTS = ("02", "59", "60", "62", "80")


def knowledge() -> Knowledge:
    return load_knowledge(
        PROJECT_ROOT / "aids_catalogue.yaml", PROJECT_ROOT / "dialogues" / "diagnostic.yaml"
    )


# -- the child process: stand-in + people ------------------------------------------------------


class Activity(list):  # type: ignore[type-arg]
    """``FakeBotApi.sent`` that wakes whoever waits for a chat when the bot acts in it
    (the people react at once instead of polling the stand-in)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[int, asyncio.Event] = {}

    def append(self, entry: Any) -> None:
        super().append(entry)
        self.events.setdefault(entry.chat_id, asyncio.Event()).set()

    async def wait(self, chat_id: int, ready: Callable[[], bool], timeout: float = 60) -> None:
        event = self.events.setdefault(chat_id, asyncio.Event())
        async with asyncio.timeout(timeout):
            while not ready():
                event.clear()
                await event.wait()


async def play(kind: str, users: int, messages_each: int) -> None:
    from tests.support.botapi import FakeBotApi
    from tests.support.telegram import Person

    activity = Activity()

    class Phone(Person):
        """A person who acts as soon as the bot's reply has arrived."""

        def snapshot(self) -> tuple[int | None, tuple[str, ...]]:
            live = self.live()
            return (None, ()) if live is None else (live.message_id, tuple(live.button_data))

        def waiting_for_me(self) -> bool:
            """The bot is done: a question, the offer to go on, or the final results."""
            live = self.live()
            ends = ("Je ne sais pas", "Oui, continuer", "🔄 Recommencer")
            return live is not None and any(label in live.button_texts for label in ends)

        async def changed(self, before: tuple[int | None, tuple[str, ...]]) -> None:
            await activity.wait(
                self.user_id, lambda: self.snapshot() != before and self.waiting_for_me()
            )

        async def say(self, text: str) -> None:
            before = self.snapshot()
            self.api.push_text(self.user_id, text)
            await self.changed(before)

        async def tap(self, label: str, message: Any = None) -> None:
            before = self.snapshot()
            message = message or self.live()
            data = message.button_data[message.button_texts.index(label)]
            self.api.push_callback(self.user_id, message.message_id, data)
            await self.changed(before)

    async def echo_user(api: FakeBotApi, user: int) -> None:
        for i in range(messages_each):
            api.push_text(user, f"message {i}")
            await activity.wait(user, lambda n=i: len(api.sent_to(user)) > n)

    async with FakeBotApi() as api:
        api.sent = activity
        questions = knowledge().dialogue.questions
        print(json.dumps({"base_url": api.base_url}), flush=True)
        await api.wait_for(lambda: api.waiting_long_polls > 0, timeout=60, what="bot polling")
        started, cpu = time.perf_counter(), time.process_time()
        if kind == "echo":
            await asyncio.gather(*(echo_user(api, 1000 + i) for i in range(users)))
        else:
            phones = [Phone(api, 1000 + i, questions, _nothing) for i in range(users)]
            await asyncio.gather(*(aidess_user(phone, i) for i, phone in enumerate(phones)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        last = -1  # let the bot finish its last calls before going away
        while (count := len(api.calls)) != last:
            last = count
            await asyncio.sleep(0.3)
        updates = len(api._pushed)
        calls = len([c for c in api.calls if c.method != "getUpdates"])
        result = {"updates": updates, "seconds": elapsed, "api_calls": calls, "standin_cpu": cpu}
        print(json.dumps(result), flush=True)
        # Serve on until the bot has stopped (its last getUpdates confirms the updates).
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def _nothing() -> None:
    pass


async def aidess_user(phone: Any, index: int) -> None:
    """One whole diagnostic; profiles differ by département and size, a quarter typed."""
    await phone.say("/start")
    profile = {**PROFILE, "department": DEPARTMENTS[index % len(DEPARTMENTS)]}
    profile["employees"] = index % 12
    await phone.converse(profile, by="text" if index % 4 == 3 else "buttons")


def child_main(kind: str, users: int, messages_each: int) -> None:
    asyncio.run(play(kind, users, messages_each))


# -- this process: the bot under test ------------------------------------------------------------


def echo_application(base_url: str) -> Any:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    app = ApplicationBuilder().token(TOKEN).base_url(base_url).concurrent_updates(256).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


def aidess_application(base_url: str, database: Path) -> Any:
    from bot.channels.telegram.app import build_application
    from bot.channels.telegram.network import ResilientRateLimiter

    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": base_url,
            "DATABASE_URL": f"sqlite:///{database}",
        }
    )
    store = Store.from_url(settings.database_url)
    limiter = ResilientRateLimiter(overall_max_rate=0, group_max_rate=0)
    return build_application(settings, knowledge(), store, as_of=AS_OF, rate_limiter=limiter)


async def measure(
    kind: str, users: int, messages_each: int, make_app: Callable[[str], Any]
) -> dict[str, Any]:
    from bot.channels.telegram.app import Polling, running

    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--child",
        kind,
        "--users",
        str(users),
        "--messages",
        str(messages_each),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert child.stdout is not None and child.stdin is not None
    first = await asyncio.wait_for(child.stdout.readline(), 60)
    base_url = json.loads(first)["base_url"]
    app = make_app(base_url)
    async with running(app, Polling(timeout=10)):
        cpu = time.process_time()
        line = await asyncio.wait_for(child.stdout.readline(), TIME_LIMIT)
        cpu = time.process_time() - cpu
    child.stdin.write(b"done\n")
    await child.stdin.drain()
    await child.wait()
    result: dict[str, Any] = json.loads(line)
    result["bot_cpu"] = cpu
    result["per_second"] = result["updates"] / result["seconds"]
    return result


async def main(users: int, profile: bool) -> None:
    echo = await measure("echo", users, 15, echo_application)
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.db"
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        aidess = await measure("aidess", users, 0, lambda url: aidess_application(url, database))
        if profiler:
            profiler.disable()
    print(f"{users} people at once, loopback, stand-in in another process")
    print(
        f"  echo bot (bare PTB):  {echo['per_second']:7.1f} updates/s "
        f"({echo['updates']} updates in {echo['seconds']:.2f} s, "
        f"{echo['api_calls'] / echo['updates']:.1f} Bot API calls per update)"
    )
    print(
        f"  AidESS, whole conversations: {aidess['per_second']:7.1f} updates/s "
        f"({aidess['updates']} updates in {aidess['seconds']:.2f} s, "
        f"{aidess['api_calls'] / aidess['updates']:.1f} Bot API calls per update)"
    )
    for name, r in (("echo", echo), ("AidESS", aidess)):
        print(
            f"  {name}: CPU {r['bot_cpu']:.2f} s in the bot, "
            f"{r['standin_cpu']:.2f} s in the stand-in and people, over {r['seconds']:.2f} s"
        )
    print(f"  ratio AidESS / echo: {aidess['per_second'] / echo['per_second']:.2f}")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
            r"(bot/|sqlalchemy/orm/session|httpx/_client.py:1485|_bot.py:686|json)", 45
        )
        print(out.getvalue())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child", choices=("echo", "aidess"))
    parser.add_argument("--messages", type=int, default=15)
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.users, args.messages)
    else:
        asyncio.run(main(args.users, args.profile))
