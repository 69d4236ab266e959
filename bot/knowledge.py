"""Loads what the assistant knows (dialogue + catalogue) as one validated unit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.catalogue import Catalogue, load_catalogue
from bot.dialogues import Dialogue, load_dialogue
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
