"""Loads what the assistant knows (dialogue + catalogue) as one validated unit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.core.catalogue import Catalogue, load_catalogue
from bot.core.dialogues import Dialogue, load_dialogue
from bot.settings import Settings


@dataclass(frozen=True)
class Knowledge:
    dialogue: Dialogue
    catalogue: Catalogue


def load_knowledge(catalogue_path: Path, diagnostic_path: Path) -> Knowledge:
    """Raise SourceError (with FILE:LINE:COLUMN problems) when either file is invalid."""
    dialogue = load_dialogue(diagnostic_path)
    return Knowledge(dialogue, load_catalogue(catalogue_path, dialogue.questions))


def knowledge_from_settings(settings: Settings) -> Knowledge:
    return load_knowledge(settings.catalogue_path, settings.diagnostic_path)


class KnowledgeHolder:
    """The knowledge a running service uses, replaced whole by ``reload``.

    Every part of a channel reads ``current`` when it needs it (never keeps its own copy),
    so a reload takes effect at the next update. A failed reload leaves ``current`` as it was.
    """

    def __init__(self, knowledge: Knowledge) -> None:
        self.current = knowledge

    def reload(
        self,
        catalogue_path: Path,
        diagnostic_path: Path,
        check: Callable[[Knowledge], None] | None = None,
    ) -> Knowledge:
        """Load both files again; raise SourceError (nothing changed) when either is invalid,
        or whatever ``check`` raises for the new knowledge."""
        knowledge = load_knowledge(catalogue_path, diagnostic_path)
        if check is not None:
            check(knowledge)
        self.current = knowledge
        return knowledge
