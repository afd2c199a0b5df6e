"""The newsroom's look: its accent colour (checked for contrast) and its type.

Only system font stacks: the pages fetch no font from anywhere, the site's own or another's.
"""

import math
import re
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.urls import reverse

# What site.css draws the accent on (the page: section labels, the current section) and
# draws on the accent (buttons' text). Error messages, also on grey panels, keep their own
# red (--error), whatever the accent.
PAGE_BACKGROUND = "#ffffff"
TEXT_ON_ACCENT = "#ffffff"
DEFAULT_ACCENT = "#a4161a"
# WCAG 2.2 AA for normal-size text.
MIN_CONTRAST = 4.5
HEX_COLOUR = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


class Typeface(models.TextChoices):
    CLASSIC = "classic", "Classic: serif headlines, sans-serif text"
    SANS = "sans", "Modern: sans-serif throughout"
    SERIF = "serif", "Book: serif throughout"
    HUMANIST = "humanist", "Humanist: warm sans-serif throughout"


SYSTEM_SANS = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
SYSTEM_SERIF = 'Georgia, "Times New Roman", serif'
BOOK_SERIF = 'Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, serif'
HUMANIST_SANS = (
    'Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", source-sans-pro, sans-serif'
)
# (body text, headlines) for each choice.
FONT_STACKS: dict[str, tuple[str, str]] = {
    Typeface.CLASSIC: (SYSTEM_SANS, SYSTEM_SERIF),
    Typeface.SANS: (SYSTEM_SANS, SYSTEM_SANS),
    Typeface.SERIF: (BOOK_SERIF, BOOK_SERIF),
    Typeface.HUMANIST: (HUMANIST_SANS, HUMANIST_SANS),
}


def normalise_colour(value: str) -> str | None:
    """`#rrggbb` in lower case for `#RGB`, `rrggbb`, ...; None for anything else."""
    match = HEX_COLOUR.fullmatch(value.strip())
    if match is None:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return f"#{digits}"


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a `#rrggbb` sRGB colour."""
    channels = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def shown_ratio(ratio: float) -> str:
    # Rounded down: 4.499 must not read as the 4.5 it fails to reach.
    return f"{math.floor(ratio * 100) / 100:.2f}:1"


def validate_accent_colour(value: str) -> None:
    """A colour readable as text on the page, and under white text (WCAG AA, 4.5:1)."""
    colour = normalise_colour(value)
    if colour is None:
        raise ValidationError(
            "Enter a colour as six hexadecimal digits, such as #a4161a.", code="invalid"
        )
    ratio = min(contrast_ratio(colour, PAGE_BACKGROUND), contrast_ratio(colour, TEXT_ON_ACCENT))
    if ratio < MIN_CONTRAST:
        raise ValidationError(
            "%(colour)s has a contrast ratio of %(ratio)s with the white page and with white "
            "text on it; WCAG AA asks for at least 4.5:1. Choose a darker colour.",
            code="low_contrast",
            params={"colour": colour, "ratio": shown_ratio(ratio)},
        )


def theme_css(*, accent: str, typeface: str) -> str:
    """The custom properties site.css reads, for a valid colour and typeface."""
    body, headings = FONT_STACKS[typeface]
    return (
        ":root {\n"
        f"  --accent: {accent};\n"
        f"  --font-body: {body};\n"
        f"  --font-headings: {headings};\n"
        "}\n"
    )


def theme_stylesheet_url(*, accent: str, typeface: str) -> str:
    """Where the stylesheet of these choices is: its address names them, so it never
    changes and a page links the one its settings (or a preview's) choose."""
    colour = normalise_colour(accent) or DEFAULT_ACCENT
    if typeface not in FONT_STACKS:
        typeface = Typeface.CLASSIC
    query = urlencode({"accent": colour[1:], "type": typeface})
    return f"{reverse('newsroom:theme_css')}?{query}"


def validate_menu_address(value: str) -> None:
    """A menu's own address: a web address, or a path on this site."""
    address = value.strip()
    if address.startswith("/") and not address.startswith("//"):
        return
    if not address.lower().startswith(("https://", "http://")):
        raise ValidationError(
            "Type an address starting with https:// or a path on this site starting with /.",
            code="invalid",
        )
    URLValidator(schemes=["http", "https"])(address)
