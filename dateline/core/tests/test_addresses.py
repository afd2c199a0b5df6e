import pytest

from dateline.core.addresses import BadAddress, email_normalise


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("Amira@Example.COM", "Amira@example.com"),
        ("  amira@example.com ", "amira@example.com"),
        ("a.b+news@sub.example.org", "a.b+news@sub.example.org"),
        ("amira@xn--mller-kva.example", "amira@müller.example"),
    ],
)
def test_addresses_in_their_normal_form(typed, normal):
    assert email_normalise(typed) == normal


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ('"a\x0bb"@example.com', "U+000B"),  # would reach a To: header as a line break
        ('"a\r\nBcc: x@evil.example"@example.com', "quotes"),
        ('"quoted"@example.com', "Quoting"),
        ("a\x0bb@example.com", "U+000B"),
        ("a\x00b@example.com", "U+0000"),
        ("amira@exa\u2028mple.com", "LINE SEPARATOR"),
        ("ami\u200bra@example.com", "ZERO WIDTH SPACE"),
        ("amira@[192.0.2.1]", "bracketed IP address"),
        ("amira@[IPv6:2001:db8::1]", "bracketed IP address"),
        ("amira@192.0.2.1", "not valid"),
        ("amira@localhost", "not valid"),
        ("amira@mail.test", "special-use"),
        ("Amira <amira@example.com>", "display name"),
        ("amira", "@-sign"),
        ("a" * 250 + "@example.com", "too long"),
    ],
)
def test_unusable_addresses_are_refused_with_the_reason(typed, why):
    with pytest.raises(BadAddress) as refusal:
        email_normalise(typed)
    assert why in refusal.value.message
