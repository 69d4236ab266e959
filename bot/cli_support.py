"""Command line for support networks: workers, guided sessions' summaries, statistics."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.settings import Settings


def register(commands: Any) -> None:
    workers = commands.add_parser("workers", help="les accompagnateurs")
    tools = workers.add_subparsers(dest="tool", required=True, metavar="ACTION")
    add = tools.add_parser("add", help="enregistrer un accompagnateur")
    _worker_fields(add)
    add.add_argument("--telegram-id", type=int, help="identifiant Telegram, s'il est connu")
    add.set_defaults(handler=cmd_workers_add)
    invite = tools.add_parser("invite", help="créer un code d'invitation à usage unique")
    _worker_fields(invite)
    invite.set_defaults(handler=cmd_workers_invite)
    listing = tools.add_parser("list", help="lister les accompagnateurs")
    listing.set_defaults(handler=cmd_workers_list)

    sessions = commands.add_parser("sessions", help="les sessions accompagnées")
    stools = sessions.add_subparsers(dest="tool", required=True, metavar="ACTION")
    export = stools.add_parser("export", help="exporter la synthèse d'une session")
    export.add_argument("id", type=int)
    export.add_argument("--format", choices=("md", "pdf"), default="md")
    export.add_argument("--output", type=Path, help="fichier à écrire (défaut : sortie)")
    export.add_argument("--as-of", type=date.fromisoformat, help="date de référence")
    export.set_defaults(handler=cmd_sessions_export)

    stats = commands.add_parser("stats", help="statistiques anonymes")
    stats.add_argument("--as-of", type=date.fromisoformat, help="date de référence")
    stats.set_defaults(handler=cmd_stats)


def _worker_fields(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="nom de l'accompagnateur")
    parser.add_argument("--organisation", required=True, help="structure d'accompagnement")
    parser.add_argument(
        "--departments", required=True, nargs="+", help="départements couverts, par exemple 59 62"
    )


def _engine(settings: Settings) -> Any:
    from bot.storage.store import make_engine

    return make_engine(settings.database_url)


def cmd_workers_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.support.workers import WorkerError, add_worker

    try:
        worker = add_worker(
            _engine(settings), args.name, args.organisation, args.departments, args.telegram_id
        )
    except WorkerError as error:
        print(f"Impossible : {error}.", file=sys.stderr)
        return 1
    print(
        f"Accompagnateur n° {worker.id} enregistré : {worker.name} ({worker.organisation}), "
        f"départements {worker.departments.replace(',', ', ')}."
    )
    if worker.telegram_id is None:
        print(
            "Sans identifiant Telegram : préférez « aidess workers invite » pour qu'il "
            "s'inscrive lui-même auprès du bot."
        )
    return 0


def cmd_workers_invite(args: argparse.Namespace, settings: Settings) -> int:
    from bot.support.workers import WorkerError, invite_worker

    try:
        code = invite_worker(_engine(settings), args.name, args.organisation, args.departments)
    except WorkerError as error:
        print(f"Impossible : {error}.", file=sys.stderr)
        return 1
    print(f"Code d'invitation (à usage unique) : {code}")
    print(f"L'accompagnateur l'envoie au bot : /inscription {code}")
    return 0


def cmd_workers_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.support.workers import list_workers

    workers = list_workers(_engine(settings))
    if not workers:
        print("Aucun accompagnateur enregistré.")
    for w in workers:
        linked = "relié à Telegram" if w.telegram_id else "pas encore relié à Telegram"
        print(f"{w.id}. {w.name} — {w.organisation} — {w.departments} — {linked}")
    return 0


def cmd_sessions_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge import knowledge_from_settings
    from bot.support.session_summary import SummaryNotFound, session_summary

    knowledge = knowledge_from_settings(settings)
    try:
        summary = session_summary(_engine(settings), knowledge, args.id, args.as_of or date.today())
    except SummaryNotFound as error:
        print(f"Impossible : {error}.", file=sys.stderr)
        return 1
    data = summary.to_pdf() if args.format == "pdf" else summary.to_markdown().encode()
    if args.output:
        args.output.write_bytes(data)
        print(f"Synthèse écrite dans {args.output}.")
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge import knowledge_from_settings
    from bot.support.stats import compute_stats, render_stats

    knowledge = knowledge_from_settings(settings)
    stats = compute_stats(_engine(settings), knowledge, args.as_of or date.today())
    print(render_stats(stats, knowledge))
    return 0
