"""Group keys for documents: metadata fields (dotted paths), dates parsed and cut into periods."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from .errors import InputError

#: The group of a document that lacks a field (or whose date cannot be read).
MISSING = "missing"
PERIODS = ("day", "week", "month", "year")
#: The field whose values are dates when --period is given.
DATE_FIELD = "date"

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
# "March 5, 2018", "Mar. 5 2018", "Monday, March 5, 2018"
_MONTH_DAY_YEAR = re.compile(
    r"^(?:[A-Za-z]+,?\s+)?" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b"
)
# "5 March 2018", "05 Mar 2018", "Monday 5 March 2018"
_DAY_MONTH_YEAR = re.compile(
    r"^(?:[A-Za-z]+,?\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>\d{4})\b"
)
# "2018/03/05", "2018.03.05"
_YMD = re.compile(r"^(?P<year>\d{4})[/.](?P<month>\d{1,2})[/.](?P<day>\d{1,2})\b")
# "2018-03" (a month), "2018" (a year)
_YEAR_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")
_YEAR = re.compile(r"^(?P<year>\d{4})$")


def field_value(record: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` (``source.name``), or None when any step is missing."""
    value: Any = record
    for step in path.split("."):
        if not isinstance(value, Mapping) or step not in value:
            return None
        value = value[step]
    return value


def parse_date(text: str) -> date | None:
    """A calendar date from ISO 8601 or a common news format; None when it cannot be read.

    Accepted: ``2018-03-05``, ``2018-03-05T10:00:00Z`` and other ISO 8601 forms (with an offset,
    the date is the one written, not converted), ``2018-03`` and ``2018`` (the first day of the
    month or year), ``2018/03/05``, ``March 5, 2018``, ``5 March 2018``, ``Mon, 05 Mar 2018
    10:00:00 GMT`` (RFC 2822, as in RSS feeds) and Unix timestamps in seconds.
    Day-first or month-first numeric dates (``05/03/2018``) are refused: they are ambiguous.
    """
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{9,10}(\.\d+)?", text):
        return datetime.fromtimestamp(float(text), tz=UTC).date()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for pattern, day in ((_YEAR_MONTH, 1), (_YEAR, 1)):
        match = pattern.match(text)
        if match:
            return _date(match["year"], match.groupdict().get("month") or "1", str(day))
    for pattern in (_YMD, _MONTH_DAY_YEAR, _DAY_MONTH_YEAR):
        match = pattern.match(text)
        if match:
            return _date(match["year"], match["month"], match["day"])
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        return None


def _date(year: str, month: str, day: str) -> date | None:
    number = int(month) if month.isdigit() else _MONTHS.get(month.lower())
    if number is None:
        return None
    try:
        return date(int(year), number, int(day))
    except ValueError:
        return None


def period_of(day: date, period: str) -> str:
    """The period a date falls in, as a sortable label: 2018-03-05, 2018-W10, 2018-03, 2018."""
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "year":
        return str(day.year)
    raise ValueError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")


def group_of(metadata: Mapping[str, Any], fields: Sequence[str], period: str | None = None) -> tuple[str, ...]:
    """A document's group: one label per field; ``period`` cuts the ``date`` field into periods.

    A missing field, or a date that cannot be read, gives the label ``missing``.
    """
    labels = []
    for name in fields:
        value = field_value(metadata, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            labels.append(MISSING)
        elif period is not None and name == DATE_FIELD:
            day = parse_date(str(value))
            labels.append(period_of(day, period) if day else MISSING)
        elif isinstance(value, dict | list):
            labels.append(MISSING)
        else:
            labels.append(str(value).strip())
    return tuple(labels)


def check_grouping(fields: Sequence[str], period: str | None) -> None:
    """Refuse a period without a date field to cut, and empty field names."""
    if any(not name.strip() or name.startswith(".") or name.endswith(".") for name in fields):
        raise InputError("a group field name is empty or starts or ends with a dot; name a metadata key such as source")
    if period is not None and DATE_FIELD not in fields:
        raise InputError(f"a period cuts the {DATE_FIELD!r} field into periods; group by {DATE_FIELD} too")
    if period is not None and period not in PERIODS:
        raise InputError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")
