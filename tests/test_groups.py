"""Group keys: dotted metadata fields, dates in ISO 8601 and news formats, periods."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from framing.errors import InputError
from framing.groups import MISSING, check_grouping, field_value, group_of, parse_date, period_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-03-05", date(2018, 3, 5)),
        ("2018-03-05T23:30:00Z", date(2018, 3, 5)),
        ("2018-03-05T23:30:00-05:00", date(2018, 3, 5)),
        ("2018-03-05 10:00", date(2018, 3, 5)),
        ("2018-03", date(2018, 3, 1)),
        ("2018", date(2018, 1, 1)),
        ("2018/03/05", date(2018, 3, 5)),
        ("March 5, 2018", date(2018, 3, 5)),
        ("Mar. 5 2018", date(2018, 3, 5)),
        ("Monday, March 5th, 2018", date(2018, 3, 5)),
        ("5 March 2018", date(2018, 3, 5)),
        ("05 Sept 2018", date(2018, 9, 5)),
        ("Mon, 05 Mar 2018 10:00:00 GMT", date(2018, 3, 5)),
        ("1520208000", date(2018, 3, 5)),
    ],
)
def test_dates_in_iso_and_news_formats(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["", "  ", "05/03/2018", "yesterday", "February 30, 2018", "Smarch 5, 2018", "2018-13"]
)
def test_ambiguous_or_impossible_dates_are_not_guessed(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("period", "label"), [("day", "2018-12-31"), ("week", "2019-W01"), ("month", "2018-12"), ("year", "2018")]
)
def test_periods_are_sortable_labels(period: str, label: str) -> None:
    # 31 December 2018 is in ISO week 1 of 2019.
    assert period_of(date(2018, 12, 31), period) == label


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_iso_dates_round_trip_and_period_labels_sort_like_dates(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    later = date.fromordinal(day.toordinal() + 40) if day.year < 2100 else day
    for period in ("day", "month", "year"):
        assert period_of(day, period) <= period_of(later, period)


def test_dotted_fields_and_missing_values() -> None:
    record = {"source": {"name": "Reuters", "country": "UK"}, "date": "2018-03-05", "tags": ["a"], "empty": " "}
    assert field_value(record, "source.name") == "Reuters"
    assert field_value(record, "source.missing") is None
    assert field_value(record, "date.year") is None
    assert group_of(record, ["source.name", "date"], "month") == ("Reuters", "2018-03")
    assert group_of(record, ["author", "tags", "empty"]) == (MISSING, MISSING, MISSING)
    assert group_of({"date": "whenever"}, ["date"], "year") == (MISSING,)
    assert group_of({"date": "2018-03-05"}, ["date"]) == ("2018-03-05",)
    assert group_of({"n": 3}, ["n"]) == ("3",)


@pytest.mark.parametrize(
    ("fields", "period", "message"),
    [
        (["source"], "month", "a period cuts the 'date' field into periods; group by date too"),
        (["date"], "fortnight", "unknown period 'fortnight'; use one of day, week, month, year"),
        (
            ["source."],
            None,
            "a group field name is empty or starts or ends with a dot; name a metadata key such as source",
        ),
    ],
)
def test_bad_groupings_are_refused(fields: list[str], period: str | None, message: str) -> None:
    with pytest.raises(InputError) as caught:
        check_grouping(fields, period)
    assert str(caught.value) == message
