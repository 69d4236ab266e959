"""Deadline reminders: stored in the database, scheduled with PTB's JobQueue.

A reminder is due at 9:00 (Paris time) a week before the aid's deadline, or the day before
when the deadline is nearer. Reminders survive restarts: ``restore`` schedules them again at
start-up; one whose time passed while the bot was stopped is sent once right away if the
deadline is still ahead, and dropped otherwise. A reminder is deleted once sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ContextTypes, JobQueue

from bot.channels.telegram import keyboards, messages
from bot.core.catalogue import Catalogue
from bot.storage.models import Reminder
from bot.storage.store import Store

_LOGGER = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
REMIND_AT = time(9, 0)
LEADS = (timedelta(days=7), timedelta(days=1))  # preferred first
RETRY_LATER = timedelta(minutes=15)
JOB_PREFIX = "reminder-"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def chat_id_of(key: str) -> int:
    return int(key.rsplit(":", 1)[1])


@dataclass(frozen=True)
class Outcome:
    text: str
    created: bool


class Reminders:
    def __init__(
        self,
        store: Store,
        catalogue: Catalogue | Callable[[], Catalogue],
        clock: Clock = utc_now,
    ) -> None:
        """``catalogue``: the catalogue, or how to get the current one (it can be reloaded)."""
        self.store = store
        self._catalogue = catalogue
        self.clock = clock

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue if isinstance(self._catalogue, Catalogue) else self._catalogue()

    def due_for(self, deadline: date) -> datetime | None:
        """When to remind of ``deadline``; None when it is too near."""
        now = self.clock()
        for lead in LEADS:
            due = datetime.combine(deadline - lead, REMIND_AT, PARIS)
            if due > now:
                return due
        return None

    def request(
        self,
        job_queue: JobQueue[Any],
        key: str,
        aid_id: str,
        deadline: date | None,
    ) -> Outcome:
        """A user asked to be reminded of an aid's deadline."""
        if deadline is None:
            return Outcome(messages.NO_DEADLINE, False)
        existing = next((r for r in self.store.reminders(key) if r.aid_id == aid_id), None)
        if existing is not None:
            return Outcome(messages.reminder_exists(_local_day(existing.due_at)), False)
        due = self.due_for(deadline)
        if due is None:
            if deadline < self.clock().astimezone(PARIS).date():
                return Outcome(messages.deadline_passed(deadline), False)
            return Outcome(messages.reminder_too_late(deadline), False)
        reminder = self.store.add_reminder(key, aid_id, deadline, due.astimezone(UTC))
        if reminder is None:  # asked twice at the same time
            return Outcome(messages.reminder_exists(due.date()), False)
        self.schedule(job_queue, reminder)
        return Outcome(messages.reminder_set(due.date(), deadline), True)

    def schedule(
        self,
        job_queue: JobQueue[Any],
        reminder: Reminder,
        delay: timedelta | None = None,
    ) -> None:
        assert reminder.id is not None
        if delay is None:
            delay = max(_aware(reminder.due_at) - self.clock(), timedelta(0))
        job_queue.run_once(
            self._fire, when=delay, data=reminder.id, name=f"{JOB_PREFIX}{reminder.id}"
        )

    def restore(self, job_queue: JobQueue[Any]) -> tuple[int, int]:
        """At start-up: schedule the stored reminders again; drop those past their deadline.
        Returns (scheduled, dropped)."""
        scheduled = dropped = 0
        for reminder in self.store.reminders():
            if self._expired(reminder):
                assert reminder.id is not None
                self.store.delete_reminder(reminder.id)
                dropped += 1
            else:
                self.schedule(job_queue, reminder)
                scheduled += 1
        return scheduled, dropped

    def cancel(self, job_queue: JobQueue[Any], ids: list[int]) -> None:
        for reminder_id in ids:
            for job in job_queue.get_jobs_by_name(f"{JOB_PREFIX}{reminder_id}"):
                job.schedule_removal()

    def _expired(self, reminder: Reminder) -> bool:
        end_of_deadline = datetime.combine(reminder.deadline + timedelta(days=1), time(), PARIS)
        return end_of_deadline <= self.clock()

    async def _fire(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.job is not None and isinstance(context.job.data, int)
        reminder = self.store.reminder(context.job.data)
        if reminder is None or reminder.id is None:
            return  # forgotten (/oublier) in the meantime
        aid = self.catalogue.aid(reminder.aid_id)
        if aid is None or self._expired(reminder):
            self.store.delete_reminder(reminder.id)
            return
        markup = keyboards.open_aid_keyboard(aid.id, messages.REMINDER_OPEN)
        try:
            await context.bot.send_message(
                chat_id_of(reminder.key),
                messages.reminder(aid.name, reminder.deadline),
                reply_markup=markup,
            )
        except (Forbidden, BadRequest) as error:  # blocked the bot, or the chat is gone
            _LOGGER.info("reminder %d dropped (%s)", reminder.id, type(error).__name__)
        except (RetryAfter, NetworkError) as error:
            _LOGGER.warning(
                "reminder %d not sent (%s), retrying later", reminder.id, type(error).__name__
            )
            assert context.job_queue is not None
            self.schedule(context.job_queue, reminder, RETRY_LATER)
            return
        self.store.delete_reminder(reminder.id)


def _aware(moment: datetime) -> datetime:
    """Datetimes come back from SQLite without their time zone: they are stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _local_day(moment: datetime) -> date:
    return _aware(moment).astimezone(PARIS).date()
