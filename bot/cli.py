"""The ``aidess`` command line: the composition root of every channel and tool."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.core.dialogue import DialogueEngine
from bot.core.yamlsource import SourceError, parse_yaml
from bot.knowledge import Knowledge, load_knowledge
from bot.settings import Settings, describe_settings


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date invalide « {text} » : écrivez AAAA-MM-JJ, par exemple 2021-03-15"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aidess",
        description="AidESS : les aides publiques pour les petites structures de l'ESS.",
        epilog=describe_settings(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")

    chat = commands.add_parser("chat", help="la conversation dans le terminal")
    chat.add_argument("--as-of", type=_iso_date, help="date de référence (AAAA-MM-JJ)")
    chat.add_argument("--resume", action="store_true", help="reprendre la conversation enregistrée")
    chat.set_defaults(handler=cmd_chat)

    match = commands.add_parser("match", help="évaluer un jeu de réponses")
    match.add_argument(
        "--answers", required=True, help="fichier YAML ou JSON ; « - » pour l'entrée"
    )
    match.add_argument("--as-of", type=_iso_date, help="date de référence (AAAA-MM-JJ)")
    match.add_argument("--format", choices=("text", "json"), default="text")
    match.set_defaults(handler=cmd_match)

    telegram = commands.add_parser(
        "telegram", help="le bot Telegram (polling ; webhook avec --webhook-url)"
    )
    telegram.add_argument("--webhook-url", help="adresse HTTPS publique du webhook")
    telegram.add_argument("--listen", default="127.0.0.1", help="adresse d'écoute du webhook")
    telegram.add_argument("--port", type=int, default=8443, help="port d'écoute du webhook")
    telegram.add_argument("--as-of", type=_iso_date, help="date de référence (AAAA-MM-JJ)")
    telegram.set_defaults(handler=cmd_telegram)

    catalogue = commands.add_parser("catalogue", help="outils des coordinateurs")
    tools = catalogue.add_subparsers(dest="tool", required=True, metavar="OUTIL")
    check = tools.add_parser("check", help="valider un catalogue")
    check.add_argument("file", nargs="?", type=Path)
    check.add_argument("--as-of", type=_iso_date, help="date de référence (AAAA-MM-JJ)")
    check.set_defaults(handler=cmd_catalogue_check)
    test = tools.add_parser("test", help="lancer les exemples du catalogue")
    test.add_argument("file", nargs="?", type=Path)
    test.set_defaults(handler=cmd_catalogue_test)
    diff = tools.add_parser("diff", help="l'effet d'une modification : qui gagne ou perd une aide")
    diff.add_argument("old", type=Path, help="l'ancienne version du catalogue")
    diff.add_argument("new", type=Path, help="la nouvelle version du catalogue")
    diff.add_argument("--as-of", type=_iso_date, help="date de référence (AAAA-MM-JJ)")
    diff.add_argument("--all", action="store_true", help="lister toutes les situations")
    diff.set_defaults(handler=cmd_catalogue_diff)
    show = tools.add_parser("show", help="afficher une aide comme la lit une structure")
    show.add_argument("id", help="identifiant de l'aide, par exemple urgencess-2021")
    show.add_argument("file", nargs="?", type=Path)
    show.add_argument("--as-of", type=_iso_date, help="date de référence (AAAA-MM-JJ)")
    show.set_defaults(handler=cmd_catalogue_show)

    rasa = commands.add_parser("rasa", help="intégration avec un assistant Rasa")
    rasa_tools = rasa.add_subparsers(dest="tool", required=True, metavar="OUTIL")
    export = rasa_tools.add_parser("export", help="écrire le domain.yml Rasa généré des questions")
    export.add_argument("dir", type=Path, help="dossier où écrire domain.yml")
    export.set_defaults(handler=cmd_rasa_export)

    from bot import cli_support

    cli_support.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.handler(args, Settings.from_env())
    except SourceError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        code = 1
    except SQLAlchemyError as error:
        print(database_problem(error), file=sys.stderr)
        code = 1
    except BrokenPipeError:
        # The reader went away (e.g. `aidess catalogue diff … | head`): stop quietly.
        sys.stderr.close()
        code = 0
    except KeyboardInterrupt:
        print("\nInterrompu. Vos réponses sont gardées.", file=sys.stderr)
        code = 130
    raise SystemExit(code)


def database_problem(error: SQLAlchemyError) -> str:
    """One French line for a database that cannot be reached or used (no traceback)."""
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return (
        f"La base de données est inaccessible : {reason}\n"
        "Vérifiez DATABASE_URL et que le serveur de base de données fonctionne."
    )


def _knowledge(settings: Settings, catalogue: Path | None = None) -> Knowledge:
    return load_knowledge(catalogue or settings.catalogue_path, settings.diagnostic_path)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.terminal import TerminalChat
    from bot.storage.store import Store

    knowledge = _knowledge(settings)
    engine = DialogueEngine(knowledge.dialogue, knowledge.catalogue, args.as_of or date.today())
    try:
        store: Store | None = Store.from_url(settings.database_url)
    except (SQLAlchemyError, OSError):  # the chat goes on without saving
        print("(La base de données est indisponible : vos réponses ne seront pas gardées.)")
        store = None
    chat = TerminalChat(engine, store, interactive=sys.stdin.isatty())
    return chat.run(resume=args.resume)


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.render import PLAIN, render_report
    from bot.core.results import build_report

    knowledge = _knowledge(settings)
    as_of: date = args.as_of or date.today()
    answers, problems = read_answers(args.answers, knowledge, as_of)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 2
    report = build_report(knowledge.catalogue, answers, as_of)
    if args.format == "json":
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print("\n\n".join(render_report(report, PLAIN)))
    return 0


def read_answers(
    source: str, knowledge: Knowledge, as_of: date
) -> tuple[dict[str, Any], list[str]]:
    """Read an answer file (YAML or JSON mapping); return typed answers and problems."""
    name = "<entrée standard>" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        return {}, [f"{name}: fichier illisible ({error.strerror})"]
    located = parse_yaml(text, name)  # JSON is YAML too
    if not isinstance(located.data, dict):
        return {}, [f"{name}:1:1: attendu un ensemble « réponse: valeur »"]
    answers: dict[str, Any] = {}
    problems: list[str] = []
    questions = knowledge.dialogue.questions
    for key, raw in located.data.items():
        line, column = located.position((key,), key=True)
        question = questions.get(str(key))
        if question is None:
            problems.append(
                f"{name}:{line}:{column}: réponse « {key} » inconnue "
                f"(connues : {', '.join(questions)})"
            )
            continue
        try:
            answers[question.id] = question.coerce(raw, today_year=as_of.year)
        except ValueError as error:
            problems.append(f"{name}:{line}:{column}: {error}")
    return answers, problems


def cmd_telegram(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.telegram.app import ConfigurationError, Polling, Webhook, run
    from bot.storage.store import Store

    if not settings.telegram_token:
        print("TELEGRAM_BOT_TOKEN est vide : donnez le jeton du bot (@BotFather).", file=sys.stderr)
        return 2
    mode: Polling | Webhook = Polling()
    if args.webhook_url:
        mode = Webhook(args.webhook_url, args.listen, args.port, settings.webhook_secret)
    try:
        store = Store.from_url(settings.database_url)
        run(settings, _knowledge(settings), store, mode, as_of=args.as_of)
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


def cmd_catalogue_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.catalogue_tools.check import check_verdict, lint_catalogue, problem_counts

    file = str(args.file or settings.catalogue_path)
    catalogue = None
    try:
        knowledge = _knowledge(settings, args.file)
    except SourceError as error:
        problems = list(error.problems)
    else:
        catalogue, today = knowledge.catalogue, date.today()
        problems = lint_catalogue(
            catalogue, as_of=args.as_of or today, ask_if=knowledge.dialogue.ask_if, today=today
        )
    # On standard output, like other linters, so editors and scripts can read them.
    for problem in problems:
        print(problem)
    print(check_verdict(file, problems, catalogue))
    return 1 if catalogue is None or problem_counts(problems)[0] else 0


def cmd_catalogue_test(args: argparse.Namespace, settings: Settings) -> int:
    from bot.catalogue_tools.examples import run_examples

    knowledge = _knowledge(settings, args.file)
    outcomes = run_examples(knowledge.catalogue)
    failures = [o for o in outcomes if not o.passed]
    for outcome in failures:
        print(outcome.describe(knowledge.catalogue.file))
    passed = len(outcomes) - len(failures)
    print(
        f"Exemples : {passed} réussi{'s' if passed > 1 else ''}, {len(failures)} en échec "
        f"({passed} passed, {len(failures)} failed)."
    )
    return 1 if failures else 0


def cmd_catalogue_diff(args: argparse.Namespace, settings: Settings) -> int:
    from bot.catalogue_tools.diff import diff_catalogues, render_diff
    from bot.core.catalogue import load_catalogue
    from bot.core.dialogues import load_dialogue

    dialogue = load_dialogue(settings.diagnostic_path)
    catalogues, problems = [], []
    for path in (args.old, args.new):
        try:
            catalogues.append(load_catalogue(path, dialogue.questions))
        except SourceError as error:
            problems.extend(error.problems)
    if problems:
        raise SourceError(problems)
    old, new = catalogues
    diff = diff_catalogues(old, new, as_of=args.as_of or date.today(), ask_if=dialogue.ask_if)
    limit = None if args.all else 5
    print(render_diff(diff, dialogue.questions, str(args.old), str(args.new), limit=limit))
    return 0


def cmd_catalogue_show(args: argparse.Namespace, settings: Settings) -> int:
    from bot.catalogue_tools.show import show_aid, similar_ids

    knowledge = _knowledge(settings, args.file)
    catalogue = knowledge.catalogue
    aid = catalogue.aid(args.id)
    if aid is None:
        close = similar_ids(catalogue, args.id)
        hint = f" Vouliez-vous dire : {', '.join(close)} ?" if close else ""
        print(f"{catalogue.file} : aucune aide « {args.id} ».{hint}", file=sys.stderr)
        return 1
    as_of = args.as_of or date.today()
    print(show_aid(catalogue, aid, as_of=as_of, ask_if=knowledge.dialogue.ask_if))
    return 0


def cmd_rasa_export(args: argparse.Namespace, settings: Settings) -> int:
    import yaml

    from bot.channels.rasa_domain import DOMAIN_HEADER, FORM, build_domain
    from bot.core.dialogues import load_dialogue

    dialogue = load_dialogue(settings.diagnostic_path)
    domain = build_domain(dialogue)
    path = args.dir / "domain.yml"
    try:
        args.dir.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(domain, allow_unicode=True, sort_keys=False, width=100)
        path.write_text(DOMAIN_HEADER + text, encoding="utf-8")
    except OSError as error:
        print(f"{path}: écriture impossible ({error.strerror})", file=sys.stderr)
        return 1
    print(f"{path} : domaine Rasa écrit ({len(dialogue.questions)} questions, formulaire {FORM}).")
    return 0
