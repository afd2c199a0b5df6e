"""Comment text: a Markdown subset rendered by markdown-it-py and sanitised by nh3.

Readers get emphasis, links, quotes, lists and inline code; raw HTML is shown as text.
nh3 is the second fence: whatever the renderer emits, only these tags and attributes survive.
"""

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "em", "strong", "a", "blockquote", "ul", "ol", "li", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
LINK_REL = "nofollow ugc noopener"
# Control characters other than tab and newline, and the bidirectional overrides that can
# make a comment display as something else (Trojan Source).
UNWANTED_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)

_markdown = (
    MarkdownIt("zero", {"linkify": True, "typographer": False, "breaks": True, "html": False})
    .enable(["emphasis", "link", "autolink", "linkify", "blockquote", "list", "backticks"])
    .enable(["newline", "escape", "entity"])
)
_markdown.validateLink = lambda url: url.lower().startswith(  # type: ignore[method-assign]
    ("http://", "https://", "mailto:")
)


# Stacks of combining marks ("Zalgo text") spill over the lines around them.
COMBINING_FLOOD = re.compile(
    "([\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{3})[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
)


def clean_text(text: str) -> str:
    """NFC-normalised text without control characters, mark floods or trailing blanks."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = COMBINING_FLOOD.sub(r"\1", UNWANTED_CHARACTERS.sub("", text))
    return text.strip()


def render(body: str) -> str:
    return nh3.clean(
        _markdown.render(body),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
    ).strip()


def link_count(html: str) -> int:
    return html.count("<a ")


def plain_text(html: str) -> str:
    return " ".join(nh3.clean(html, tags=set()).split())


def comparable(text: str) -> str:
    """Case- and width-folded words: how banned-word and duplicate checks read a text."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", folded))
