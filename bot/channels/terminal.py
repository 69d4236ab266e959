"""The terminal channel: ``aidess chat``. A thin adapter around the dialogue engine."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.core import parsing
from bot.core.dialogue import (
    Acknowledge,
    Ask,
    Back,
    Change,
    ChooseAnswer,
    DialogueEngine,
    DialogueState,
    Event,
    Notice,
    OfferRefine,
    Output,
    Phase,
    Restart,
    ShowReport,
    ShowResults,
    Start,
    Step,
    Text,
)
from bot.core.render import PLAIN, render_question, render_report
from bot.storage.store import Store

TERMINAL_KEY = "terminal:local"

HELP = """Commandes utiles, à taper à tout moment :
  retour       annuler la dernière réponse
  modifier     changer une réponse déjà donnée
  résultats    voir les résultats tout de suite
  recommencer  tout reprendre depuis le début
  oublier      effacer les réponses gardées sur cet ordinateur
  quitter      arrêter (vos réponses sont gardées : aidess chat --resume)
Pour répondre, tapez le numéro d'un choix ou écrivez votre réponse.
« je ne sais pas » est toujours accepté."""

COMMANDS: dict[str, str] = {
    "retour": "back",
    "/retour": "back",
    "annuler": "back",
    "modifier": "change",
    "/modifier": "change",
    "resultats": "results",
    "/resultats": "results",
    "recommencer": "restart",
    "/recommencer": "restart",
    "aide": "help",
    "/aide": "help",
    "help": "help",
    "oublier": "forget",
    "/oublier": "forget",
    "quitter": "quit",
    "/quitter": "quit",
    "q": "quit",
    "exit": "quit",
}


@dataclass
class TerminalChat:
    engine: DialogueEngine
    store: Store | None
    input: TextIO = field(default_factory=lambda: sys.stdin)
    output: TextIO = field(default_factory=lambda: sys.stdout)
    interactive: bool = False
    key: str = TERMINAL_KEY
    state: DialogueState = field(default_factory=DialogueState)
    choosing: tuple[str, ...] | None = None  # question ids offered by "modifier"

    def run(self, *, resume: bool = False) -> int:
        self.say(self.engine.dialogue.spec.intro)
        self.say("Tapez « aide » pour voir les commandes.\n")
        saved = self._load() if resume else None
        if resume and saved is None:
            self.say("Aucune conversation enregistrée : nous commençons.")
        if saved is not None:
            self.state = saved
            self.say("Nous reprenons là où vous en étiez.")
            self._apply(self.engine.handle(saved, Start()))
        else:
            self._apply(self.engine.start())
        for line in self._lines():
            command = COMMANDS.get(parsing.normalize(line))
            if command == "quit":
                self.say("Vos réponses sont gardées. Reprenez avec : aidess chat --resume")
                return 0
            if command == "help":
                self.say(HELP)
                continue
            if command == "forget":
                self._forget()
                continue
            event = self._event(line, command)
            if event is not None:
                self._apply(self.engine.handle(self.state, event))
        self._end_of_input()
        return 0

    # -- input -> events ----------------------------------------------------------------------

    def _event(self, line: str, command: str | None) -> Event | None:
        if self.choosing is not None and command is None:
            return self._pick_answer_to_change(line)
        self.choosing = None
        match command:
            case "back":
                return Back()
            case "change":
                return Change()
            case "results":
                return ShowResults()
            case "restart":
                return Restart()
        if not line.strip():
            return None
        return Text(line)

    def _pick_answer_to_change(self, line: str) -> Event | None:
        assert self.choosing is not None
        number = parsing.parse_integer(line, minimum=1, maximum=len(self.choosing))
        if number is None:
            self.say(f"Tapez un numéro entre 1 et {len(self.choosing)}, ou « retour ».")
            return None
        question_id = self.choosing[number - 1]
        self.choosing = None
        return Change(question_id)

    def _lines(self) -> Iterator[str]:
        while True:
            if self.interactive:
                self.output.write("> ")
                self.output.flush()
            line = self.input.readline()
            if not line:
                return
            yield line.rstrip("\n")

    def _end_of_input(self) -> None:
        if self.interactive:
            self.say("\nVos réponses sont gardées. Reprenez avec : aidess chat --resume")
            return
        if self.state.phase is Phase.ASKING and self.state.answers:
            # Shown without changing the saved state, so --resume continues the questions.
            self.say("\nFin des réponses : voici les résultats avec ce que vous avez indiqué.")
            report = self.engine.report(self.state.answers)
            self.say("\n" + "\n\n".join(render_report(report, PLAIN, final=False)))
            self.say("\nVos réponses sont gardées. Reprenez avec : aidess chat --resume")

    # -- outputs ---------------------------------------------------------------------------------

    def _apply(self, step: Step) -> None:
        if step.changed:
            self._save(step.state)
        self.state = step.state
        for output in step.outputs:
            self._show(output)

    def _show(self, output: Output) -> None:
        match output:
            case Ask():
                self.say("\n" + render_question(output, PLAIN) + "\n  (ou « je ne sais pas »)")
            case Acknowledge(question, value):
                self.say(f"✓ {question.label} : {question.format(value)}")
            case ShowReport(report, final, _):
                self.say("\n" + "\n\n".join(render_report(report, PLAIN, final=final)))
                if final:
                    self.say(
                        "\nTapez « modifier » pour changer une réponse, « recommencer » "
                        "pour un autre diagnostic, ou « quitter »."
                    )
            case OfferRefine(more, _):
                self.say(
                    f"\n{more} aide(s) restent à confirmer. Voulez-vous répondre à quelques "
                    "questions de plus pour préciser ? (oui / non)"
                )
            case ChooseAnswer(items):
                self.choosing = tuple(q.id for q, _ in items)
                self.say("Quelle réponse voulez-vous changer ?")
                for i, (question, value) in enumerate(items, start=1):
                    self.say(f"  {i}. {question.label} : {value}")
            case Notice(text):
                self.say(text)

    def say(self, text: str) -> None:
        self.output.write(text + "\n")
        self.output.flush()

    # -- storage ---------------------------------------------------------------------------------

    def _load(self) -> DialogueState | None:
        if self.store is None:
            return None
        try:
            data = self.store.load(self.key)
        except SQLAlchemyError:
            self.say("La conversation enregistrée n'a pas pu être lue : nous recommençons.")
            return None
        return None if data is None else DialogueState.from_json(data, self.engine.questions)

    def _forget(self) -> None:
        if self.store is not None:
            try:
                self.store.delete(self.key)
            except SQLAlchemyError:
                self.say("Vos réponses n'ont pas pu être effacées : réessayez plus tard.")
                return
        self.say("C'est fait : vos réponses gardées sont effacées. Nous recommençons.")
        self.state = DialogueState()
        self.choosing = None
        step = self.engine.start()
        self.state = step.state
        for output in step.outputs:
            self._show(output)

    def _save(self, state: DialogueState) -> None:
        if self.store is None:
            return
        try:
            self.store.save(self.key, self.engine.dialogue.spec.id, state.to_json())
        except SQLAlchemyError:
            self.say("(Vos réponses n'ont pas pu être enregistrées ; la conversation continue.)")
