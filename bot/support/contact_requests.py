"""Call-back requests: a structure asks to be contacted by a local support organisation.

Kept: the département, the consent and what the user agreed to share (answers snapshot
only if they said yes), how to reach them. Nothing else about them.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from bot.storage.models import ContactRequest, RequestStatus, Worker


def _now() -> datetime:
    return datetime.now(UTC)


class ContactMethod(StrEnum):
    TELEGRAM = "telegram"
    PHONE = "telephone"
    EMAIL = "email"


METHOD_LABELS = {
    ContactMethod.TELEGRAM: "par message Telegram",
    ContactMethod.PHONE: "par téléphone",
    ContactMethod.EMAIL: "par e-mail",
}


class RequestError(ValueError):
    """A French message for the person who made the request."""


def create_request(
    engine: Engine,
    requester_key: str,
    department: str,
    method: ContactMethod,
    contact: str | None,
    answers: dict[str, Any] | None,
) -> ContactRequest:
    if method is not ContactMethod.TELEGRAM and not (contact or "").strip():
        raise RequestError("indiquez un numéro de téléphone ou une adresse e-mail")
    with Session(engine) as db:
        existing = db.exec(
            select(ContactRequest).where(
                ContactRequest.requester_key == requester_key,
                ContactRequest.status == RequestStatus.WAITING,
            )
        ).first()
        if existing is not None:
            raise RequestError(
                "vous avez déjà une demande en attente : un accompagnateur va la prendre en charge"
            )
        request = ContactRequest(
            requester_key=requester_key,
            department=department,
            method=method.value,
            contact=(contact or "").strip()[:200] or None,
            shared_answers=None if answers is None else json.dumps(answers, ensure_ascii=False),
        )
        db.add(request)
        db.commit()
        db.refresh(request)
        return request


def waiting_request_of(engine: Engine, requester_key: str) -> ContactRequest | None:
    with Session(engine) as db:
        return db.exec(
            select(ContactRequest).where(
                ContactRequest.requester_key == requester_key,
                ContactRequest.status == RequestStatus.WAITING,
            )
        ).first()


def get_request(engine: Engine, request_id: int) -> ContactRequest | None:
    with Session(engine) as db:
        return db.get(ContactRequest, request_id)


_PHONE = re.compile(r"^(?:\+33|0033|0)([1-9]\d{8})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


def parse_contact(method: ContactMethod, text: str) -> str | None:
    """A French phone number (``06 12 34 56 78``, ``+33 6…``) or an e-mail address, tidied;
    None when it does not look like one (a light check: typos, not existence)."""
    text = text.strip()
    if method is ContactMethod.PHONE:
        digits = re.sub(r"[\s.\-()]", "", text)
        match = _PHONE.match(digits)
        if match is None:
            return None
        national = "0" + match.group(1)
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    if method is ContactMethod.EMAIL:
        return text if len(text) <= 200 and _EMAIL.match(text) else None
    return text or None


def queue_for(engine: Engine, worker: Worker) -> list[ContactRequest]:
    """Waiting requests of the départements the worker covers, oldest first."""
    codes = worker.department_codes()
    with Session(engine) as db:
        query = (
            select(ContactRequest)
            .where(
                col(ContactRequest.status) == RequestStatus.WAITING,
                col(ContactRequest.department).in_(codes),
            )
            .order_by(col(ContactRequest.id))
        )
        return list(db.exec(query))


def take_request(engine: Engine, worker: Worker, request_id: int) -> ContactRequest:
    """Atomically assign a waiting request to the worker (two workers cannot both take it)."""
    with Session(engine) as db:
        request = db.get(ContactRequest, request_id)
        if request is None or not worker.covers(request.department):
            raise RequestError("cette demande n'existe pas ou ne concerne pas vos départements")
        result = db.exec(
            update(ContactRequest)
            .where(
                col(ContactRequest.id) == request_id,
                col(ContactRequest.status) == RequestStatus.WAITING,
            )
            .values(status=RequestStatus.TAKEN, worker_id=worker.id, taken_at=_now())
        )
        db.commit()
        if not result.rowcount:
            raise RequestError("cette demande a déjà été prise par un autre accompagnateur")
        refreshed = db.get(ContactRequest, request_id)
        assert refreshed is not None
        db.refresh(refreshed)
        return refreshed


def overdue_requests(
    engine: Engine, older_than: timedelta, now: datetime | None = None
) -> list[ContactRequest]:
    """Waiting requests nobody took in time and not yet flagged to coordinators."""
    limit = (now or _now()) - older_than
    with Session(engine) as db:
        rows = db.exec(
            select(ContactRequest).where(
                ContactRequest.status == RequestStatus.WAITING,
                ContactRequest.flagged_at == None,  # noqa: E711 - SQL IS NULL
            )
        ).all()
        return [r for r in rows if _aware(r.created_at) <= limit]


def mark_flagged(engine: Engine, request_ids: list[int]) -> None:
    with Session(engine) as db:
        for request_id in request_ids:
            request = db.get(ContactRequest, request_id)
            if request is not None:
                request.flagged_at = _now()
                db.add(request)
        db.commit()


def delete_requests_of(engine: Engine, requester_key: str) -> int:
    with Session(engine) as db:
        rows = db.exec(
            select(ContactRequest).where(ContactRequest.requester_key == requester_key)
        ).all()
        for row in rows:
            db.delete(row)
        db.commit()
        return len(rows)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
