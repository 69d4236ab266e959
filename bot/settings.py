"""Settings: every environment variable declared once, with its default and help."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("TELEGRAM_BOT_TOKEN", None, "jeton du bot Telegram (obligatoire pour aidess telegram)"),
    Setting(
        "TELEGRAM_API_BASE_URL",
        None,
        "adresse de base de la Bot API, par exemple http://127.0.0.1:8081/bot",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "base de données SQLAlchemy ; par défaut un fichier SQLite dans le dossier de données",
    ),
    Setting("AIDESS_CATALOGUE", str(PROJECT_ROOT / "aids_catalogue.yaml"), "catalogue des aides"),
    Setting("AIDESS_DIALOGUES", str(PROJECT_ROOT / "dialogues"), "dossier des questions"),
    Setting(
        "AIDESS_ADMIN_IDS", "", "identifiants Telegram des coordinateurs, séparés par des virgules"
    ),
    Setting("AIDESS_WEBHOOK_SECRET", None, "jeton secret du webhook Telegram"),
    Setting(
        "AIDESS_CALLBACK_ALERT_HOURS",
        "48",
        "délai (heures) après lequel une demande de rappel non prise est signalée aux "
        "coordinateurs",
    ),
)


def _data_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aidess"


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None
    telegram_base_url: str | None
    database_url: str
    catalogue_path: Path
    dialogues_path: Path
    admin_ids: frozenset[int]
    webhook_secret: str | None
    callback_alert_hours: float = 48.0

    @property
    def diagnostic_path(self) -> Path:
        return self.dialogues_path / "diagnostic.yaml"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values = {s.name: env.get(s.name) or s.default for s in SETTINGS}
        database_url = values["DATABASE_URL"]
        if not database_url:
            database_url = f"sqlite:///{_data_dir(env) / 'aidess.db'}"
        admins = frozenset(
            int(part)
            for part in (values["AIDESS_ADMIN_IDS"] or "").replace(" ", "").split(",")
            if part.isdigit()
        )
        return cls(
            telegram_token=values["TELEGRAM_BOT_TOKEN"],
            telegram_base_url=values["TELEGRAM_API_BASE_URL"],
            database_url=database_url,
            catalogue_path=Path(values["AIDESS_CATALOGUE"] or ""),
            dialogues_path=Path(values["AIDESS_DIALOGUES"] or ""),
            admin_ids=admins,
            webhook_secret=values["AIDESS_WEBHOOK_SECRET"],
            callback_alert_hours=_hours(values["AIDESS_CALLBACK_ALERT_HOURS"]),
        )


def _hours(text: str | None) -> float:
    try:
        hours = float((text or "").replace(",", "."))
    except ValueError:
        return 48.0
    return hours if hours > 0 else 48.0


def describe_settings() -> str:
    """The settings as help text for ``aidess --help``."""
    lines = ["Variables d'environnement :"]
    for setting in SETTINGS:
        default = f" (défaut : {setting.default})" if setting.default else ""
        lines.append(f"  {setting.name:<24} {setting.help}{default}")
    return "\n".join(lines)
