import pytest
from django.core.exceptions import ValidationError

from cellbooks.core.identifiers import is_valid_imei, luhn_check_digit, parse_identifier

# Published example IMEIs (the last digit is the Luhn check digit).
KNOWN_GOOD = ["490154203237518", "356938035643809", "352099001761481"]


@pytest.mark.parametrize("imei", KNOWN_GOOD)
def test_it_computes_the_check_digit_of_known_imeis(imei):
    assert luhn_check_digit(imei[:14]) == imei[14]
    assert is_valid_imei(imei)


def test_it_refuses_a_body_that_is_not_14_digits():
    with pytest.raises(ValueError):
        luhn_check_digit("1234")


@pytest.mark.parametrize(
    "value",
    [
        "490154203237519",
        "49015420323751",
        "4901542032375180",
        "49015420323751a",
        "",
        None,
        490154203237518,
    ],
)
def test_it_says_an_imei_is_invalid(value):
    assert not is_valid_imei(value)


def test_it_accepts_an_imei_with_spaces_and_dashes():
    assert parse_identifier(" 35-209900-176148-1 ") == ("352099001761481", "imei")
    assert parse_identifier("35 209900 176148 1") == ("352099001761481", "imei")


def test_it_names_the_right_check_digit_when_it_is_wrong():
    with pytest.raises(ValidationError) as exc:
        parse_identifier("352099001761480")
    assert exc.value.message_dict == {
        "identifier": ["352099001761480 is not a valid IMEI: the check digit should be 1."]
    }


@pytest.mark.parametrize("value, length", [("35209900176148", 14), ("3520990017614811", 16)])
def test_it_says_an_imei_has_15_digits(value, length):
    with pytest.raises(ValidationError) as exc:
        parse_identifier(value)
    message = exc.value.message_dict["identifier"][0]
    assert "an IMEI has 15 digits" in message
    assert f"this one has {length}" in message


def test_it_keeps_a_serial_as_typed_but_trimmed():
    assert parse_identifier("  F2LXK0ABCD12 ") == ("F2LXK0ABCD12", "serial")
    assert parse_identifier("dmpq-12ab") == ("dmpq-12ab", "serial")


def test_a_short_all_digit_serial_is_a_serial():
    assert parse_identifier("123456") == ("123456", "serial")


def test_it_requires_something():
    with pytest.raises(ValidationError) as exc:
        parse_identifier("   ")
    assert exc.value.message_dict == {"identifier": ["An IMEI or serial number is required."]}


def test_it_refuses_a_serial_longer_than_64_characters():
    with pytest.raises(ValidationError) as exc:
        parse_identifier("X" * 65)
    assert "at most 64 characters" in exc.value.message_dict["identifier"][0]
    assert parse_identifier("X" * 64)[1] == "serial"


def test_it_explains_an_imei_a_spreadsheet_turned_into_scientific_notation():
    with pytest.raises(ValidationError) as exc:
        parse_identifier("3.52099E+14")
    assert "shortened by a spreadsheet" in exc.value.message_dict["identifier"][0]
