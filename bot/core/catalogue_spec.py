"""The catalogue file's schema: what `aids_catalogue.yaml` may contain, as strict models.

An unknown field is an error, so a typo in a coordinator's edit is reported, not ignored.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from pydantic import (
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"le lien « {value} » doit commencer par https:// (ou http://)")
    AnyUrl(value)  # raises on a malformed address
    return value


def _end_after_start(end: date | None, info: ValidationInfo) -> date | None:
    start = info.data.get("start")
    if end is not None and isinstance(start, date) and end < start:
        raise ValueError(
            f"la période se termine ({end}) avant de commencer ({start}) : "
            "corrigez la date de fin (ou inversez « start » et « end »)"
        )
    return end


class SourceSpec(_Strict):
    title: str = Field(min_length=1)
    url: str

    _url = field_validator("url")(classmethod(lambda cls, v: _http_url(v)))


class WindowSpec(_Strict):
    start: date
    end: date | None = None
    note: str | None = None

    _end = field_validator("end")(classmethod(lambda cls, v, info: _end_after_start(v, info)))

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class YearlyCallSpec(_Strict):
    period: str = Field(min_length=1, description="usual months, e.g. « de janvier à mars »")
    known_calls: tuple[WindowSpec, ...] = ()


class CalendarSpec(_Strict):
    permanent: bool = False
    windows: tuple[WindowSpec, ...] = ()
    yearly: YearlyCallSpec | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> CalendarSpec:
        kinds = sum([self.permanent, bool(self.windows), self.yearly is not None])
        if kinds != 1:
            raise ValueError(
                "indiquez un seul type de calendrier : « permanent: true », « windows » "
                "(périodes datées) ou « yearly » (appel annuel)"
            )
        return self


class AmountSpec(_Strict):
    text: str = Field(min_length=1)
    start: date | None = None
    end: date | None = None
    when: Any = None

    _end = field_validator("end")(classmethod(lambda cls, v, info: _end_after_start(v, info)))


class StepSpec(_Strict):
    text: str = Field(min_length=1)
    link: str | None = None
    documents: tuple[str, ...] = ()
    when: Any = None

    _link = field_validator("link")(classmethod(lambda cls, v: v if v is None else _http_url(v)))


class ExampleSpec(_Strict):
    as_of: date
    answers: dict[str, Any]
    status: str
    name: str | None = None


class AidSpec(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1)
    provider: str = Field(min_length=1)
    scope: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    calendar: CalendarSpec
    rule: Any
    needs: tuple[str, ...] = ()
    relevant_when: Any = None
    amounts: tuple[AmountSpec, ...] = ()
    to_verify: tuple[str, ...] = ()
    checklist: tuple[StepSpec, ...] = Field(min_length=1)
    contacts: tuple[str, ...] = ()
    sources: tuple[SourceSpec, ...] = Field(min_length=1)
    last_verified: date
    notes: str | None = None
    examples: tuple[ExampleSpec, ...] = ()


class ContactSpec(_Strict):
    id: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    name: str = Field(min_length=1)
    description: str | None = None
    departments: tuple[str, ...] = ()
    national: bool = False
    url: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None

    _url = field_validator("url")(classmethod(lambda cls, v: v if v is None else _http_url(v)))

    @model_validator(mode="after")
    def _coverage(self) -> ContactSpec:
        if self.national == bool(self.departments):
            raise ValueError(
                "un contact est soit « national: true », soit lié à des « departments »"
            )
        return self


class CatalogueSpec(_Strict):
    version: int = 1
    definitions: dict[str, Any] = {}
    contacts: tuple[ContactSpec, ...] = ()
    aids: tuple[AidSpec, ...]
