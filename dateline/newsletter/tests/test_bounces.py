import base64
import random
from pathlib import Path

import pytest

from dateline.newsletter.bounces import MailReport, MalformedReport, reports_parse

MAIL = Path(__file__).parent / "mail"
REPORTS = [
    "arf_abuse.eml",
    "dsn_delivered.eml",
    "dsn_exchange_message_rfc822.eml",
    "dsn_hard_postfix.eml",
    "dsn_multi_recipient.eml",
    "dsn_soft_delayed.eml",
]


def sample(name: str) -> bytes:
    return (MAIL / name).read_bytes()


def edit(raw: bytes, old: bytes, new: bytes) -> bytes:
    assert old in raw, old
    return raw.replace(old, new)


def test_permanent_failure_is_a_hard_bounce_for_the_final_recipient():
    assert reports_parse(sample("dsn_hard_postfix.eml")) == [
        MailReport(
            kind="hard_bounce",
            recipient="jane.doe@example.net",
            message_id="c12.s345.a1b2c3d4@news.example.org",
            status="5.1.1",
            diagnostic="550 5.1.1 <jane.doe@Example.NET>: Recipient address rejected: "
            "User unknown in virtual mailbox table",
        )
    ]


def test_delayed_delivery_is_a_soft_bounce():
    [report] = reports_parse(sample("dsn_soft_delayed.eml"))
    assert report.kind == "soft_bounce"
    assert report.recipient == "sam@mail.slow-example.com"
    assert report.status == "4.4.1"
    assert report.message_id == "c12.s346.e5f6a7b8@news.example.org"
    assert report.diagnostic.startswith("connect to mail.slow-example.com")


def test_failure_with_a_temporary_status_is_a_soft_bounce():
    raw = edit(sample("dsn_hard_postfix.eml"), b"Status: 5.1.1", b"Status: 4.2.2")
    [report] = reports_parse(raw)
    assert (report.kind, report.status) == ("soft_bounce", "4.2.2")


def test_status_code_is_taken_from_the_diagnostic_when_the_status_field_is_missing():
    raw = edit(sample("dsn_hard_postfix.eml"), b"Status: 5.1.1\n", b"")
    [report] = reports_parse(raw)
    assert (report.kind, report.status) == ("hard_bounce", "5.1.1")


def test_failure_without_any_status_code_is_only_a_soft_bounce():
    raw = edit(sample("dsn_multi_recipient.eml"), b"Status: 5.2.1\n", b"")
    raw = edit(raw, b"SMTP; 550 5.2.1 Mailbox", b"SMTP; 550 Mailbox")
    [report] = reports_parse(raw)
    assert (report.kind, report.status) == ("soft_bounce", "")


def test_only_the_failed_recipient_is_reported_when_another_was_delivered():
    assert reports_parse(sample("dsn_multi_recipient.eml")) == [
        MailReport(
            kind="hard_bounce",
            recipient="ex-reader@example.de",
            message_id="c12.s347.0badf00d@news.example.org",
            status="5.2.1",
            diagnostic="550 5.2.1 Mailbox disabled for this recipient",
        )
    ]


def test_report_where_every_recipient_got_the_message_is_empty():
    assert reports_parse(sample("dsn_delivered.eml")) == []


def test_original_recipient_is_used_when_the_final_recipient_is_missing():
    final = b"Final-Recipient: rfc822; jane.doe@Example.NET\n"
    raw = edit(sample("dsn_hard_postfix.eml"), final, b"")
    raw = edit(raw, b"rfc822;jane.doe@Example.NET", b"rfc822;Jane@Example.NET")
    assert reports_parse(raw)[0].recipient == "Jane@example.net"


def test_report_naming_no_recipient_has_an_empty_recipient():
    raw = edit(sample("dsn_exchange_message_rfc822.eml"), b"Final-Recipient", b"X-Final")
    raw = edit(raw, b"Original-Recipient", b"X-Original")
    assert reports_parse(raw)[0].recipient == ""


def test_message_id_is_read_from_a_returned_message_rfc822_part():
    [report] = reports_parse(sample("dsn_exchange_message_rfc822.eml"))
    assert report.kind == "hard_bounce"
    assert report.recipient == "Tom.Smith@contoso.com"
    assert report.status == "5.1.10"
    assert report.message_id == "c12.s348.deadbeef@news.example.org"
    assert report.diagnostic.startswith("550 5.1.10 RESOLVER.ADR.RecipientNotFound")


def test_message_id_is_empty_when_the_original_message_is_not_returned():
    raw = sample("dsn_hard_postfix.eml")
    boundary = b"--4VdK2C0XyZz1xqB.1715677927/mail.news.example.org"
    cut = raw.rindex(boundary + b"\nContent-Description: Undelivered")
    [report] = reports_parse(raw[:cut] + boundary + b"--\n")
    assert (report.kind, report.message_id) == ("hard_bounce", "")


def test_message_id_is_read_from_base64_encoded_returned_headers():
    raw = sample("dsn_hard_postfix.eml")
    start = raw.index(b"Content-Type: text/rfc822-headers")
    end = raw.rindex(b"\n--4VdK2C0XyZz1xqB")
    headers = b"Message-ID: <c12.s351.abad1dea@news.example.org>\nSubject: x\n"
    part = b"Content-Type: text/rfc822-headers\nContent-Transfer-Encoding: base64\n\n"
    raw = raw[:start] + part + base64.encodebytes(headers) + raw[end:]
    assert reports_parse(raw)[0].message_id == "c12.s351.abad1dea@news.example.org"


def test_diagnostic_is_one_short_line():
    raw = edit(
        sample("dsn_multi_recipient.eml"),
        b"Mailbox disabled for this recipient\nLast",
        b"Mailbox disabled\n    " + b"because reasons " * 40 + b"\nLast",
    )
    diagnostic = reports_parse(raw)[0].diagnostic
    assert len(diagnostic) == 300 and "\n" not in diagnostic and "  " not in diagnostic


def test_abuse_feedback_report_is_a_complaint_for_the_original_to_address():
    assert reports_parse(sample("arf_abuse.eml")) == [
        MailReport(
            kind="complaint",
            recipient="Reader42@yahoo.com",
            message_id="c12.s349.feedf00d@news.example.org",
            status="",
            diagnostic="feedback: abuse",
        )
    ]


def test_feedback_report_prefers_the_original_rcpt_to_field_over_a_redacted_to():
    raw = edit(
        sample("arf_abuse.eml"),
        b"Original-Mail-From: <bounces@news.example.org>\n",
        b"Original-Mail-From: <bounces@news.example.org>\nOriginal-Rcpt-To: <Reader42@Yahoo.COM>\n",
    )
    raw = edit(raw, b"To: Reader Forty-Two <Reader42@Yahoo.COM>", b"To: redacted@yahoo.com")
    assert reports_parse(raw)[0].recipient == "Reader42@yahoo.com"


def test_feedback_report_reads_a_utf8_to_address():
    to = b"To: Reader Forty-Two <Reader42@Yahoo.COM>"
    raw = edit(sample("arf_abuse.eml"), to, "To: Rèader <jöe@Exämple.NET>".encode())
    assert reports_parse(raw)[0].recipient == "jöe@exämple.net"


@pytest.mark.parametrize("feedback_type", ["fraud", "virus", "other", "not-spam"])
def test_every_feedback_type_is_a_complaint(feedback_type):
    field = f"Feedback-Type: {feedback_type}".encode()
    raw = edit(sample("arf_abuse.eml"), b"Feedback-Type: abuse", field)
    [report] = reports_parse(raw)
    assert (report.kind, report.diagnostic) == ("complaint", f"feedback: {feedback_type}")


@pytest.mark.parametrize("name", REPORTS)
def test_windows_line_endings_are_read_the_same(name):
    raw = sample(name)
    assert reports_parse(raw.replace(b"\n", b"\r\n")) == reports_parse(raw)


def test_delivery_status_of_internationalised_mail_is_read():
    raw = edit(
        sample("dsn_hard_postfix.eml"),
        b"Content-Type: message/delivery-status",
        b"Content-Type: message/global-delivery-status",
    )
    final = "Final-Recipient: utf-8; jöe@Exämple.NET".encode()
    raw = edit(raw, b"Final-Recipient: rfc822; jane.doe@Example.NET", final)
    [report] = reports_parse(raw)
    assert (report.kind, report.recipient) == ("hard_bounce", "jöe@exämple.net")
    assert report.message_id == "c12.s345.a1b2c3d4@news.example.org"


def test_mail_that_is_not_a_report_is_refused():
    with pytest.raises(MalformedReport, match="not a delivery status or feedback report"):
        reports_parse(sample("not_a_report.eml"))


def test_multipart_report_of_another_type_is_refused():
    raw = edit(
        sample("dsn_hard_postfix.eml"),
        b"message/delivery-status",
        b"message/disposition-notification",
    )
    with pytest.raises(MalformedReport, match="not a delivery status or feedback report"):
        reports_parse(raw)


def test_delivery_status_without_recipient_blocks_is_refused():
    raw = edit(sample("dsn_hard_postfix.eml"), b"Action: failed\n", b"")
    with pytest.raises(MalformedReport, match="recipient block"):
        reports_parse(raw)


def test_feedback_report_without_a_feedback_type_is_refused():
    raw = edit(sample("arf_abuse.eml"), b"Feedback-Type: abuse\n", b"")
    with pytest.raises(MalformedReport, match="Feedback-Type"):
        reports_parse(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"  \r\n\r\n",
        b"\x00\xff\xfe garbage \x80\x81",
        b"Subject: hello\n\nJust text.\n",
        b"Content-Type: multipart/report; report-type=delivery-status\n\nno boundary\n",
        b"Content-Type: multipart/report; boundary=b\n\n--b\n\n--b--\n",
    ],
)
def test_empty_or_garbage_input_is_refused(raw):
    with pytest.raises(MalformedReport):
        reports_parse(raw)


def test_truncated_and_scrambled_input_only_ever_raises_malformed_report():
    rng = random.Random(3464)
    inputs = [rng.randbytes(rng.randint(1, 400)) for _ in range(200)]
    for name in [*REPORTS, "not_a_report.eml"]:
        raw = sample(name)
        inputs += [raw[:cut] for cut in range(0, len(raw), 11)]
        for _ in range(100):
            scrambled = bytearray(raw)
            for _ in range(rng.randint(1, 20)):
                scrambled[rng.randrange(len(scrambled))] = rng.randrange(256)
            inputs.append(bytes(scrambled))
    for raw in inputs:
        try:
            reports = reports_parse(raw)
        except MalformedReport:
            continue
        assert all(isinstance(report, MailReport) for report in reports)
        assert all(len(report.diagnostic) <= 300 for report in reports)
