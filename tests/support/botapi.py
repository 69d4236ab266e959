"""A local stand-in for the Telegram Bot API HTTP server.

`FakeBotApi` serves the Bot API over real HTTP on 127.0.0.1 (tornado, running inside the
current asyncio event loop), so a python-telegram-bot ``Application`` can be tested end to end
without network access::

    async with FakeBotApi() as api:
        app = (
            ApplicationBuilder()
            .token("123:ABC")
            .base_url(api.base_url)
            .base_file_url(api.base_file_url)
            .build()
        )
        ...  # initialize(), start(), updater.start_polling(poll_interval=0, timeout=1)
        api.push_text(42, "/start")
        [reply] = await api.wait_sent(42, 1)

The test plays the users (``push_text``, ``push_callback``, ``push_sticker``, ``push_document``,
``push_raw``); everything the bot does is recorded (``sent``, ``messages_for``, ``commands``,
``callback_answers``, ``calls``). ``fail_next`` injects HTTP errors.

getUpdates follows Telegram: ``offset`` confirms (forgets) the updates already delivered with a
lower update_id, unconfirmed ones are delivered again, ``timeout`` long-polls until an update is
pushed. One deviation: an update never delivered yet is delivered even if its update_id is below
the offset, so that ``push_raw`` of an old update really simulates a redelivery.

Deliberate simplifications: only private chats; ``parse_mode`` is recorded but the text is not
rendered (HTML/Markdown tags stay in ``text``); inline-message editing is not supported.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
import re
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web

JSONDict = dict[str, Any]

_LOGGER = logging.getLogger(__name__)

#: Methods that deliver a new message to a chat (what ``wait_sent`` counts).
DELIVERY_METHODS = frozenset({"sendMessage", "sendDocument"})

#: Parameters that PTB sends as JSON-encoded strings inside form bodies.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
    }
)

_MAX_TEXT_LENGTH = 4096
_MAX_CAPTION_LENGTH = 1024
_MAX_CALLBACK_DATA_BYTES = 64
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
}

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def _now() -> int:
    return int(time.time())


def _utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for entity offsets/lengths."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class SentMessage:
    """One action of the bot towards a chat (a log entry), or one message of a chat's view.

    In ``FakeBotApi.sent`` every call is logged as made (``method`` is e.g. "sendMessage",
    "editMessageText", "deleteMessage", "sendChatAction"). In ``messages_for()`` each entry
    is a message as the user currently sees it: ``method`` is the method that created it and
    ``text``/``reply_markup`` reflect later edits (``edited`` is then True).
    """

    method: str
    chat_id: int
    message_id: int | None = None
    text: str | None = None
    parse_mode: str | None = None
    reply_markup: JSONDict | None = None
    entities: list[JSONDict] | None = None
    caption: str | None = None
    document_name: str | None = None
    document_bytes: bytes | None = None
    document_mime_type: str | None = None
    action: str | None = None
    date: int = 0
    edited: bool = False

    @property
    def button_data(self) -> list[str]:
        """The callback_data of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]

    @property
    def button_texts(self) -> list[str]:
        """The text of every inline or reply-keyboard button, row by row."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [b if isinstance(b, str) else b.get("text", "") for row in rows for b in row]


@dataclass(frozen=True)
class ApiCall:
    """One HTTP call received by the stand-in (file contents are left out of ``params``)."""

    method: str
    params: JSONDict
    status: int


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    data: bytes | None
    file_path: str


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    description: str | None


@dataclass
class _PendingUpdate:
    data: JSONDict
    delivered: bool = False

    @property
    def update_id(self) -> int:
        return int(self.data["update_id"])


@dataclass(eq=False)  # hashable by identity: kept in a set
class _Poll:
    """An in-flight getUpdates long poll."""

    event: asyncio.Event = field(default_factory=asyncio.Event)
    terminated: bool = False  # superseded by a newer getUpdates (409)
    gone: bool = False  # the client closed the connection


@dataclass
class _Chat:
    chat_id: int
    last_message_id: int = 0
    messages: dict[int, JSONDict] = field(default_factory=dict)  # bot messages, Bot API form
    view: dict[int, SentMessage] = field(default_factory=dict)  # bot messages, as seen now

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id


class ApiError(Exception):
    """Raised inside method implementations; becomes a Bot API error answer."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


class _Params:
    """The parameters of one request, with Bot-API-style typed accessors."""

    def __init__(
        self,
        values: JSONDict,
        files: dict[str, tornado.httputil.HTTPFile],
        handler: _Handler,
    ) -> None:
        self.values = values
        self.files = files
        self.handler = handler

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) is not None

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def get_float(self, name: str, default: float) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str) -> Any:
        return self.values.get(name)

    def chat_id(self) -> int:
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError):
            # "@channelusername" and the like: the stand-in only knows private chats.
            raise ApiError(400, "Bad Request: chat not found") from None

    def message_id(self) -> int:
        if "inline_message_id" in self:
            raise ApiError(400, "Bad Request: inline messages are not supported by the stand-in")
        message_id = self.get_int("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        return message_id


class _Handler(tornado.web.RequestHandler):
    """Routes ``/bot<token>/<method>`` to ``FakeBotApi``."""

    api: FakeBotApi
    poll: _Poll | None

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api
        self.poll = None

    def compute_etag(self) -> None:
        return None

    def on_connection_close(self) -> None:
        if self.poll is not None:
            self.poll.gone = True
            self.poll.event.set()

    async def post(self, token: str, method: str) -> None:
        await self.api._serve(self, token, method)

    async def get(self, token: str, method: str) -> None:
        await self.api._serve(self, token, method)


class _FileHandler(tornado.web.RequestHandler):
    """Serves ``/file/bot<token>/<file_path>`` downloads."""

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def compute_etag(self) -> None:
        return None

    def get(self, token: str, file_path: str) -> None:
        stored = self.api._files_by_path.get(file_path)
        if stored is None or stored.data is None:
            self.api._write_json(self, 404, _error_body(404, "Not Found"))
            return
        self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        self.finish(stored.data)


class _NotFoundHandler(tornado.web.RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def prepare(self) -> None:
        self.api._write_json(self, 404, _error_body(404, "Not Found"))


def _error_body(status: int, description: str, parameters: JSONDict | None = None) -> JSONDict:
    body: JSONDict = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _proxy_error_page(status: int) -> bytes:
    """The HTML page a reverse proxy (nginx) in front of the Bot API answers with."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return (
        f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


def _inline_markup(markup: Any) -> JSONDict | None:
    """The markup as Telegram echoes it in a Message: only inline keyboards come back.

    (Echoing a ReplyKeyboardMarkup would also break PTB, which parses Message.reply_markup
    as an InlineKeyboardMarkup.)
    """
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return copy.deepcopy(markup)
    return None


class FakeBotApi:
    """A Telegram Bot API server stand-in for end-to-end tests (see the module docstring)."""

    def __init__(
        self,
        *,
        bot_first_name: str = "AidESS Test Bot",
        bot_username: str = "aidess_test_bot",
        default_bot_id: int = 123,
    ) -> None:
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        self.default_bot_id = default_bot_id
        self.last_token: str | None = None

        #: Everything the bot did towards chats, in order (sends, edits, deletions, actions).
        self.sent: list[SentMessage] = []
        #: Every HTTP call received, in order, with the status answered.
        self.calls: list[ApiCall] = []
        #: The command list of the last setMyCommands call (any scope).
        self.commands: list[JSONDict] = []
        #: Every answerCallbackQuery, as the parameters received.
        self.callback_answers: list[JSONDict] = []
        #: Current webhook URL ("" when polling).
        self.webhook_url = ""

        self._commands_by_scope: dict[tuple[str, str], list[JSONDict]] = {}
        self._last_commands_key: tuple[str, str] | None = None
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, JSONDict] = {}
        self._blocked: set[int] = set()
        self._pending: list[_PendingUpdate] = []
        self._pushed: dict[int, JSONDict] = {}
        self._pollers: set[_Poll] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._last_update_id = 0
        self._counter = itertools.count(1)

        self._server: tornado.httpserver.HTTPServer | None = None
        self._port: int | None = None
        self._closing = False

        self._methods: dict[str, tuple[str, Callable[[_Params], Awaitable[Any]]]] = {}
        for name, impl in (
            ("getMe", self._get_me),
            ("logOut", self._true),
            ("close", self._true),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("sendDocument", self._send_document),
            ("sendChatAction", self._send_chat_action),
            ("answerCallbackQuery", self._answer_callback_query),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("getFile", self._get_file),
        ):
            # Telegram matches method names case-insensitively.
            self._methods[name.lower()] = (name, impl)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("FakeBotApi is already running")
        self._closing = False
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([^/]+)/?", _Handler, {"api": self}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"api": self}),
                (r".*", _NotFoundHandler, {"api": self}),
            ],
            log_function=lambda handler: None,  # no access log
        )
        server = tornado.httpserver.HTTPServer(app, max_body_size=64 * 1024 * 1024)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
        server.add_sockets(sockets)
        self._port = sockets[0].getsockname()[1]
        self._server = server

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._closing = True
        for poll in list(self._pollers):  # answer pending long polls right away
            poll.event.set()
        server.stop()
        await asyncio.wait_for(server.close_all_connections(), timeout=5)

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url()``: PTB calls ``{base_url}{token}/{method}``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url()``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP ``status``, no side effects.

        429 carries ``parameters.retry_after`` (1 unless given) → PTB raises RetryAfter.
        502/503/504 answer an nginx-style HTML page, as the proxy in front of the Bot API does
        (PTB raises NetworkError). Other statuses answer a Bot API JSON error body with
        ``description`` (a typical one by default).
        """
        if status < 400:
            raise ValueError("fail_next needs an error status (>= 400)")
        if status == 429 and retry_after is None:
            retry_after = 1
        queue = self._faults.setdefault(method.lower(), deque())
        for _ in range(times):
            queue.append(_Fault(status, retry_after, description))

    def block_user(self, user_id: int) -> None:
        """From now on, sending to this user answers 403 "bot was blocked by the user"."""
        self._blocked.add(user_id)

    def unblock_user(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    # ------------------------------------------------------------------ acting as users

    def push_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> int:
        """Queue a private text message from ``user_id``; returns its update_id.

        A leading "/command" gets its ``bot_command`` entity, as Telegram adds it.
        """
        self._remember_user(user_id, first_name, username, language_code)
        content: JSONDict = {"text": text}
        command = text.split(maxsplit=1)[0] if text.strip() else ""
        if command.startswith("/") and len(command) > 1:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self._push_message(user_id, content)

    def push_sticker(self, user_id: int, *, emoji: str = "👍") -> int:
        """Queue a private message carrying a sticker and no text; returns its update_id."""
        self._remember_user(user_id)
        n = next(self._counter)
        sticker = {
            "file_id": f"CAACAgIAAxkBAAIS{n:08d}",
            "file_unique_id": f"AgADS{n:06d}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "TestStickers",
            "file_size": 20480,
        }
        return self._push_message(user_id, {"sticker": sticker})

    def push_document(
        self,
        user_id: int,
        file_name: str,
        data: bytes,
        *,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> int:
        """Queue a private message with a document; the bot can get_file() and download it."""
        self._remember_user(user_id)
        stored = self._store_file(file_name, mime_type, data)
        content: JSONDict = {"document": self._document_dict(stored)}
        if caption is not None:
            content["caption"] = caption
        return self._push_message(user_id, content)

    def push_callback(
        self, user_id: int, message_id: int, data: str, *, strict: bool = True
    ) -> int:
        """Queue a press on an inline button of the bot's message ``message_id``.

        With ``strict`` (the default) the message must show a button with this callback_data,
        as only existing buttons can be pressed. Returns the update_id.
        """
        self._remember_user(user_id)
        chat = self._chat(user_id)
        message = chat.messages.get(message_id)
        if message is None:
            raise LookupError(f"the bot has no message {message_id} in chat {user_id}")
        if strict and data not in chat.view[message_id].button_data:
            raise ValueError(
                f"message {message_id} has no button with callback_data {data!r} "
                f"(buttons: {chat.view[message_id].button_data})"
            )
        query_id = str(4_000_000_000_000_000 + next(self._counter))
        update = {
            "callback_query": {
                "id": query_id,
                "from": copy.deepcopy(self._users[user_id]),
                "message": copy.deepcopy(message),
                "chat_instance": str(-(7_000_000_000_000 + abs(user_id))),
                "data": data,
            }
        }
        return self._push(update)

    def push_raw(self, update: JSONDict, *, validate: bool = True) -> int:
        """Queue an update as given. An existing ``update_id`` is kept (redelivery of the
        same update is possible), else the next one is assigned. With ``validate``, the
        update must parse as a telegram.Update (a malformed update would block polling).
        """
        update = copy.deepcopy(update)
        if validate:
            from telegram import Update

            probe = copy.deepcopy(update)
            probe.setdefault("update_id", self._last_update_id + 1)
            try:
                Update.de_json(probe, None)
            except Exception as exc:
                raise ValueError(f"python-telegram-bot cannot parse this update: {exc!r}") from exc
        callback = update.get("callback_query")
        if isinstance(callback, dict) and "id" in callback:
            self._callback_queries.setdefault(str(callback["id"]), False)
        message = update.get("message")
        if isinstance(message, dict):
            chat_id = (message.get("chat") or {}).get("id")
            if isinstance(chat_id, int) and isinstance(message.get("message_id"), int):
                chat = self._chat(chat_id)
                chat.last_message_id = max(chat.last_message_id, message["message_id"])
        return self._push(update)

    def pushed_update(self, update_id: int) -> JSONDict:
        """A copy of an update pushed earlier (e.g. to ``push_raw`` it again)."""
        return copy.deepcopy(self._pushed[update_id])

    @property
    def waiting_long_polls(self) -> int:
        """How many getUpdates calls are currently waiting for updates."""
        return len(self._pollers)

    @property
    def pending_updates(self) -> int:
        """How many updates are queued and not yet confirmed by the bot."""
        return len(self._pending)

    # ------------------------------------------------------------------ inspection

    def sent_to(self, chat_id: int, methods: Iterable[str] | None = None) -> list[SentMessage]:
        """The log entries for one chat, optionally only for some methods."""
        wanted = None if methods is None else set(methods)
        return [
            s for s in self.sent if s.chat_id == chat_id and (wanted is None or s.method in wanted)
        ]

    def messages_for(self, chat_id: int) -> list[SentMessage]:
        """The bot's messages in this chat as the user sees them now (edits applied,
        deleted messages gone), oldest first."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [replace(chat.view[mid]) for mid in sorted(chat.view)]

    def texts_for(self, chat_id: int) -> list[str | None]:
        """Shortcut: text (or caption) of each message of ``messages_for(chat_id)``."""
        return [m.text if m.text is not None else m.caption for m in self.messages_for(chat_id)]

    def commands_for(
        self, scope: JSONDict | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        return copy.deepcopy(self._commands_by_scope.get(self._scope_key(scope, language_code), []))

    def calls_of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def file_bytes(self, file_id: str) -> bytes | None:
        stored = self._files.get(file_id)
        return None if stored is None else stored.data

    # ------------------------------------------------------------------ waiting

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 10, *, what: str = ""
    ) -> None:
        """Wait until ``predicate()`` is true, polling every few milliseconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"condition {what or predicate!r} not met within {timeout} s; "
                    f"last bot actions: {self.sent[-5:]}"
                )
            await asyncio.sleep(0.005)

    async def wait_sent(self, chat_id: int, count: int, timeout: float = 10) -> list[SentMessage]:
        """Wait until the bot has delivered at least ``count`` messages (sendMessage or
        sendDocument) to ``chat_id``; returns all of them, oldest first."""
        await self.wait_for(
            lambda: len(self.sent_to(chat_id, DELIVERY_METHODS)) >= count,
            timeout,
            what=f"{count} message(s) sent to chat {chat_id}",
        )
        return self.sent_to(chat_id, DELIVERY_METHODS)

    # ------------------------------------------------------------------ internals: state

    @property
    def bot_user(self) -> JSONDict:
        bot_id = self.default_bot_id
        if self.last_token:
            prefix = self.last_token.split(":", 1)[0]
            if prefix.isdigit():
                bot_id = int(prefix)
        return {
            "id": bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _remember_user(
        self,
        user_id: int,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        user = self._users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        )
        if first_name is not None:
            user["first_name"] = first_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code

    def _chat(self, chat_id: int) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(chat_id)
        return chat

    def _chat_dict(self, chat_id: int) -> JSONDict:
        user = self._users.get(chat_id, {"first_name": f"User{chat_id}"})
        chat: JSONDict = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return chat

    def _push_message(self, user_id: int, content: JSONDict) -> int:
        message = {
            "message_id": self._chat(user_id).next_message_id(),
            "from": copy.deepcopy(self._users[user_id]),
            "chat": self._chat_dict(user_id),
            "date": _now(),
            **content,
        }
        return self._push({"message": message})

    def _push(self, update: JSONDict) -> int:
        if "update_id" in update:
            update_id = int(update["update_id"])
        else:
            update_id = self._last_update_id + 1
            update = {"update_id": update_id, **update}
        self._last_update_id = max(self._last_update_id, update_id)
        callback = update.get("callback_query")
        if isinstance(callback, dict):
            self._callback_queries.setdefault(str(callback["id"]), False)
        self._pushed[update_id] = copy.deepcopy(update)
        self._pending.append(_PendingUpdate(update))
        for poll in self._pollers:
            poll.event.set()
        return update_id

    def _store_file(
        self, file_name: str | None, mime_type: str | None, data: bytes | None
    ) -> StoredFile:
        n = next(self._counter)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"BQACAgQAAxkDAAI{n:010d}",
            file_unique_id=f"AgAD{n:08d}",
            file_name=file_name,
            mime_type=mime_type,
            data=data,
            file_path=f"documents/file_{n}{suffix}",
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    @staticmethod
    def _document_dict(stored: StoredFile) -> JSONDict:
        doc: JSONDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.file_name is not None:
            doc["file_name"] = stored.file_name
        if stored.mime_type is not None:
            doc["mime_type"] = stored.mime_type
        if stored.data is not None:
            doc["file_size"] = len(stored.data)
        return doc

    @staticmethod
    def _scope_key(scope: Any, language_code: str | None) -> tuple[str, str]:
        if not scope or scope == {"type": "default"}:
            scope_key = "default"
        else:
            scope_key = json.dumps(scope, sort_keys=True)
        return scope_key, language_code or ""

    # ------------------------------------------------------------------ internals: HTTP

    def _write_json(self, handler: tornado.web.RequestHandler, status: int, body: JSONDict) -> None:
        self._write(
            handler, status, json.dumps(body, ensure_ascii=False).encode(), "application/json"
        )

    @staticmethod
    def _write(
        handler: tornado.web.RequestHandler, status: int, payload: bytes, content_type: str
    ) -> None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        handler.set_status(status, reason)
        handler.set_header("Content-Type", content_type)
        handler.finish(payload)

    def _parse_params(self, handler: _Handler) -> _Params:
        request = handler.request
        values: JSONDict = {}
        for name, raw in request.query_arguments.items():
            values[name] = raw[-1].decode("utf-8", "replace")
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON request body must be an object")
            values.update(body)
        else:
            for name, raw in request.body_arguments.items():
                values[name] = raw[-1].decode("utf-8", "replace")
        for name in _JSON_PARAMS:
            value = values.get(name)
            if isinstance(value, str):
                try:
                    values[name] = json.loads(value)
                except ValueError:
                    raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        files = {name: parts[0] for name, parts in request.files.items() if parts}
        return _Params(values, files, handler)

    async def _serve(self, handler: _Handler, token: str, method: str) -> None:
        self.last_token = token
        key = method.lower()
        canonical = self._methods.get(key, (method, None))[0]
        params: _Params | None = None
        status = 200
        try:
            params = self._parse_params(handler)
            faults = self._faults.get(key)
            if faults:
                fault = faults.popleft()
                status = fault.status
                self._answer_fault(handler, fault)
                return
            entry = self._methods.get(key)
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            result = await entry[1](params)
            if handler.poll is not None and handler.poll.gone:
                status = 499  # client went away during a long poll; nothing to answer
                return
            self._write_json(handler, 200, {"ok": True, "result": result})
        except ApiError as exc:
            status = exc.status
            self._write_json(
                handler, exc.status, _error_body(exc.status, exc.description, exc.parameters)
            )
        except Exception as exc:  # a bug in the stand-in: make it visible to the test
            status = 500
            _LOGGER.exception("FakeBotApi failed on %s", canonical)
            self._write_json(
                handler, 500, _error_body(500, f"Internal Server Error: stand-in bug {exc!r}")
            )
        finally:
            logged = {} if params is None else dict(params.values)
            if params is not None:
                for name, part in params.files.items():
                    logged[name] = f"<file {part.filename!r}, {len(part.body)} bytes>"
            self.calls.append(ApiCall(canonical, logged, status))

    def _answer_fault(self, handler: _Handler, fault: _Fault) -> None:
        if fault.status in (502, 503, 504) and fault.description is None:
            self._write(handler, fault.status, _proxy_error_page(fault.status), "text/html")
            return
        parameters = None
        if fault.retry_after is not None:
            parameters = {"retry_after": fault.retry_after}
        if fault.description is not None:
            description = fault.description
        elif fault.status == 429:
            description = f"Too Many Requests: retry after {fault.retry_after}"
        else:
            description = _DEFAULT_DESCRIPTIONS.get(fault.status, "Internal Server Error")
        self._write_json(handler, fault.status, _error_body(fault.status, description, parameters))

    # ------------------------------------------------------------------ methods

    async def _true(self, p: _Params) -> bool:
        return True

    async def _get_me(self, p: _Params) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_webhook(self, p: _Params) -> bool:
        self.webhook_url = p.get_str("url", "") or ""
        if p.get_bool("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _delete_webhook(self, p: _Params) -> bool:
        self.webhook_url = ""
        if p.get_bool("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, p: _Params) -> JSONDict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    def _acknowledge(self, offset: int) -> None:
        """Forget what the bot confirmed: delivered updates with update_id < offset.

        Updates never delivered yet are kept even with a lower update_id, so that a
        redelivered update (``push_raw`` of an old update) really reaches the bot.
        A negative offset keeps only the last ``-offset`` updates, as Telegram does.
        """
        if offset > 0:
            self._pending = [u for u in self._pending if not (u.delivered and u.update_id < offset)]
        elif offset < 0:
            self._pending = self._pending[offset:]

    async def _get_updates(self, p: _Params) -> list[JSONDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.get_int("offset", 0) or 0
        limit = min(max(p.get_int("limit", 100) or 100, 1), 100)
        timeout = max(p.get_float("timeout", 0.0), 0.0)
        self._acknowledge(offset)

        # Like Telegram, a new getUpdates ends any other one still waiting.
        for other in list(self._pollers):
            other.terminated = True
            other.event.set()
        poll = _Poll()
        p.handler.poll = poll
        self._pollers.add(poll)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while not (self._pending or poll.terminated or poll.gone or self._closing):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                poll.event.clear()
                try:
                    await asyncio.wait_for(poll.event.wait(), remaining)
                except TimeoutError:
                    break
        finally:
            self._pollers.discard(poll)
        if poll.terminated:
            raise ApiError(409, _DEFAULT_DESCRIPTIONS[409])
        if poll.gone:
            return []
        batch = self._pending[:limit]
        for pending in batch:
            pending.delivered = True
        return [copy.deepcopy(u.data) for u in batch]

    def _check_can_write(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    @staticmethod
    def _check_markup(markup: Any) -> None:
        if markup is None:
            return
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not (
                    0 < len(str(data).encode("utf-8")) <= _MAX_CALLBACK_DATA_BYTES
                ):
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )

    @staticmethod
    def _check_text(text: str | None) -> str:
        if text is None or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > _MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    def _record_new_message(self, entry: SentMessage, message: JSONDict) -> None:
        chat = self._chat(entry.chat_id)
        chat.messages[entry.message_id or 0] = message
        chat.view[entry.message_id or 0] = replace(entry)
        self.sent.append(entry)

    def _new_bot_message(self, chat_id: int, content: JSONDict) -> JSONDict:
        message: JSONDict = {
            "message_id": self._chat(chat_id).next_message_id(),
            "from": self.bot_user,
            "chat": self._chat_dict(chat_id),
            "date": _now(),
        }
        message.update({k: v for k, v in content.items() if v is not None})
        return message

    async def _send_message(self, p: _Params) -> JSONDict:
        chat_id = p.chat_id()
        self._check_can_write(chat_id)
        text = self._check_text(p.get_str("text"))
        markup = p.get_json("reply_markup")
        self._check_markup(markup)
        entities = p.get_json("entities")
        message = self._new_bot_message(
            chat_id,
            {"text": text, "entities": entities, "reply_markup": _inline_markup(markup)},
        )
        entry = SentMessage(
            method="sendMessage",
            chat_id=chat_id,
            message_id=message["message_id"],
            text=text,
            parse_mode=p.get_str("parse_mode"),
            reply_markup=copy.deepcopy(markup),
            entities=copy.deepcopy(entities),
            date=message["date"],
        )
        self._record_new_message(entry, message)
        return copy.deepcopy(message)

    def _stored_message(self, chat_id: int, message_id: int, verb: str) -> tuple[_Chat, JSONDict]:
        chat = self._chats.get(chat_id)
        message = None if chat is None else chat.messages.get(message_id)
        if chat is None or message is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return chat, message

    async def _edit_message_text(self, p: _Params) -> JSONDict:
        chat_id = p.chat_id()
        message_id = p.message_id()
        self._check_can_write(chat_id)
        chat, message = self._stored_message(chat_id, message_id, "edit")
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = self._check_text(p.get_str("text"))
        markup = p.get_json("reply_markup")
        self._check_markup(markup)
        entities = p.get_json("entities")
        parse_mode = p.get_str("parse_mode")
        view = chat.view[message_id]
        # Without reply_markup, editMessageText removes the inline keyboard (as Telegram does).
        if (
            text == view.text
            and parse_mode == view.parse_mode
            and entities == view.entities
            and _inline_markup(markup) == message.get("reply_markup")
        ):
            raise ApiError(400, _NOT_MODIFIED)
        message["text"] = text
        message.pop("entities", None)
        if entities:
            message["entities"] = copy.deepcopy(entities)
        self._set_message_markup(message, markup)
        message["edit_date"] = _now()
        view.text, view.parse_mode, view.entities = text, parse_mode, copy.deepcopy(entities)
        view.reply_markup = copy.deepcopy(markup)
        view.edited = True
        self.sent.append(
            SentMessage(
                method="editMessageText",
                chat_id=chat_id,
                message_id=message_id,
                text=text,
                parse_mode=parse_mode,
                reply_markup=copy.deepcopy(markup),
                entities=copy.deepcopy(entities),
                date=message["edit_date"],
            )
        )
        return copy.deepcopy(message)

    async def _edit_message_reply_markup(self, p: _Params) -> JSONDict:
        chat_id = p.chat_id()
        message_id = p.message_id()
        self._check_can_write(chat_id)
        chat, message = self._stored_message(chat_id, message_id, "edit")
        markup = p.get_json("reply_markup")
        self._check_markup(markup)
        if _inline_markup(markup) == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        self._set_message_markup(message, markup)
        message["edit_date"] = _now()
        view = chat.view[message_id]
        view.reply_markup = copy.deepcopy(markup)
        view.edited = True
        self.sent.append(
            SentMessage(
                method="editMessageReplyMarkup",
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=copy.deepcopy(markup),
                date=message["edit_date"],
            )
        )
        return copy.deepcopy(message)

    @staticmethod
    def _set_message_markup(message: JSONDict, markup: Any) -> None:
        inline = _inline_markup(markup)
        if inline is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = inline

    async def _delete_message(self, p: _Params) -> bool:
        chat_id = p.chat_id()
        message_id = p.message_id()
        chat, _ = self._stored_message(chat_id, message_id, "delete")
        del chat.messages[message_id]
        del chat.view[message_id]
        self.sent.append(
            SentMessage(method="deleteMessage", chat_id=chat_id, message_id=message_id, date=_now())
        )
        return True

    def _document_from_request(self, p: _Params) -> StoredFile:
        part = p.files.get("document")
        value = p.get_str("document")
        if part is None and value and value.startswith("attach://"):
            part = p.files.get(value[len("attach://") :])
        if part is not None:
            return self._store_file(
                part.filename or None, part.content_type or "application/octet-stream", part.body
            )
        if value in self._files:
            return self._files[value]
        if value and re.match(r"^https?://", value):
            name = value.rstrip("/").rsplit("/", 1)[-1] or None
            return self._store_file(name, None, None)
        if value:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, "Bad Request: there is no document in the request")

    async def _send_document(self, p: _Params) -> JSONDict:
        chat_id = p.chat_id()
        self._check_can_write(chat_id)
        stored = self._document_from_request(p)
        caption = p.get_str("caption")
        if caption is not None and _utf16_len(caption) > _MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        markup = p.get_json("reply_markup")
        self._check_markup(markup)
        message = self._new_bot_message(
            chat_id,
            {
                "document": self._document_dict(stored),
                "caption": caption,
                "caption_entities": p.get_json("caption_entities"),
                "reply_markup": _inline_markup(markup),
            },
        )
        entry = SentMessage(
            method="sendDocument",
            chat_id=chat_id,
            message_id=message["message_id"],
            parse_mode=p.get_str("parse_mode"),
            reply_markup=copy.deepcopy(markup),
            entities=copy.deepcopy(p.get_json("caption_entities")),
            caption=caption,
            document_name=stored.file_name,
            document_bytes=stored.data,
            document_mime_type=stored.mime_type,
            date=message["date"],
        )
        self._record_new_message(entry, message)
        return copy.deepcopy(message)

    async def _send_chat_action(self, p: _Params) -> bool:
        chat_id = p.chat_id()
        self._check_can_write(chat_id)
        action = p.get_str("action")
        if not action:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.sent.append(
            SentMessage(method="sendChatAction", chat_id=chat_id, action=action, date=_now())
        )
        return True

    async def _answer_callback_query(self, p: _Params) -> bool:
        query_id = p.get_str("callback_query_id")
        if not query_id or self._callback_queries.get(query_id, True):
            # Unknown, or already answered.
            raise ApiError(400, _QUERY_INVALID)
        self._callback_queries[query_id] = True
        answer: JSONDict = {"callback_query_id": query_id}
        for name in ("text", "url"):
            if name in p:
                answer[name] = p.get_str(name)
        answer["show_alert"] = p.get_bool("show_alert")
        if "cache_time" in p:
            answer["cache_time"] = p.get_int("cache_time")
        self.callback_answers.append(answer)
        return True

    async def _set_my_commands(self, p: _Params) -> bool:
        commands = p.get_json("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        commands = [{"command": c["command"], "description": c["description"]} for c in commands]
        key = self._scope_key(p.get_json("scope"), p.get_str("language_code"))
        self._commands_by_scope[key] = commands
        self.commands = copy.deepcopy(commands)
        self._last_commands_key = key
        return True

    async def _get_my_commands(self, p: _Params) -> list[JSONDict]:
        key = self._scope_key(p.get_json("scope"), p.get_str("language_code"))
        return copy.deepcopy(self._commands_by_scope.get(key, []))

    async def _delete_my_commands(self, p: _Params) -> bool:
        key = self._scope_key(p.get_json("scope"), p.get_str("language_code"))
        self._commands_by_scope.pop(key, None)
        if self._last_commands_key == key:
            self.commands = []
        return True

    async def _get_file(self, p: _Params) -> JSONDict:
        stored = self._files.get(p.get_str("file_id") or "")
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        result: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_path": stored.file_path,
        }
        if stored.data is not None:
            result["file_size"] = len(stored.data)
        return result
