"""Redaction: realistic text in, placeholders out; look-alikes (dates, amounts, versions) left alone."""

from __future__ import annotations

import pytest

from desktop_app.routing.redaction import Redactor, StreamingRestorer, redact, restore

# (text, the exact value that must be redacted, its kind)
POSITIVES = [
    ("Please reply to jane.doe@acme.co.uk by Friday.", "jane.doe@acme.co.uk", "EMAIL"),
    ("CC: Ops-Team+alerts@mail.example-corp.com.", "Ops-Team+alerts@mail.example-corp.com", "EMAIL"),
    ("Call me on +1 (415) 555-2671 after lunch.", "+1 (415) 555-2671", "PHONE"),
    ("Berlin office: +49 30 1234567.", "+49 30 1234567", "PHONE"),
    ("Mon portable : +33 6 12 34 56 78", "+33 6 12 34 56 78", "PHONE"),
    ("London switchboard +44 (0)20 7946 0958, ext 12", "+44 (0)20 7946 0958", "PHONE"),
    ("From abroad dial 0049 89 1234567.", "0049 89 1234567", "PHONE"),
    ("Reception: (020) 7946 0958", "(020) 7946 0958", "PHONE"),
    ("ring 020 7946 0958 tomorrow", "020 7946 0958", "PHONE"),
    ("Appelez le 06 12 34 56 78 svp", "06 12 34 56 78", "PHONE"),
    ("Büro 030/12345678", "030/12345678", "PHONE"),
    ("My cell is 415-555-2671.", "415-555-2671", "PHONE"),
    ("Toll free 1-800-555-0199", "1-800-555-0199", "PHONE"),
    ("US desk 415.555.2671", "415.555.2671", "PHONE"),
    ("Tel: 0612345678", "0612345678", "PHONE"),
    ("whatsapp +4915112345678", "+4915112345678", "PHONE"),
    ("Visa 4111 1111 1111 1111 exp 12/27", "4111 1111 1111 1111", "CARD"),
    ("Paid with 5555-5555-5555-4444.", "5555-5555-5555-4444", "CARD"),
    ("Amex 3782 822463 10005", "3782 822463 10005", "CARD"),
    ("card number 4012888888881881", "4012888888881881", "CARD"),
    ("IBAN: DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00", "IBAN"),
    ("pay GB82 WEST 1234 5698 7654 32 please", "GB82 WEST 1234 5698 7654 32", "IBAN"),
    ("compte FR14 2004 1010 0505 0001 3M02 606.", "FR14 2004 1010 0505 0001 3M02 606", "IBAN"),
    ("NL91ABNA0417164300", "NL91ABNA0417164300", "IBAN"),
    ("SSN 123-45-6789 on file", "123-45-6789", "NATIONAL_ID"),
    ("social security number: 123456789", "123456789", "NATIONAL_ID"),
    ("NI number AB 12 34 56 C", "AB 12 34 56 C", "NATIONAL_ID"),
    ("NINO AB123456C.", "AB123456C", "NATIONAL_ID"),
    ("Numéro de sécu 1 84 12 76 451 089 46", "1 84 12 76 451 089 46", "NATIONAL_ID"),
    ("DNI 12345678Z", "12345678Z", "NATIONAL_ID"),
    ("NIE X1234567L", "X1234567L", "NATIONAL_ID"),
    ("codice fiscale RSSMRA85T10A562S", "RSSMRA85T10A562S", "NATIONAL_ID"),
    ("Ruf mich an: +49 (0) 89 1234 5678.", "+49 (0) 89 1234 5678", "PHONE"),
    ("Sydney (02) 9876 5432 or later", "(02) 9876 5432", "PHONE"),
    ("mobile 0412 345 678", "0412 345 678", "PHONE"),
    ("Phone: 555-0199", "555-0199", "PHONE"),
    ("Tel. +33 (0)1 42 68 53 00", "+33 (0)1 42 68 53 00", "PHONE"),
    ("Mail me at <john@example.com>.", "john@example.com", "EMAIL"),
    ("iban: fr76 3000 6000 0112 3456 7890 189", "fr76 3000 6000 0112 3456 7890 189", "IBAN"),
    ("Amex 3714 496353 98431", "3714 496353 98431", "CARD"),
]


@pytest.mark.parametrize(("text", "value", "kind"), POSITIVES)
def test_redacts_personal_data(text, value, kind):
    out, mapping = redact(text)
    assert value not in out
    assert f"[{kind}_1]" in out
    assert mapping[f"[{kind}_1]"] == value
    assert restore(out, mapping) == text


NEGATIVES = [
    "Invoice INV-2024-001234 is overdue.",
    "Invoice no. 0012 3456 78 was paid.",
    "Order #0161 496 0000 shipped.",
    "The meeting is on 2024-01-15 at 10:00.",
    "Deadline 15.01.2024, review on 01.02.2024.",
    "Dates: 01/15/2024 and 15/01/2024 14:30.",
    "Revenue was $1,234,567.89 in Q3 2024.",
    "Budget € 1.234.567,89 (EUR 12 345 678,00 last year).",
    "Headcount grew from 1 234 567 to 2 345 678 users.",
    "Figures for 1999-2024 and 2019 to 2024.",
    "See pages 123-145 and p. 012-013, pp. 200–215.",
    "Upgrade from v2.13.0 to Windows 10.0.19045.3693 and Python 3.11.7.",
    "Server 192.168.100.200 port 8080.",
    "ISBN 978-3-16-148410-0",
    "Open 09:00-17:30, lunch 12:30-13:15.",
    "Trace id 123e4567-e89b-12d3-a456-426614174000",
    "Tracking number 1234 5678 9012 3452",
    "Card ending 4111 1111 1111 1112 failed the check.",
    "Coordinates 48.8566, 2.3522",
    "Growth of 12.5% - 14.0% expected.",
    "Part 0044 0532 0130 in stock.",
    "Call me at 3pm on 12/03.",
    "Room 4B, building 2, SW1A 1AA.",
    "Account DE89 3704 0044 0532 0130 01 has a typo.",
    "Commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "ticket 123-45-6789x",
    "The ratio was 0.125 / 0.250.",
    "Population 67 000 000, area 551 695 km².",
    "Timestamp 1700000000123",
    "Meeting 2024.03.15 at 14.30",
    "Ref 2023/0456/789",
    "Invoice total: 1.234,56 € incl. 19 % VAT",
    "Contract no 0803 1234 5678",
    "Version 1.0.0-beta.2+build.0123",
    "PO 4500012345 approved",
    "He was born 12/03/1985 in Lyon.",
    "ISO date 2024-06-30T12:00:00Z",
    "ticket #1234-5678-9012",
    "Room 101-202-3030",
    "12 345 678 901 234",
    "Call 0800 number later: 08001234567 is the ref",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_leaves_look_alikes_alone(text):
    out, mapping = redact(text)
    assert out == text, mapping


def test_placeholders_are_consistent_within_a_conversation():
    r = Redactor()
    first = r.redact("Write to Ann@Example.com or ann@example.com; call +44 20 7946 0958.")
    second = r.redact("Did ann@example.com answer? Her number is +44 (20) 7946-0958. Bob is bob@example.com.")
    assert first == "Write to [EMAIL_1] or [EMAIL_1]; call [PHONE_1]."
    assert second == "Did [EMAIL_1] answer? Her number is [PHONE_1]. Bob is [EMAIL_2]."
    assert r.counts() == {"EMAIL": 2, "PHONE": 1}


def test_realistic_email_body():
    text = (
        "Hi Tom,\n\nPlease refund order 48213 (invoice INV-2023-0042, 2023-11-02, $1,250.00) to the "
        "customer's IBAN GB82 WEST 1234 5698 7654 32 and confirm with her at maria.lopez@example.org "
        "or +34 612 345 678. Her card 4111-1111-1111-1111 must not be charged again.\n\nThanks, v1.4.2 team"
    )
    out, mapping = redact(text)
    assert out == (
        "Hi Tom,\n\nPlease refund order 48213 (invoice INV-2023-0042, 2023-11-02, $1,250.00) to the "
        "customer's IBAN [IBAN_1] and confirm with her at [EMAIL_1] "
        "or [PHONE_1]. Her card [CARD_1] must not be charged again.\n\nThanks, v1.4.2 team"
    )
    assert restore(out, mapping) == text


@pytest.mark.parametrize(
    "answer",
    [
        "Contact [EMAIL_1] today.",
        "Contact EMAIL_1 today.",
        "Contact [email_1] today.",
        "Contact [ EMAIL 1 ] today.",
        "Contact \\[EMAIL\\_1\\] today.",
        "Contact EMAIL\\_1 today.",
        "Contact [[EMAIL_1]] today.",
        "Contact <EMAIL_1> today.",
        "Contact {EMAIL_1} today.",
    ],
)
def test_restore_tolerates_reformatted_placeholders(answer):
    assert restore(answer, {"[EMAIL_1]": "a@b.org"}) == "Contact a@b.org today."


def test_restore_leaves_unknown_placeholders_and_plain_words():
    mapping = {"[PHONE_1]": "+1 415 555 2671", "[NATIONAL_ID_1]": "123-45-6789"}
    assert restore("[PHONE_2] and [EMAIL_1] stay; phone numbers stay.", mapping) == "[PHONE_2] and [EMAIL_1] stay; phone numbers stay."
    assert restore("ID: [NATIONAL_ID_1] / [NATIONAL ID 1] / NATIONAL_ID_1", mapping) == "ID: 123-45-6789 / 123-45-6789 / 123-45-6789"
    assert restore("In phone 1 you asked; press PHONE-1.", mapping) == "In phone 1 you asked; press PHONE-1."


def test_streaming_restore_across_split_placeholders():
    mapping = {"[EMAIL_1]": "jo@x.io", "[PHONE_1]": "+44 20 7946 0958"}
    pieces = ["Write to [EM", "AIL", "_1] or", " call [PHONE_", "1].", " Or EMA", "IL_1", "\nbye"]
    r = StreamingRestorer(mapping)
    shown = "".join(r.feed(p) for p in pieces) + r.flush()
    assert shown == "Write to jo@x.io or call +44 20 7946 0958. Or jo@x.io\nbye"


def test_streaming_without_mapping_passes_through():
    r = StreamingRestorer({})
    assert r.feed("[EMAIL_1] as") == "[EMAIL_1] as"
    assert r.flush() == ""
