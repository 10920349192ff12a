"""The three date encodings of 2D-Doc fields, and the binary header dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealdoc.errors import EncodingError, ParseError
from sealdoc.twoddoc import dates


def test_hex_days_counts_days_since_2000_01_01() -> None:
    assert dates.decode_hex_days("111E") == dt.date(2011, 12, 31)  # spec §3.3.1 example
    assert dates.decode_hex_days("0000") == dt.date(2000, 1, 1)
    assert dates.encode_hex_days(dt.date(2010, 3, 5)) == "0E84"


def test_hex_days_ffff_means_no_date_both_ways() -> None:
    assert dates.decode_hex_days("FFFF") is None
    assert dates.encode_hex_days(None) == "FFFF"


@pytest.mark.parametrize("text", ["111e", "11E", "G000", "1 1E", "+11E", "11E00"])
def test_hex_days_refuses_anything_but_four_uppercase_hex_digits(text: str) -> None:
    with pytest.raises(ParseError):
        dates.decode_hex_days(text)


@pytest.mark.parametrize("day", [dt.date(1999, 12, 31), dates.MAX_HEX_DATE + dt.timedelta(1)])
def test_hex_days_refuses_dates_outside_the_four_digit_range(day: dt.date) -> None:
    with pytest.raises(EncodingError):
        dates.encode_hex_days(day)


@given(st.dates(min_value=dates.EPOCH, max_value=dates.MAX_HEX_DATE))
def test_hex_days_round_trip(day: dt.date) -> None:
    assert dates.decode_hex_days(dates.encode_hex_days(day)) == day


def test_ddmmyyyy_reads_day_month_year() -> None:
    assert dates.decode_ddmmyyyy("21112017") == dt.date(2017, 11, 21)
    assert dates.encode_ddmmyyyy(dt.date(1973, 7, 12)) == "12071973"


@pytest.mark.parametrize("text", ["31022020", "00002020", "1211973", "1207197A", "32011999"])
def test_ddmmyyyy_refuses_invalid_dates(text: str) -> None:
    with pytest.raises(ParseError):
        dates.decode_ddmmyyyy(text)


def test_ddmmyyyy_recognises_partial_birth_dates() -> None:
    assert dates.is_partial_ddmmyyyy("00071973")  # unknown day
    assert dates.is_partial_ddmmyyyy("00001973")  # unknown day and month
    assert not dates.is_partial_ddmmyyyy("12001973")  # known day, unknown month: invalid
    assert not dates.is_partial_ddmmyyyy("12071973")
    assert not dates.is_partial_ddmmyyyy("00000000")


@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_ddmmyyyy_round_trip(day: dt.date) -> None:
    assert dates.decode_ddmmyyyy(dates.encode_ddmmyyyy(day)) == day


def test_ddmmyyyyhhmm_reads_a_date_and_time_to_the_minute() -> None:
    assert dates.decode_ddmmyyyyhhmm("020320201400") == dt.datetime(2020, 3, 2, 14, 0)
    assert dates.encode_ddmmyyyyhhmm(dt.datetime(2013, 6, 20, 12, 5)) == "200620131205"


@pytest.mark.parametrize("text", ["020320202400", "020320201460", "0203202014", "02032020140O"])
def test_ddmmyyyyhhmm_refuses_invalid_times(text: str) -> None:
    with pytest.raises(ParseError):
        dates.decode_ddmmyyyyhhmm(text)


def test_ddmmyyyyhhmm_refuses_to_drop_seconds() -> None:
    with pytest.raises(EncodingError):
        dates.encode_ddmmyyyyhhmm(dt.datetime(2020, 3, 2, 14, 0, 1))


@given(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)))
def test_ddmmyyyyhhmm_round_trip(moment: dt.datetime) -> None:
    moment = moment.replace(second=0, microsecond=0)
    assert dates.decode_ddmmyyyyhhmm(dates.encode_ddmmyyyyhhmm(moment)) == moment


def test_times_hhmmss_and_hhmm() -> None:
    assert dates.decode_hhmmss("143005") == dt.time(14, 30, 5)
    assert dates.encode_hhmmss(dt.time(9, 5, 0)) == "090500"
    assert dates.decode_hhmm("0132") == dt.time(1, 32)
    with pytest.raises(ParseError):
        dates.decode_hhmmss("146000")


def test_binary_dates_are_mmddyyyy_integers_on_three_bytes() -> None:
    assert dates.decode_binary_date(bytes.fromhex("5FB3E1")) == dt.date(1969, 6, 27)  # §3.3.4
    assert dates.encode_binary_date(dt.date(2016, 10, 5)) == bytes.fromhex("9961B0")
    assert dates.decode_binary_date(bytes.fromhex("319EF5")) == dt.date(1957, 3, 25)  # §3.4.2
    assert dates.decode_binary_date(b"\xff\xff\xff") is None
    assert dates.encode_binary_date(None) == b"\xff\xff\xff"


@pytest.mark.parametrize("data", [b"\x00\x00\x00", bytes.fromhex("FFFFFE"), b"\x01\x02"])
def test_binary_dates_refuse_impossible_values(data: bytes) -> None:
    with pytest.raises(ParseError):
        dates.decode_binary_date(data)
