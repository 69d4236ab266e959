"""YAML files loaded with the position of every value, so errors can name FILE:LINE:COLUMN."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

try:  # The C loader is about 5x faster; fall back when libyaml is missing.
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader whose impossible dates (2021-02-30) are errors with a position."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"date impossible « {node.value} » : écrivez une date qui existe, AAAA-MM-JJ",
            node.start_mark,
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)

PathKey = tuple[str | int, ...]


class Severity(StrEnum):
    ERROR = "erreur"
    WARNING = "avertissement"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a source file, printed as ``FILE:LINE:COLUMN: message``."""

    file: str
    line: int
    column: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        prefix = "attention : " if self.severity is Severity.WARNING else ""
        return f"{self.file}:{self.line}:{self.column}: {prefix}{self.message}"


class SourceError(Exception):
    """Raised when a file cannot be loaded; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Located:
    """A YAML document as plain Python data plus the position of each value and key."""

    file: str
    data: Any
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Iterable[str | int], *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value at ``path``, or of its nearest parent."""
        parts = tuple(path)
        table = self.keys if key else self.values
        while parts:
            if parts in table:
                return table[parts]
            if not key and parts in self.keys:
                return self.keys[parts]
            parts = parts[:-1]
            table = self.values
        return self.values.get((), (1, 1))

    def problem(
        self,
        path: Iterable[str | int],
        message: str,
        *,
        key: bool = False,
        severity: Severity = Severity.ERROR,
    ) -> Problem:
        line, column = self.position(path, key=key)
        return Problem(self.file, line, column, message, severity)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(
    node: yaml.Node,
    path: PathKey,
    located: Located,
    problems: list[Problem],
) -> None:
    located.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                line, column = _mark(key_node)
                first_line = seen[key][0]
                problems.append(
                    Problem(
                        located.file,
                        line,
                        column,
                        f"la clé « {key} » apparaît deux fois (déjà ligne {first_line}) : "
                        "supprimez ou renommez l'une des deux",
                    )
                )
                continue
            seen[key] = _mark(key_node)
            located.keys[(*path, key)] = _mark(key_node)
            _walk(value_node, (*path, key), located, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), located, problems)


def parse_yaml(text: str, file: str) -> Located:
    """Parse one YAML document, keeping positions; raise SourceError on any syntax slip."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SourceError([Problem(file, 1, 1, "le fichier est vide")])
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise SourceError([_syntax_problem(error, file)]) from None
    except yaml.YAMLError as error:
        raise SourceError([Problem(file, 1, 1, f"fichier YAML illisible : {error}")]) from None
    finally:
        loader.dispose()
    located = Located(file, data)
    problems: list[Problem] = []
    _walk(node, (), located, problems)
    if problems:
        raise SourceError(problems)
    return located


# Where the slip usually is: the start of the construct when YAML only notices it later.
_CONTEXT_FIRST = (
    "while scanning a simple key",
    "while scanning a quoted scalar",
    "while parsing a flow",
)

_SYNTAX_HINTS: tuple[tuple[str, str], ...] = (
    ("could not find expected ':'", "il manque « : » après le nom du champ"),
    (
        "mapping values are not allowed",
        "« : » inattendu : cette ligne (ou celle du dessus) est mal indentée, ou la valeur "
        "contient « : » (mettez alors la valeur entre guillemets)",
    ),
    (
        "did not find expected '-' indicator",
        "élément de liste mal aligné : alignez ce « - » ou ce champ sur ses voisins",
    ),
    ("did not find expected key", "indentation incohérente : alignez ce champ sur ses voisins"),
    ("did not find expected ',' or '}'", "accolade « { » non fermée, ou virgule manquante"),
    ("did not find expected ',' or ']'", "crochet « [ » non fermé, ou virgule manquante"),
    ("found unexpected end of stream", "guillemet ouvert mais jamais fermé"),
    ("tab character", "tabulation dans l'indentation : indentez avec des espaces"),
    (
        "cannot start any token",
        "caractère interdit en début de valeur (tabulation, « @ », « ` ») : indentez avec "
        "des espaces, ou mettez la valeur entre guillemets",
    ),
)


def _syntax_problem(error: yaml.MarkedYAMLError, file: str) -> Problem:
    context = error.context or ""
    use_context = error.context_mark is not None and context.startswith(_CONTEXT_FIRST)
    mark = error.context_mark if use_context else (error.problem_mark or error.context_mark)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    reason = error.problem or "syntaxe YAML invalide"
    if reason.startswith("date impossible"):
        return Problem(file, line, column, reason)
    hint = next((text for marker, text in _SYNTAX_HINTS if marker in reason), reason)
    return Problem(
        file,
        line,
        column,
        f"erreur de syntaxe YAML : {hint} ; vérifiez l'indentation (des espaces, alignés), "
        "les deux-points et les guillemets",
    )


def load_yaml(path: Path) -> Located:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError([Problem(str(path), 1, 1, "fichier introuvable")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError([Problem(str(path), 1, 1, f"fichier illisible : {error}")]) from None
    return parse_yaml(text, str(path))


_PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": "champ obligatoire « {field} » manquant : ajoutez-le",
    "extra_forbidden": "champ inconnu « {field} » : vérifiez l'orthographe ou supprimez-le",
    "string_type": "« {field} » doit être un texte",
    "int_type": "« {field} » doit être un nombre entier",
    "int_parsing": "« {field} » doit être un nombre entier",
    "bool_type": "« {field} » doit valoir true ou false",
    "bool_parsing": "« {field} » doit valoir true ou false",
    "list_type": "« {field} » doit être une liste (lignes commençant par « - »)",
    "dict_type": "« {field} » doit être un ensemble de champs « nom: valeur »",
    "model_type": "« {field} » doit être un ensemble de champs « nom: valeur »",
    "date_type": "« {field} » doit être une date écrite AAAA-MM-JJ, par exemple 2021-03-15",
    "date_parsing": "« {field} » doit être une date écrite AAAA-MM-JJ, par exemple 2021-03-15",
    "date_from_datetime_parsing": (
        "« {field} » doit être une date écrite AAAA-MM-JJ, par exemple 2021-03-15"
    ),
    "enum": "« {field} » : valeur « {input} » inconnue ; valeurs possibles : {expected}",
    "literal_error": "« {field} » : valeur « {input} » inconnue ; valeurs possibles : {expected}",
    "string_too_short": "« {field} » ne doit pas être vide",
    "too_short": "« {field} » ne doit pas être vide",
    "greater_than_equal": "« {field} » doit être au moins {ge}",
    "less_than_equal": "« {field} » doit être au plus {le}",
}


def validation_problems(located: Located, base: PathKey, error: Any) -> list[Problem]:
    """Turn a pydantic ValidationError raised on the data at ``base`` into located problems."""
    problems: list[Problem] = []
    items = error.errors(include_url=False)
    # A list whose only item failed is also reported "too short": keep the real cause.
    locs = [tuple(item["loc"]) for item in items]
    for item in items:
        loc = tuple(part for part in item["loc"] if not _is_union_tag(part))
        if item["type"] == "too_short" and any(
            len(other) > len(item["loc"]) and other[: len(item["loc"])] == item["loc"]
            for other in locs
        ):
            continue
        path = (*base, *loc)
        field_name = str(loc[-1]) if loc else "document"
        template = _PYDANTIC_MESSAGES.get(item["type"])
        context = {str(k): v for k, v in (item.get("ctx") or {}).items()}
        if template is not None:
            message = template.format(
                field=field_name,
                input=item.get("input"),
                **{
                    "expected": context.get("expected", ""),
                    "ge": context.get("ge", ""),
                    "le": context.get("le", ""),
                },
            )
        else:
            raw = str(item.get("msg", "valeur invalide"))
            message = f"« {field_name} » : {raw.removeprefix('Value error, ')}"
        key = item["type"] in {"extra_forbidden"}
        problems.append(located.problem(path, message, key=key))
    return problems


def _is_union_tag(part: object) -> bool:
    # pydantic inserts the member type's name in loc for unions ("function-after[...]", "int").
    return isinstance(part, str) and ("[" in part or part in {"int", "str", "bool", "list"})
