"""Support workers (accompagnateurs): who they are, which départements they cover."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.departments import find_department
from bot.storage.models import Invitation, Worker
from bot.support.codes import hash_code, new_code


def _now() -> datetime:
    return datetime.now(UTC)


class WorkerError(ValueError):
    """A French message for the person who made the request."""


def parse_departments(items: Iterable[str]) -> str:
    codes: list[str] = []
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            department = find_department(part)
            if department is None:
                raise WorkerError(f"département « {part.strip()} » inconnu (exemple : 59 ou Nord)")
            codes.append(department.code)
    if not codes:
        raise WorkerError("indiquez au moins un département")
    return ",".join(dict.fromkeys(codes))


def add_worker(
    engine: Engine,
    name: str,
    organisation: str,
    departments: Iterable[str],
    telegram_id: int | None = None,
) -> Worker:
    worker = Worker(
        name=name.strip(),
        organisation=organisation.strip(),
        departments=parse_departments(departments),
        telegram_id=telegram_id,
    )
    with Session(engine) as session:
        if telegram_id is not None and _by_telegram(session, telegram_id) is not None:
            raise WorkerError("ce compte Telegram est déjà enregistré comme accompagnateur")
        session.add(worker)
        session.commit()
        session.refresh(worker)
    return worker


def invite_worker(engine: Engine, name: str, organisation: str, departments: Iterable[str]) -> str:
    """Create a one-time invitation; the returned code is shown once and stored hashed."""
    code = new_code()
    with Session(engine) as session:
        session.add(
            Invitation(
                code_hash=hash_code(code),
                name=name.strip(),
                organisation=organisation.strip(),
                departments=parse_departments(departments),
            )
        )
        session.commit()
    return code


def redeem_invitation(engine: Engine, code: str, telegram_id: int) -> Worker:
    with Session(engine) as session:
        invitation = session.get(Invitation, hash_code(code))
        if invitation is None or invitation.used_at is not None:
            raise WorkerError("ce code d'invitation n'est pas valable ou a déjà servi")
        if _by_telegram(session, telegram_id) is not None:
            raise WorkerError("vous êtes déjà enregistré comme accompagnateur")
        invitation.used_at = _now()
        worker = Worker(
            name=invitation.name,
            organisation=invitation.organisation,
            departments=invitation.departments,
            telegram_id=telegram_id,
        )
        session.add(invitation)
        session.add(worker)
        session.commit()
        session.refresh(worker)
        return worker


def worker_for(engine: Engine, telegram_id: int) -> Worker | None:
    with Session(engine) as session:
        return _by_telegram(session, telegram_id)


def workers_covering(engine: Engine, department: str) -> list[Worker]:
    with Session(engine) as session:
        return [w for w in session.exec(select(Worker)) if w.covers(department)]


def list_workers(engine: Engine) -> list[Worker]:
    with Session(engine) as session:
        return list(session.exec(select(Worker).order_by(Worker.id)))  # type: ignore[arg-type]


def _by_telegram(session: Session, telegram_id: int) -> Worker | None:
    return session.exec(select(Worker).where(Worker.telegram_id == telegram_id)).first()
