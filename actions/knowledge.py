"""What the actions share: the knowledge (dialogue + catalogue), loaded once per process and
reloaded when its files change, and the diagnostic held by a Rasa tracker."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.channels.rasa_domain import AS_OF_SLOT, answers_from_slots, reference_date
from bot.core.dialogue import DialogueEngine
from bot.core.vocabulary import AnswerValue
from bot.core.yamlsource import SourceError
from bot.knowledge import Knowledge, load_knowledge
from bot.settings import Settings

logger = logging.getLogger(__name__)

Stamp = tuple[tuple[Path, float | None], ...]


@dataclass
class _Loaded:
    stamp: Stamp
    knowledge: Knowledge


_loaded: _Loaded | None = None


def _stamp(paths: tuple[Path, ...]) -> Stamp:
    stamps: list[tuple[Path, float | None]] = []
    for path in paths:
        try:
            stamps.append((path, path.stat().st_mtime))
        except OSError:
            stamps.append((path, None))
    return tuple(stamps)


def current_knowledge() -> Knowledge:
    """The knowledge from AIDESS_CATALOGUE / AIDESS_DIALOGUES, reloaded when a file changes.

    A file that becomes invalid is reported in the log and the previous version is kept.
    """
    global _loaded
    settings = Settings.from_env()
    stamp = _stamp((settings.catalogue_path, settings.diagnostic_path))
    if _loaded is not None and _loaded.stamp == stamp:
        return _loaded.knowledge
    try:
        knowledge = load_knowledge(settings.catalogue_path, settings.diagnostic_path)
    except SourceError as error:
        for problem in error.problems:
            logger.error("%s", problem)
        if _loaded is None:
            raise
        logger.error("Fichiers invalides : AidESS garde la version chargée précédemment.")
        return _loaded.knowledge
    _loaded = _Loaded(stamp, knowledge)
    logger.info(
        "AidESS : %d questions, %d aides chargées.",
        len(knowledge.dialogue.questions),
        len(knowledge.catalogue.aids),
    )
    return knowledge


@dataclass(frozen=True)
class Diagnostic:
    """The diagnostic of one Rasa conversation: its reference date and typed answers."""

    knowledge: Knowledge
    as_of: date
    answers: dict[str, AnswerValue]

    @property
    def engine(self) -> DialogueEngine:
        return DialogueEngine(self.knowledge.dialogue, self.knowledge.catalogue, self.as_of)

    @classmethod
    def from_slots(cls, slots: dict[str, Any]) -> Diagnostic:
        knowledge = current_knowledge()
        as_of = reference_date(slots.get(AS_OF_SLOT), date.today())
        if as_of is None:
            raw = slots.get(AS_OF_SLOT)
            logger.warning("Slot %s invalide (%r) : date du jour utilisée.", AS_OF_SLOT, raw)
            as_of = date.today()
        answers = answers_from_slots(knowledge.dialogue.questions, slots, today_year=as_of.year)
        return cls(knowledge, as_of, answers)


# Load at import: the action server refuses to start on an invalid catalogue or dialogue,
# and the first conversation does not pay for the loading.
current_knowledge()
