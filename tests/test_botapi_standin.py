"""Tests of the Bot API stand-in (tests/support/botapi.py), driven by a real PTB Application
over HTTP on loopback, plus a few raw-HTTP checks of the stand-in's protocol behaviour."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any, TypeAlias

import httpx
import pytest
import pytest_asyncio
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.support.botapi import FakeBotApi

AnyApp: TypeAlias = "Application[Any, Any, Any, Any, Any, Any]"

TOKEN = "123:ABC"
USER = 42


# --------------------------------------------------------------------------- bot under test


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Oui", callback_data="yes"),
                InlineKeyboardButton("Non", callback_data="no"),
            ]
        ]
    )
    await update.message.reply_text("Bonjour !", reply_markup=keyboard)


async def on_doc_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_document(
        document=b"%PDF-1.4 fake guide", filename="guide.pdf", caption="Le guide"
    )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(f"echo: {update.message.text}")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(text="noted")
    await query.edit_message_text(f"You chose {query.data}")


async def on_user_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.document is not None
    file = await update.message.document.get_file()
    data = await file.download_as_bytearray()
    await update.message.reply_text(f"got {update.message.document.file_name}: {bytes(data)!r}")


async def on_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text("Je ne comprends que le texte.")


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest_asyncio.fixture
async def app(api: FakeBotApi) -> AsyncIterator[AnyApp]:
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CommandHandler("doc", on_doc_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(filters.Document.ALL, on_user_document))
    application.add_handler(MessageHandler(filters.Sticker.ALL, on_sticker))
    application.add_handler(CallbackQueryHandler(on_button))

    await application.initialize()
    try:
        await application.start()
        try:
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0, timeout=1)
            try:
                yield application
            finally:
                await application.updater.stop()
        finally:
            await application.stop()
    finally:
        await application.shutdown()


@pytest_asyncio.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    """A bare Bot (no polling), for direct calls."""
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as b:
        yield b


# --------------------------------------------------------------------------- through PTB


@pytest.mark.asyncio
async def test_start_command_reaches_command_handler(api: FakeBotApi, app: AnyApp) -> None:
    api.push_text(USER, "/start")
    [reply] = await api.wait_sent(USER, 1)
    assert reply.method == "sendMessage"
    assert reply.text == "Bonjour !"
    assert reply.button_data == ["yes", "no"]
    assert reply.reply_markup is not None and "inline_keyboard" in reply.reply_markup
    # PTB bootstrapped against the stand-in.
    assert api.calls_of("getMe") and api.calls_of("deleteWebhook")
    assert app.bot.username == "aidess_test_bot"


@pytest.mark.asyncio
async def test_text_is_echoed_in_order(api: FakeBotApi, app: AnyApp) -> None:
    api.push_text(USER, "salut")
    api.push_text(USER, "ça va ?")
    api.push_text(7, "autre utilisateur")
    replies = await api.wait_sent(USER, 2)
    assert [r.text for r in replies] == ["echo: salut", "echo: ça va ?"]
    [other] = await api.wait_sent(7, 1)
    assert other.text == "echo: autre utilisateur"
    # message_id grows per chat, shared between the user's and the bot's messages.
    assert [r.message_id for r in replies] == [3, 4]


@pytest.mark.asyncio
async def test_callback_query_is_answered_and_message_edited(
    api: FakeBotApi,
    app: AnyApp,
) -> None:
    api.push_text(USER, "/start")
    [menu] = await api.wait_sent(USER, 1)
    assert menu.message_id is not None
    api.push_callback(USER, menu.message_id, "yes")

    await api.wait_for(lambda: api.messages_for(USER)[0].edited)
    [view] = api.messages_for(USER)
    assert view.message_id == menu.message_id
    assert view.text == "You chose yes"
    assert view.reply_markup is None  # editMessageText without markup drops the keyboard
    assert [a["text"] for a in api.callback_answers] == ["noted"]
    assert [s.method for s in api.sent_to(USER)] == ["sendMessage", "editMessageText"]

    with pytest.raises(ValueError):
        api.push_callback(USER, menu.message_id, "no")  # that button is gone


@pytest.mark.asyncio
async def test_bot_sends_a_document_with_its_bytes(api: FakeBotApi, app: AnyApp) -> None:
    api.push_text(USER, "/doc")
    [doc] = await api.wait_sent(USER, 1)
    assert doc.method == "sendDocument"
    assert doc.document_name == "guide.pdf"
    assert doc.document_bytes == b"%PDF-1.4 fake guide"
    assert doc.document_mime_type == "application/pdf"
    assert doc.caption == "Le guide"


@pytest.mark.asyncio
async def test_user_document_can_be_downloaded_by_the_bot(
    api: FakeBotApi,
    app: AnyApp,
) -> None:
    api.push_document(USER, "statuts.txt", b"Association loi 1901", mime_type="text/plain")
    [reply] = await api.wait_sent(USER, 1)
    assert reply.text == "got statuts.txt: b'Association loi 1901'"


@pytest.mark.asyncio
async def test_sticker_without_text(api: FakeBotApi, app: AnyApp) -> None:
    api.push_sticker(USER)
    [reply] = await api.wait_sent(USER, 1)
    assert reply.text == "Je ne comprends que le texte."


@pytest.mark.asyncio
async def test_redelivered_update_reaches_the_bot_again(
    api: FakeBotApi,
    app: AnyApp,
) -> None:
    update_id = api.push_text(USER, "une fois")
    await api.wait_sent(USER, 1)
    await api.wait_for(lambda: api.pending_updates == 0, what="update confirmed")
    assert api.push_raw(api.pushed_update(update_id)) == update_id
    replies = await api.wait_sent(USER, 2)
    assert [r.text for r in replies] == ["echo: une fois", "echo: une fois"]


# --------------------------------------------------------------------------- errors via PTB


@pytest.mark.asyncio
# PTB 22 itself warns about RetryAfter.retry_after becoming a timedelta (PTB_TIMEDELTA).
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_surfaces_as_retry_after(api: FakeBotApi, bot: Bot) -> None:
    api.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as excinfo:
        await bot.send_message(USER, "trop vite")
    assert "7" in str(excinfo.value)
    assert api.sent == []  # a failed call has no effect
    message = await bot.send_message(USER, "ensuite")
    assert message.text == "ensuite"
    assert [c.status for c in api.calls_of("sendMessage")] == [429, 200]


@pytest.mark.asyncio
async def test_502_surfaces_as_network_error(api: FakeBotApi, bot: Bot) -> None:
    api.fail_next("sendMessage", 502, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError) as excinfo:
            await bot.send_message(USER, "x")
        assert type(excinfo.value) is NetworkError  # not BadRequest / TimedOut
        assert "Bad Gateway" in str(excinfo.value)
    await bot.send_message(USER, "x")
    assert len(api.sent) == 1


@pytest.mark.asyncio
async def test_unknown_method_is_404(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{api.base_url}{TOKEN}/sendTelepathy", data={"a": "1"})
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


@pytest.mark.asyncio
async def test_realistic_bad_requests(api: FakeBotApi, bot: Bot) -> None:
    message = await bot.send_message(USER, "texte")
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("texte", chat_id=USER, message_id=message.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("autre", chat_id=USER, message_id=999)
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
        await bot.send_message(USER, "texte", reply_markup=markup)
    assert await bot.delete_message(USER, message.message_id)
    assert api.messages_for(USER) == []
    api.block_user(USER)
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await bot.send_message(USER, "texte")


@pytest.mark.asyncio
async def test_commands_webhook_and_chat_action(api: FakeBotApi, bot: Bot) -> None:
    commands = [BotCommand("start", "Commencer"), BotCommand("aide", "Obtenir de l'aide")]
    assert await bot.set_my_commands(commands)
    assert api.commands == [
        {"command": "start", "description": "Commencer"},
        {"command": "aide", "description": "Obtenir de l'aide"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["start", "aide"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()

    assert await bot.send_chat_action(USER, "typing")
    assert api.sent_to(USER)[-1].action == "typing"

    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict):
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


# --------------------------------------------------------------------------- raw protocol


@pytest.mark.asyncio
async def test_long_polling_timeout_wakeup_and_offset(api: FakeBotApi) -> None:
    url = f"{api.base_url}{TOKEN}/getUpdates"
    async with httpx.AsyncClient() as client:  # one keep-alive connection throughout
        started = time.monotonic()
        response = await client.post(url, data={"timeout": "0.3"})
        assert response.json() == {"ok": True, "result": []}
        assert time.monotonic() - started >= 0.25

        async def push_soon() -> int:
            await asyncio.sleep(0.05)
            return api.push_text(USER, "/start now")

        started = time.monotonic()
        response, update_id = await asyncio.gather(
            client.post(url, data={"timeout": "5"}), push_soon()
        )
        assert time.monotonic() - started < 1
        [update] = response.json()["result"]
        assert update["update_id"] == update_id
        message = update["message"]
        assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        assert message["chat"] == {"id": USER, "type": "private", "first_name": f"User{USER}"}
        assert message["from"]["is_bot"] is False and isinstance(message["date"], int)

        # Not confirmed yet: delivered again; confirmed with offset: gone.
        again = await client.post(url, data={"offset": str(update_id), "timeout": "0"})
        assert [u["update_id"] for u in again.json()["result"]] == [update_id]
        acked = await client.post(url, data={"offset": str(update_id + 1), "timeout": "0"})
        assert acked.json()["result"] == []
        assert api.pending_updates == 0


@pytest.mark.asyncio
async def test_newer_get_updates_terminates_older_one(api: FakeBotApi) -> None:
    url = f"{api.base_url}{TOKEN}/getUpdates"
    async with httpx.AsyncClient() as a, httpx.AsyncClient() as b:
        older = asyncio.create_task(a.post(url, data={"timeout": "5"}))
        await api.wait_for(lambda: api.waiting_long_polls == 1)
        newer = await b.post(url, data={"timeout": "0"})
        assert newer.status_code == 200
        response = await older
        assert response.status_code == 409
        assert "terminated by other getUpdates request" in response.json()["description"]


@pytest.mark.asyncio
async def test_form_multipart_and_json_bodies(api: FakeBotApi) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    base = f"{api.base_url}{TOKEN}"
    async with httpx.AsyncClient() as client:
        r1 = await client.post(
            f"{base}/sendMessage",
            data={
                "chat_id": "5",
                "text": "form",
                "reply_markup": '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}',
            },
        )
        r2 = await client.post(
            f"{base}/sendMessage", json={"chat_id": 5, "text": "json", "reply_markup": markup}
        )
        r3 = await client.post(
            f"{base}/sendDocument",
            data={"chat_id": "5", "caption": "multipart"},
            files={"document": ("notes.txt", b"hello", "text/plain")},
        )
    assert [r.status_code for r in (r1, r2, r3)] == [200, 200, 200]
    assert r1.json()["result"]["reply_markup"] == markup
    assert r1.json()["result"]["from"]["id"] == 123
    assert r3.json()["result"]["document"]["file_name"] == "notes.txt"
    sent = api.sent_to(5)
    assert [s.reply_markup for s in sent[:2]] == [markup, markup]
    assert (sent[2].document_name, sent[2].document_bytes) == ("notes.txt", b"hello")
    assert [m.message_id for m in api.messages_for(5)] == [1, 2, 3]


@pytest.mark.asyncio
async def test_push_raw_rejects_an_update_ptb_cannot_parse(api: FakeBotApi) -> None:
    bad = {
        "message": {
            "message_id": 1,
            "chat": {"id": USER, "type": "private"},
            "text": "pas de date",
        }
    }
    with pytest.raises(ValueError, match="cannot parse"):
        api.push_raw(bad)
    assert api.pending_updates == 0
