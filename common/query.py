"""Query-string values, parsed strictly: what a client can put after ``?`` never reaches
the database unchecked (contract, second part: "never a 500 for any … query parameter").

- ``query_datetime``: an ISO 8601 date and time whose offset is within ±18:00 (ISO 8601's
  range; a naive one is in ``TIME_ZONE``), returned in UTC — PostgreSQL refuses offsets
  past ±15:59, Python accepts up to ±23:59, so a value is never sent with its own offset.
- ``query_choice``: one of a few fixed values (a status filter).
- ``query_id``: a database id, ASCII digits only (``str.isdigit`` takes "²", which
  ``int`` refuses).
- ``AwareDateTimeFilter``: ``query_datetime`` as a django-filter filter.

A present but blank value is refused like any bad one. Refusals are ``Invalid`` naming
the parameter, so the API answers 400 ``{param: [message]}``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from typing import Any

import django_filters
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from common.errors import Invalid

MAX_OFFSET = dt.timedelta(hours=18)
_ID = re.compile(r"[0-9]{1,18}")  # past 18 digits it cannot be a bigint id
DATETIME_MESSAGE = "Give an ISO 8601 date and time with an offset within ±18:00."


def _refuse(name: str, message: str) -> Invalid:
    return Invalid(message, code="invalid_query", fields={name: [message]})


def datetime_parse(raw: str) -> dt.datetime | None:
    """``raw`` as an aware UTC datetime, or None when it is not one we accept."""
    try:
        value = parse_datetime(raw.strip()) if raw.isascii() else None
    except ValueError:  # a well-formed but impossible date or offset
        return None
    if value is None:
        return None
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (ValueError, OverflowError):
            return None
    offset = value.utcoffset()
    if offset is None or abs(offset) > MAX_OFFSET:
        return None
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # year 1 minus an offset
        return None


def query_datetime(params: Mapping[str, str], name: str) -> dt.datetime | None:
    """The datetime in ``?name=``; None when the parameter is absent."""
    raw = params.get(name)
    if raw is None:
        return None
    value = datetime_parse(raw)
    if value is None:
        raise _refuse(name, DATETIME_MESSAGE)
    return value


def query_id(params: Mapping[str, str], name: str, *, message: str = "Give an id.") -> int | None:
    """The id in ``?name=``; None when absent. A huge id is an id of nothing, not an error
    (the query finds no row)."""
    raw = params.get(name)
    if raw is None:
        return None
    return id_parse(raw, name=name, message=message)


def query_choice(
    params: Mapping[str, str], name: str, choices: Collection[str], *, message: str
) -> str | None:
    """The value of ``?name=`` when it is one of ``choices``; None when absent."""
    raw = params.get(name)
    if raw is None:
        return None
    if raw not in choices:
        raise _refuse(name, message)
    return raw


def id_parse(raw: str, *, name: str, message: str = "Give an id.") -> int:
    if _ID.fullmatch(raw) is None:
        if re.fullmatch(r"[0-9]+", raw):
            return 0  # more digits than any id: matches nothing
        raise _refuse(name, message)
    return int(raw)


class _AwareDateTimeField(forms.Field):
    def to_python(self, value: Any) -> dt.datetime | None:
        if value is None:
            return None
        parsed = datetime_parse(str(value))
        if parsed is None:
            raise forms.ValidationError(DATETIME_MESSAGE, code="invalid")
        return parsed


class AwareDateTimeFilter(django_filters.Filter):
    """An ISO 8601 datetime filter that refuses blanks and offsets past ±18:00 (400)."""

    field_class = _AwareDateTimeField


class _IdField(forms.Field):
    def to_python(self, value: Any) -> int | None:
        if value is None:
            return None
        try:
            return id_parse(str(value), name="id")
        except Invalid:
            raise forms.ValidationError("Give an id.", code="invalid") from None


class IdFilter(django_filters.Filter):
    """A filter on an id: ASCII digits only, blank refused (400)."""

    field_class = _IdField
