"""Reading bounce and complaint reports that mail servers send back:
DSN (RFC 3464) and ARF (RFC 5965).

Only the two standards are read; anything else (auto-replies, home-made bounce texts) is
refused with MalformedReport so that a guess never suppresses an address.
"""

import email
import re
from dataclasses import dataclass
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses

__all__ = ["MailReport", "MalformedReport", "reports_parse"]

STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
NOT_A_REPORT = "not a delivery status or feedback report"
IGNORED_ACTIONS = {"delivered", "relayed", "expanded"}
DSN_ACTIONS = {"failed", "delayed", *IGNORED_ACTIONS}
# RFC 6533 (internationalised mail) uses the "global" variants of the same parts.
STATUS_PARTS = {"message/delivery-status", "message/global-delivery-status"}
FEEDBACK_PARTS = {"message/feedback-report"}
MESSAGE_PARTS = {"message/rfc822", "message/global"}
HEADERS_PARTS = {"text/rfc822-headers", "message/global-headers"}


@dataclass(frozen=True)
class MailReport:
    kind: str  # "hard_bounce" | "soft_bounce" | "complaint"
    recipient: str  # the failed/complaining address, lower-case domain; "" if the report names none
    message_id: str  # Message-ID of OUR original message, without angle brackets; "" if not found
    status: str  # enhanced status code like "5.1.1" ("" for complaints)
    diagnostic: str  # one short line (max 300 chars), the Diagnostic-Code text or feedback type


class MalformedReport(ValueError):
    """The message is not a bounce or complaint report that can be read."""


def reports_parse(raw: bytes) -> list[MailReport]:
    """The reports in one returned message; [] when a DSN says every recipient got it."""
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise MalformedReport(f"empty message: {NOT_A_REPORT}")
    try:
        # As text, header values stay plain strings; UTF-8 is what RFC 6532 mail carries.
        text = bytes(raw).decode("utf-8", errors="replace")
        return _parse(email.message_from_string(text, policy=compat32))
    except MalformedReport:
        raise
    except Exception as exc:  # the email package has many ways to trip on hostile input
        raise MalformedReport(f"unreadable message: {exc!r}") from exc


def _parse(message: Message) -> list[MailReport]:
    parts = message.get_payload() if message.get_content_type() == "multipart/report" else None
    if not isinstance(parts, list):
        raise MalformedReport(NOT_A_REPORT)
    types = {part.get_content_type(): part for part in parts}
    returned = _returned_message_id(parts)
    if status_part := next((types[t] for t in STATUS_PARTS if t in types), None):
        return _dsn_reports(_blocks(status_part), returned)
    if feedback_part := next((types[t] for t in FEEDBACK_PARTS if t in types), None):
        return [_arf_report(_blocks(feedback_part), parts, returned)]
    raise MalformedReport(NOT_A_REPORT)


def _dsn_reports(blocks: list[Message], message_id: str) -> list[MailReport]:
    # The first block describes the message; recipient blocks are the ones with an Action.
    recipients = [block for block in blocks if _action(block) in DSN_ACTIONS]
    if not recipients:
        raise MalformedReport("delivery status report without any readable recipient block")
    return [
        _dsn_report(block, message_id)
        for block in recipients
        if _action(block) not in IGNORED_ACTIONS
    ]


def _dsn_report(block: Message, message_id: str) -> MailReport:
    diagnostic = _field(block, "Diagnostic-Code")
    # The Status field is required, but some servers only put the code in the diagnostic.
    found = STATUS.search(_field(block, "Status")) or STATUS.search(diagnostic)
    status = ".".join(found.groups()) if found else ""
    # A failure without any code is not enough evidence to drop an address for good.
    hard = _action(block) == "failed" and status.startswith("5")
    return MailReport(
        kind="hard_bounce" if hard else "soft_bounce",
        recipient=_address(_without_type(_field(block, "Final-Recipient")))
        or _address(_without_type(_field(block, "Original-Recipient"))),
        message_id=message_id,
        status=status,
        diagnostic=_without_type(diagnostic)[:300],
    )


def _action(block: Message) -> str:
    return _field(block, "Action").lower().split(" ", 1)[0]


def _arf_report(blocks: list[Message], parts: list[Message], message_id: str) -> MailReport:
    fields = blocks[0] if blocks else Message()
    feedback_type = _field(fields, "Feedback-Type").lower().split(" ", 1)[0]
    if not feedback_type:
        raise MalformedReport("feedback report without a Feedback-Type")
    # The envelope recipient, when given, is exact; complaint desks often redact the To header.
    recipient = _address(_field(fields, "Original-Rcpt-To"))
    if not recipient and (original := _returned_headers(parts)) is not None:
        recipient = _address(_field(original, "To"))
    return MailReport("complaint", recipient, message_id, "", f"feedback: {feedback_type}"[:300])


def _blocks(part: Message) -> list[Message]:
    """The header blocks of a report part.

    The stdlib splits message/delivery-status into blocks itself, reads other message/* parts
    as one message whose body holds the remaining blocks, and leaves the rest as text.
    """
    payload = part.get_payload()
    if not isinstance(payload, list):
        return _text_blocks(_text(part))
    blocks = []
    for block in payload:
        if isinstance(block, Message):
            blocks += [block, *_text_blocks(_text(block))]
    return blocks


def _text_blocks(text: str) -> list[Message]:
    chunks = re.split(r"\r?\n[ \t]*\r?\n", text.strip())
    return [email.message_from_string(chunk + "\n", policy=compat32) for chunk in chunks if chunk]


def _returned_headers(parts: list[Message]) -> Message | None:
    """The headers of our original message, as returned inside the report."""
    for part in parts:
        content_type = part.get_content_type()
        if content_type in MESSAGE_PARTS:
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
            return email.message_from_string(_text(part), policy=compat32)
        if content_type in HEADERS_PARTS:
            return email.message_from_string(_text(part).lstrip(), policy=compat32)
    return None


def _returned_message_id(parts: list[Message]) -> str:
    original = _returned_headers(parts)
    value = _field(original, "Message-ID") if original is not None else ""
    found = MESSAGE_ID.search(value)
    return found.group(1) if found else value.strip("<> ")


def _text(part: Message) -> str:
    payload = part.get_payload()
    if not isinstance(payload, str):
        return ""
    if _field(part, "Content-Transfer-Encoding").lower() in ("base64", "quoted-printable"):
        data = part.get_payload(decode=True)
        return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else ""
    return payload


def _field(block: Message, name: str) -> str:
    """A header's value unfolded to one line."""
    value = block.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _without_type(value: str) -> str:
    """Drop the type of an RFC 3464 typed field: "rfc822; a@b.c" gives "a@b.c"."""
    kind, sep, rest = value.partition(";")
    return rest.strip() if sep and re.fullmatch(r"[A-Za-z0-9-]+", kind.strip()) else value


def _address(value: str) -> str:
    """The first mail address in a field, with its domain in lower case."""
    for _name, address in getaddresses([value]):
        local, at, domain = address.strip().rpartition("@")
        if at and local and domain:
            return f"{local}@{domain.lower()}"
    return ""
