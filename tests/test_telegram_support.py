"""Support workers and coordinators in the Telegram bot, end to end: the real PTB Application
polling ``FakeBotApi`` over HTTP, on SQLite and PostgreSQL 15. Workers register with a code,
run guided sessions and hand them over; call-back requests reach the right workers; admins
reload the catalogue and read anonymous figures; members are refused what is not theirs."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.channels.telegram import messages
from bot.channels.telegram.callbacks import ALERT_JOB
from bot.channels.telegram.handlers import chat_key
from bot.core.vocabulary import AnswerValue
from bot.knowledge import Knowledge
from bot.settings import PROJECT_ROOT
from bot.support.contact_requests import (
    ContactMethod,
    create_request,
    parse_contact,
    waiting_request_of,
)
from bot.support.guided import sessions_of, start_session
from bot.support.workers import invite_worker
from tests.support.botapi import FakeBotApi
from tests.support.telegram import BotHarness, Person, html_problems
from tests.test_telegram_conversation import COVID, EMPLOYER_2021

ADMIN = 900
CLAIRE, PAUL, NADIA = 1001, 1002, 1003  # Nord, Somme, Nord
MEMBER, OTHER = 2001, 2002
CALLBACK = "📞 Être recontacté par un accompagnateur"


@contextlib.asynccontextmanager
async def running_bot(
    database_url: str, tmp_path: Path, knowledge: Knowledge
) -> AsyncIterator[BotHarness]:
    """The bot with a coordinator and its own copy of the catalogue (to break or change)."""
    catalogue = tmp_path / "aids_catalogue.yaml"
    shutil.copy(PROJECT_ROOT / "aids_catalogue.yaml", catalogue)
    env = {"AIDESS_ADMIN_IDS": str(ADMIN), "AIDESS_CATALOGUE": str(catalogue)}
    async with FakeBotApi() as api:
        async with BotHarness(api, database_url, knowledge, COVID, env=env) as bot:
            yield bot


@pytest_asyncio.fixture
async def harness(
    database_url: str, tmp_path: Path, knowledge: Knowledge
) -> AsyncIterator[BotHarness]:
    """On SQLite and on PostgreSQL."""
    async with running_bot(database_url, tmp_path, knowledge) as bot:
        yield bot


@pytest_asyncio.fixture
async def lite(tmp_path: Path, knowledge: Knowledge) -> AsyncIterator[BotHarness]:
    """On SQLite only, for the flows whose storage the two-database tests already cover."""
    async with running_bot(f"sqlite:///{tmp_path / 'bot.db'}", tmp_path, knowledge) as bot:
        yield bot


def person(harness: BotHarness, user_id: int) -> Person:
    return harness.person(user_id)


def answers_of(harness: BotHarness, key: str) -> dict[str, AnswerValue]:
    return harness.answers(key)


async def register(harness: BotHarness, user_id: int, name: str, departments: list[str]) -> Person:
    code = invite_worker(harness.store().engine, name, f"DLA {name}", departments)
    worker = person(harness, user_id)
    await worker.say(f"/inscription {code}")
    assert "Bienvenue" in worker.texts()[-1]
    return worker


async def answer_some(user: Person, count: int) -> None:
    for _ in range(count):
        question = user.question()
        assert question is not None
        await user.answer(question, EMPLOYER_2021.get(question.id), by="buttons")


# -- guided sessions and handover ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_worker_runs_a_session_and_hands_it_over(harness: BotHarness) -> None:
    code = invite_worker(harness.store().engine, "Claire", "DLA du Nord", ["59"])
    claire = person(harness, CLAIRE)
    await claire.say(f"/inscription {code}")
    assert "Bienvenue Claire" in claire.texts()[-1] and "Nord (59)" in claire.texts()[-1]
    scoped = harness.api.commands_for({"type": "chat", "chat_id": CLAIRE})
    assert "nouvelle_session" in [c["command"] for c in scoped]
    intruder = person(harness, PAUL)
    await intruder.say(f"/inscription {code}")  # single use
    assert "déjà servi" in intruder.texts()[-1]

    await claire.say("/nouvelle_session Les Amis du Quartier")
    assert any("Session ouverte pour « Les Amis du Quartier »" in t for t in claire.texts())
    assert "Bonjour, je suis AidESS" not in "".join(claire.texts())
    await answer_some(claire, 3)
    live = claire.live()
    assert live is not None and (live.text or "").startswith("<i>🗂 Session : Les Amis du Quartier")
    await claire.say("/note Trésorier à rappeler jeudi")
    assert claire.texts()[-1] == "Note ajoutée à la session « Les Amis du Quartier »."
    store = harness.store()
    assert store.load(chat_key(CLAIRE)) is None  # her own diagnostic is untouched
    first = sessions_of(store.engine, 1)[0]
    session_answers = answers_of(harness, first.conversation_key)
    assert len(session_answers) == 3

    # A second session, then back to the first one by its button.
    await claire.say("/nouvelle_session Vélo Solidaire")
    assert claire.question() is not None and claire.question().id == "legal_form"  # type: ignore[union-attr]
    await claire.say("/sessions")
    listing = claire.live()
    assert listing is not None
    assert listing.button_texts == [
        "▶️ 2. Vélo Solidaire",
        "1. Les Amis du Quartier",
        "👤 Mon propre diagnostic",
    ]
    await claire.tap("1. Les Amis du Quartier")
    assert any("Vous reprenez la session « Les Amis du Quartier »" in t for t in claire.texts())
    next_question = claire.question()
    assert next_question is not None and next_question.id not in session_answers

    # The summary: Markdown and PDF, with the notes.
    await claire.say("/synthese")
    md, pdf = harness.api.sent_to(CLAIRE, ["sendDocument"])[-2:]
    assert md.document_name is not None and md.document_name.endswith(".md")
    assert md.document_name.startswith("aidess-les-amis-du-quartier-")
    text = (md.document_bytes or b"").decode("utf-8")
    assert "Synthèse — Les Amis du Quartier" in text and "Vos réponses" in text
    assert "Trésorier à rappeler jeudi" in text and "Forme juridique" in text
    assert pdf.document_name is not None and pdf.document_name.endswith(".pdf")
    assert (pdf.document_bytes or b"").startswith(b"%PDF")

    # The handover: a one-time code the member sends to the bot.
    await claire.say("/transmettre")
    found = re.search(r"<code>/code ([A-Z0-9]{4}-[A-Z0-9]{4})</code>", claire.texts()[-1])
    assert found is not None
    handover = found.group(1)
    member = person(harness, MEMBER)
    await member.say(f"/code {handover}")
    assert any("commencé avec votre accompagnateur" in t for t in member.texts())
    assert member.question() is not None and member.question().id == next_question.id  # type: ignore[union-attr]
    assert answers_of(harness, chat_key(MEMBER)) == session_answers
    assert "a repris son diagnostic" in claire.texts()[-1]
    await member.converse(EMPLOYER_2021, by="buttons")
    assert "✅" in member.results()
    mine = answers_of(harness, chat_key(MEMBER))
    assert {k: mine[k] for k in session_answers} == session_answers
    other = person(harness, OTHER)
    await other.say(f"/start {handover}")  # the deep link; the code already served
    assert "déjà servi" in other.texts()[-1]
    for entry in harness.api.sent:
        if entry.text is not None:
            assert html_problems(entry.text) == [], entry.text


@pytest.mark.asyncio
async def test_handover_by_deep_link(lite: BotHarness) -> None:
    claire = await register(lite, CLAIRE, "Claire", ["59"])
    await claire.say("/nouvelle_session Les Amis")
    await answer_some(claire, 2)
    await claire.say("/transmettre")
    assert "?start=" in claire.texts()[-1]
    code = re.findall(r"\?start=([A-Z0-9-]+)", claire.texts()[-1])[0]
    member = person(lite, MEMBER)
    await member.say(f"/start {code}")
    assert len(answers_of(lite, chat_key(MEMBER))) == 2
    assert member.question() is not None


# -- access control --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_members_and_other_workers_are_refused(lite: BotHarness) -> None:
    member = person(lite, MEMBER)
    for command in ("/nouvelle_session Test", "/demandes", "/sessions", "/note x", "/transmettre"):
        await member.say(command)
        assert member.texts()[-1] == messages.e(messages.WORKERS_ONLY), command
    for command in ("/recharger", "/stats"):
        await member.say(command)
        assert member.texts()[-1] == messages.ADMINS_ONLY, command
    public = [c["command"] for c in lite.api.commands_for()]
    assert "nouvelle_session" not in public and "recharger" not in public

    claire = await register(lite, CLAIRE, "Claire", ["59"])
    paul = await register(lite, PAUL, "Paul", ["80"])
    engine = lite.store().engine
    await paul.say("/nouvelle_session Chez Paul")
    paul_session = sessions_of(engine, 2)[0]
    await claire.say("/nouvelle_session Chez Claire")
    # A forged button to Paul's session: refused, Claire stays where she was.
    message = claire.messages()[-1]
    assert message.message_id is not None
    lite.api.push_callback(CLAIRE, message.message_id, f"S:{paul_session.id}", strict=False)
    await lite.idle()
    assert "ne vous appartient pas" in claire.texts()[-1]
    live = claire.live()
    assert live is not None and "Session : Chez Claire" in (live.text or "")
    # A forged « take » of a request of the Somme by a Nord worker: refused.
    request = create_request(engine, chat_key(OTHER), "80", ContactMethod.TELEGRAM, None, None)
    lite.api.push_callback(CLAIRE, message.message_id, f"T:{request.id}", strict=False)
    await lite.idle()
    assert "ne concerne pas vos départements" in claire.texts()[-1]
    lite.api.push_callback(
        MEMBER, member.messages()[-1].message_id or 0, f"T:{request.id}", strict=False
    )
    await lite.idle()
    assert member.texts()[-1] == messages.e(messages.WORKERS_ONLY)
    await claire.say("/demandes")
    assert claire.texts()[-1] == messages.NO_REQUESTS
    await paul.say("/demandes")
    assert "n° 1 — Somme (80)" in paul.texts()[-1]


# -- call-back requests ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_call_back_request_reaches_the_right_worker(harness: BotHarness) -> None:
    claire = await register(harness, CLAIRE, "Claire", ["59"])
    paul = await register(harness, PAUL, "Paul", ["80"])
    nadia = await register(harness, NADIA, "Nadia", ["59", "62"])
    paul_before = len(paul.messages())
    member = person(harness, MEMBER)
    await member.say("/start")
    await member.converse(EMPLOYER_2021, by="buttons")
    results = member.live()
    assert results is not None and CALLBACK in results.button_texts
    await member.tap(CALLBACK, results)
    consent = member.live()
    assert consent is not None and consent.text is not None
    assert "Nord (59)" in consent.text and "vos réponses et vos résultats" in consent.text
    assert consent.button_texts == [
        "J'accepte de partager mes réponses",
        "Partager seulement mon département",
        "Annuler",
    ]
    await member.tap("J'accepte de partager mes réponses")
    assert member.texts()[-1].startswith("Comment préférez-vous être contacté ?")
    await member.tap("Téléphone")
    await harness.restart()  # the exchange is stored: a restart loses nothing
    await member.say("12 34")
    assert member.texts()[-1] == messages.e(messages.BAD_PHONE)
    await member.say("06 12 34 56 78")
    assert "C'est envoyé" in member.texts()[-1]
    assert harness.store().draft(chat_key(MEMBER)) is None

    notice = claire.live()
    assert notice is not None and "Nouvelle demande de rappel n° 1" in (notice.text or "")
    assert "06 12" not in (notice.text or "")  # details only once taken
    assert len(paul.messages()) == paul_before  # the Somme worker is not told
    await claire.tap("🙋 Prendre en charge", notice)
    taken = "\n".join(claire.texts()[-3:])
    assert "Vous prenez en charge la demande n° 1" in taken
    assert "Par téléphone : 06 12 34 56 78" in taken and "Réponses de la structure" in taken
    assert notice.message_id is not None
    assert not next(m for m in claire.messages() if m.message_id == notice.message_id).button_texts
    assert "Fonds UrgencESS" in taken
    assert member.texts()[-1] == (
        "Bonne nouvelle : Claire (DLA Claire) va vous contacter par téléphone."
    )
    # Too late for the second Nord worker.
    await nadia.tap("🙋 Prendre en charge", nadia.live())
    assert "déjà été prise" in nadia.texts()[-1]
    await nadia.say("/demandes")
    assert nadia.texts()[-1] == messages.NO_REQUESTS
    # /oublier withdraws the request too.
    await member.say("/oublier")
    await member.tap("Oui, tout effacer")
    assert waiting_request_of(harness.store().engine, chat_key(MEMBER)) is None
    from sqlmodel import Session, select

    from bot.storage.models import ContactRequest

    with Session(harness.store().engine) as db:
        assert db.exec(select(ContactRequest)).all() == []


@pytest.mark.asyncio
async def test_department_only_by_telegram_then_cancel(lite: BotHarness) -> None:
    await register(lite, NADIA, "Nadia", ["59"])
    lite.api.block_user(NADIA)  # a worker who blocked the bot does not stop the others
    claire = await register(lite, CLAIRE, "Claire", ["59"])
    member = person(lite, MEMBER)
    await member.say("/start")
    await member.converse(EMPLOYER_2021, by="buttons")
    results = member.live()
    await member.tap(CALLBACK, results)
    await member.tap("Annuler")
    assert member.texts()[-1] == messages.CONTACT_CANCELLED
    await member.tap(CALLBACK, results)
    await member.tap("Partager seulement mon département")
    await member.tap("E-mail")
    await member.say("/resultats")  # moving on abandons the typed step
    await member.say("claire@asso")  # now an answer to the dialogue, not an address
    assert lite.store().draft(chat_key(MEMBER)) is None
    await member.tap(CALLBACK, results)
    await member.tap("Partager seulement mon département")
    await member.tap("Telegram")
    notice = claire.live()
    assert notice is not None
    await claire.tap("🙋 Prendre en charge", notice)
    taken = "\n".join(claire.texts()[-2:])
    assert "seulement son département" in taken and "tg://user?id=2001" in taken
    assert member.texts()[-1].endswith("va vous contacter par message Telegram.")


@pytest.mark.asyncio
async def test_an_overdue_request_is_flagged_once(lite: BotHarness) -> None:
    engine = lite.store().engine
    create_request(engine, chat_key(MEMBER), "59", ContactMethod.PHONE, "06 12 34 56 78", None)
    app = lite.app
    assert app is not None and app.job_queue is not None
    job = app.job_queue.get_jobs_by_name(ALERT_JOB)[0]
    await job.run(app)  # too early
    assert lite.api.messages_for(ADMIN) == []
    lite.clock.now = datetime.now(UTC) + timedelta(hours=49)
    await job.run(app)
    await job.run(app)
    alerts = lite.api.texts_for(ADMIN)
    assert len(alerts) == 1
    assert alerts[0] is not None and "plus de 48 h" in alerts[0] and "n° 1 — Nord (59)" in alerts[0]
    assert "06 12" not in alerts[0]


# -- coordinators ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_reload_keeps_serving_on_a_broken_file_and_applies_a_valid_one(
    lite: BotHarness,
) -> None:
    path = Path(lite.env["AIDESS_CATALOGUE"])
    good = path.read_text(encoding="utf-8")
    path.write_text(
        good.replace("    name: Fonds UrgencESS\n", "    nom: Fonds UrgencESS\n"), encoding="utf-8"
    )
    admin = person(lite, ADMIN)
    await admin.say("/recharger")
    reply = admin.texts()[-1]
    assert "n'est pas valable" in reply and "je garde l'ancien" in reply
    assert re.search(rf"<code>{re.escape(str(path))}:\d+:\d+: ", reply), reply

    user = person(lite, MEMBER)
    await user.say("/start")
    await user.converse(EMPLOYER_2021, by="buttons")
    assert "Fonds UrgencESS" in user.results()["✅"]

    # A conversation in progress, then a valid catalogue: answers kept, new results.
    other = person(lite, OTHER)
    await other.say("/start")
    await answer_some(other, 3)
    kept = answers_of(lite, chat_key(OTHER))
    path.write_text(
        good.replace("    name: Fonds UrgencESS\n", "    name: Fonds UrgencESS 2\n"),
        encoding="utf-8",
    )
    await admin.say("/recharger")
    aids = len(lite.knowledge.catalogue.aids)
    assert admin.texts()[-1].startswith(f"Catalogue rechargé : {aids} aides.")
    await other.converse(EMPLOYER_2021, by="buttons")
    assert "Fonds UrgencESS 2" in other.results()["✅"]
    mine = answers_of(lite, chat_key(OTHER))
    assert {k: mine[k] for k in kept} == kept


@pytest.mark.asyncio
async def test_stats_are_anonymous(lite: BotHarness) -> None:
    await register(lite, CLAIRE, "Claire", ["59"])
    start_session(lite.store().engine, 1, "Les Amis du Quartier")
    member = person(lite, MEMBER)
    await member.say("/start")
    await member.converse(EMPLOYER_2021, by="buttons")
    await member.tap(CALLBACK, member.live())
    await member.tap("J'accepte de partager mes réponses")
    await member.tap("Téléphone")
    await member.say("06 12 34 56 78")
    unfinished = person(lite, OTHER)
    await unfinished.say("/start")
    await answer_some(unfinished, 2)
    admin = person(lite, ADMIN)
    await admin.say("/stats")
    text = admin.texts()[-1]
    assert "Diagnostics commencés" in text and "Demandes de rappel en attente : 1" in text
    for secret in (str(MEMBER), str(OTHER), str(CLAIRE), "Claire", "06 12", "Les Amis"):
        assert secret not in text, secret
    worker = person(lite, CLAIRE)
    await worker.say("/stats")
    assert worker.texts()[-1] == messages.ADMINS_ONLY


@pytest.mark.parametrize(
    ("method", "typed", "kept"),
    [
        (ContactMethod.PHONE, "06 12 34 56 78", "06 12 34 56 78"),
        (ContactMethod.PHONE, "+33 6.12.34.56.78", "06 12 34 56 78"),
        (ContactMethod.PHONE, "0612 34", None),
        (ContactMethod.PHONE, "00 12 34 56 78", None),
        (ContactMethod.EMAIL, " contact@mon-asso.fr ", "contact@mon-asso.fr"),
        (ContactMethod.EMAIL, "contact@mon-asso", None),
        (ContactMethod.EMAIL, "contact mon-asso.fr", None),
    ],
)
def test_contact_details_are_checked_lightly(
    method: ContactMethod, typed: str, kept: str | None
) -> None:
    assert parse_contact(method, typed) == kept
