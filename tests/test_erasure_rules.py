"""Fast tier: how :mod:`academy_kit.erasure` finds and replaces a person in a document."""

from __future__ import annotations

from academy_kit.erasure import (
    ERASED_DATE,
    ERASED_NAME,
    ERASED_TEXT,
    anonymised,
    erased_email,
    fingerprint,
)

PERSON = {"participant_id": "p1", "full_name": "Amina Haddad", "email": "amina@x.org"}
OTHER = {"participant_id": "p2", "full_name": "Karim Ali", "email": "karim@x.org"}


def test_the_fields_of_an_erased_person_are_replaced_and_copies_in_text_too() -> None:
    doc = {
        "participants": [PERSON, OTHER],
        "body": "Dear Amina Haddad, we write to AMINA@X.ORG about Amina Haddadi.",
        "bank": {"participant_id": "p1", "holder": {"iban": "DE89370400440532013000"}},
    }
    clean = anonymised(doc, {"p1"}, {})
    assert clean["participants"] == [
        {"participant_id": "p1", "full_name": ERASED_NAME, "email": erased_email("p1")},
        OTHER,
    ]
    # whole words only: another name that contains this one is someone else's
    assert clean["body"] == (
        f"Dear {ERASED_NAME}, we write to {erased_email('p1')} about Amina Haddadi."
    )
    assert clean["bank"]["holder"]["iban"] is None
    assert anonymised(clean, {"p1"}, {}) == clean


def test_a_value_the_tombstone_knows_is_replaced_where_no_id_names_its_owner() -> None:
    event = {"application_id": "a1", "recipient": "Amina@x.org", "template": "t"}
    known = {fingerprint("amina@x.org"): erased_email("p1")}
    assert anonymised(event, {"p1"}, known)["recipient"] == erased_email("p1")
    assert anonymised(event, {"p1"}, {}) == event


def test_a_visa_letter_loses_its_passport_data_and_its_pdf() -> None:
    """The shape of the documents service's ``passport_data`` (one letter per participant)."""
    letter = {
        "_id": "a1/p1",
        "participant_id": "p1",
        "full_name": "Amina Haddad",
        "passport": {
            "passport_number": "X1234567",
            "nationality": "TN",
            "date_of_birth": "1990-04-02",
            "passport_expires_on": "2031-01-01",
        },
        "pdf": b"%PDF-1.7 Amina Haddad X1234567",
    }
    clean = anonymised(letter, {"p1"}, {})
    assert clean["full_name"] == ERASED_NAME
    assert clean["passport"] == {
        "passport_number": ERASED_TEXT,
        "nationality": ERASED_TEXT,
        "date_of_birth": ERASED_DATE,
        "passport_expires_on": "2031-01-01",
    }
    assert clean["pdf"] == b""
