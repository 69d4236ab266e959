"""The Telegram bot's composition root: ``build_application`` wires python-telegram-bot to
the dialogue engine, the storage and the reminders; ``running`` starts and stops it (polling
or webhook). ``aidess telegram`` and the tests use both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)

from bot.channels.telegram import keyboards, messages
from bot.channels.telegram.callbacks import CallbackRequests
from bot.channels.telegram.handlers import DIALOGUE_COMMANDS, KEY_PREFIX, Handlers
from bot.channels.telegram.keyboards import Kind
from bot.channels.telegram.network import ResilientRateLimiter
from bot.channels.telegram.processor import PerChatUpdateProcessor
from bot.channels.telegram.reminders import PARIS, Clock, Reminders, utc_now
from bot.channels.telegram.support import SupportHandlers
from bot.knowledge import Knowledge, KnowledgeHolder
from bot.settings import Settings
from bot.storage.store import Store, use_write_ahead_log

_LOGGER = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
RETENTION = timedelta(days=180)  # a conversation without activity for this long is erased
PROCESSED_IDS_KEPT = timedelta(days=2)  # Telegram redelivers an update within 24 hours
PURGE_EVERY = timedelta(hours=6)
MAX_CONCURRENT_UPDATES = 256
WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts


class ConfigurationError(Exception):
    """A setting prevents the bot from starting; the message is for people."""


@dataclass(frozen=True)
class Polling:
    timeout: float = 30.0  # long-polling wait, in seconds
    poll_interval: float = 0.0


@dataclass(frozen=True)
class Webhook:
    url: str  # the public HTTPS address Telegram posts to
    listen: str = "127.0.0.1"
    port: int = 8443
    secret: str | None = None  # checked on every request; random when not given

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


def build_application(
    settings: Settings,
    knowledge: Knowledge,
    store: Store,
    *,
    as_of: date | None = None,
    clock: Clock = utc_now,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
    retention: timedelta = RETENTION,
) -> AnyApplication:
    """The bot, ready to be started with ``running``.

    ``as_of`` fixes the reference date of the diagnostic (default: today, at each update);
    ``clock`` gives the current time to the reminders; ``rate_limiter`` defaults to
    ``ResilientRateLimiter`` with Telegram's flood limits.
    """
    if not settings.telegram_token:
        raise ConfigurationError(
            "TELEGRAM_BOT_TOKEN est vide : donnez le jeton du bot (obtenu auprès de @BotFather)."
        )
    keyboards.check_fits(knowledge.dialogue.questions.values())
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                tzinfo=PARIS,
            )
        )
        .rate_limiter(rate_limiter or ResilientRateLimiter())
        .concurrent_updates(PerChatUpdateProcessor(max_concurrent_updates))
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url).base_file_url(
            file_url_for(settings.telegram_base_url)
        )
    use_write_ahead_log(store.engine)
    holder = KnowledgeHolder(knowledge)  # one for every handler: /recharger replaces it
    reminders = Reminders(store, lambda: holder.current.catalogue, clock)
    handlers = Handlers(
        holder,
        store,
        reminders,
        as_of=as_of,
        retention=retention,
        admin_ids=settings.admin_ids,
    )
    support = SupportHandlers(handlers, settings)
    callbacks = CallbackRequests(handlers, settings, clock)
    handlers.text_hook = callbacks.on_typed

    async def startup(application: AnyApplication) -> None:
        await _startup(application, handlers, store, reminders, clock, retention)
        await support.set_all_commands(application.bot)
        assert application.job_queue is not None
        callbacks.schedule(application.job_queue)

    application: AnyApplication = builder.post_init(startup).build()
    _register(application, handlers, support, callbacks)
    return application


def file_url_for(base_url: str) -> str:
    """``http://host:8081/bot`` → ``http://host:8081/file/bot`` (the Bot API's layout)."""
    head, _, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if head else base_url


def _register(
    application: AnyApplication, h: Handlers, s: SupportHandlers, c: CallbackRequests
) -> None:
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    add = application.add_handler

    async def on_start(update: Update, context: Any) -> None:
        """``/start``, or ``/start CODE`` from a handover link (t.me/bot?start=CODE)."""
        if context.args and s.is_code(context.args[0]):
            if await h._first_time(update):
                await s.redeem(update, context.bot, context.args[0])
            return
        await h.on_start(update, context)

    add(CommandHandler("start", on_start, filters=private))
    add(CommandHandler(list(DIALOGUE_COMMANDS), h.on_dialogue_command, filters=private))
    add(CommandHandler("aide", h.on_help, filters=private))
    add(CommandHandler("confidentialite", h.on_privacy, filters=private))
    add(CommandHandler("oublier", h.on_forget, filters=private))
    # Support workers and coordinators (each command checks who may use it).
    add(CommandHandler("inscription", s.on_register, filters=private))
    add(CommandHandler("nouvelle_session", s.on_new_session, filters=private))
    add(CommandHandler("sessions", s.on_sessions, filters=private))
    add(CommandHandler("note", s.on_note, filters=private))
    add(CommandHandler("transmettre", s.on_handover, filters=private))
    add(CommandHandler("code", s.on_code, filters=private))
    add(CommandHandler("synthese", s.on_summary, filters=private))
    add(CommandHandler("demandes", c.on_queue, filters=private))
    add(CommandHandler("recharger", s.on_reload, filters=private))
    add(CommandHandler("stats", s.on_stats, filters=private))
    add(MessageHandler(private & filters.COMMAND, h.on_unknown_command))
    add(MessageHandler(private & filters.TEXT, h.on_text))
    add(MessageHandler(private, h.on_other_message))

    def kinds(*chosen: Kind) -> str:
        return f"^({'|'.join(chosen)})({keyboards.SEP}|$)"

    dialogue = (Kind.CHOICE, Kind.YES, Kind.NO, Kind.UNKNOWN, Kind.TOGGLE, Kind.CONFIRM)
    add(CallbackQueryHandler(h.on_dialogue_button, pattern=kinds(*dialogue)))
    add(CallbackQueryHandler(h.on_dialogue_button, pattern=kinds(Kind.REFINE, Kind.CHANGE)))
    add(CallbackQueryHandler(h.on_dialogue_button, pattern=kinds(Kind.RESTART)))
    add(CallbackQueryHandler(h.on_change_menu_button, pattern=kinds(Kind.MENU)))
    add(CallbackQueryHandler(h.on_aid_button, pattern=kinds(Kind.AID)))
    add(CallbackQueryHandler(h.on_reminder_button, pattern=kinds(Kind.REMIND)))
    add(CallbackQueryHandler(h.on_summary_button, pattern=kinds(Kind.SUMMARY)))
    add(CallbackQueryHandler(h.on_forget_button, pattern=kinds(Kind.FORGET)))
    add(CallbackQueryHandler(c.on_contact_button, pattern=_valid(Kind.CONTACT, h)))
    add(CallbackQueryHandler(c.on_take_button, pattern=_valid(Kind.TAKE, h)))
    add(CallbackQueryHandler(s.on_switch_button, pattern=_valid(Kind.SWITCH, h)))
    add(CallbackQueryHandler(h.on_unknown_button))
    application.add_error_handler(h.on_error)


def _valid(kind: Kind, h: Handlers) -> Any:
    """A callback-data filter: buttons of this kind that decode (the others are stale)."""

    def matches(data: object) -> bool:
        if not isinstance(data, str) or not data.startswith(f"{kind}{keyboards.SEP}"):
            return False
        return keyboards.decode(data, h.questions) is not None

    return matches


async def _startup(
    application: AnyApplication,
    handlers: Handlers,
    store: Store,
    reminders: Reminders,
    clock: Clock,
    retention: timedelta,
) -> None:
    """Commands in the Telegram menu, old data purged, reminders scheduled again, and the
    replies interrupted by a crash sent."""
    try:
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in messages.COMMANDS])
    except TelegramError as error:
        # The menu is a comfort: typed commands work without it, so the bot starts anyway.
        _LOGGER.warning("command menu not set (%s)", type(error).__name__)
    job_queue = application.job_queue
    assert job_queue is not None, "python-telegram-bot[job-queue] is required"

    def purge() -> int:
        now = clock()
        return store.purge(
            KEY_PREFIX, inactive_before=now - retention, processed_before=now - PROCESSED_IDS_KEPT
        )

    async def purge_job(context: object) -> None:
        purge()

    purged = purge()
    scheduled, dropped = reminders.restore(job_queue)
    job_queue.run_repeating(purge_job, interval=PURGE_EVERY, first=PURGE_EVERY, name="purge")
    resumed = await handlers.resume_interrupted(application.bot)
    _LOGGER.info(
        "started: %d rows purged, %d reminders scheduled, %d dropped, %d replies resumed",
        purged,
        scheduled,
        dropped,
        resumed,
    )


@contextlib.asynccontextmanager
async def running(
    application: AnyApplication, mode: Polling | Webhook = Polling()
) -> AsyncIterator[AnyApplication]:
    """Start the bot (initialise, start-up tasks, then polling or the webhook) and stop it
    cleanly on exit, even after a failure half-way."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            updater = application.updater
            assert updater is not None
            if isinstance(mode, Webhook):
                await updater.start_webhook(
                    listen=mode.listen,
                    port=mode.port,
                    url_path=mode.path,
                    webhook_url=mode.url,
                    secret_token=webhook_secret(mode),
                    allowed_updates=ALLOWED_UPDATES,
                )
            else:
                await updater.start_polling(
                    poll_interval=mode.poll_interval,
                    timeout=timedelta(seconds=mode.timeout),
                    allowed_updates=ALLOWED_UPDATES,
                )
            try:
                yield application
            finally:
                await updater.stop()
        finally:
            await application.stop()
    finally:
        await application.shutdown()


def webhook_secret(mode: Webhook) -> str:
    if mode.secret is None:
        return secrets.token_urlsafe(32)
    if not WEBHOOK_SECRET.match(mode.secret):
        raise ConfigurationError(
            "AIDESS_WEBHOOK_SECRET : 1 à 256 caractères parmi A-Z, a-z, 0-9, _ et -."
        )
    return mode.secret


def configure_logging() -> None:
    """Readable logs without personal data: the HTTP client's request lines contain the bot
    token, PTB's debug lines contain message contents, and PTB's request layer logs the
    bodies it cannot parse; they stay silent (``network`` logs the failures)."""
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
    )
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("telegram.request").setLevel(logging.CRITICAL)


def run(
    settings: Settings,
    knowledge: Knowledge,
    store: Store,
    mode: Polling | Webhook,
    *,
    as_of: date | None = None,
) -> None:
    """``aidess telegram``: run until SIGINT or SIGTERM."""
    configure_logging()
    application = build_application(settings, knowledge, store, as_of=as_of)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with running(application, mode):
            where = "webhook " + mode.url if isinstance(mode, Webhook) else "polling"
            _LOGGER.info("AidESS Telegram bot running (%s)", where)
            await stop.wait()
        _LOGGER.info("stopped")

    asyncio.run(main())
