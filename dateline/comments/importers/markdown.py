"""Comments' HTML from other systems as the Markdown subset the site stores (see markup)."""

import re
from html.parser import HTMLParser
from urllib.parse import quote

import nh3

__all__ = ["html_to_text"]

# Tags with a Markdown equivalent, and tags that at least end a paragraph; every other tag
# is dropped and its text kept, except for these last ones, whose content goes with them.
INLINE_TAGS = {"a", "em", "i", "strong", "b"}
BLOCK_TAGS = {"p", "div", "blockquote", "ul", "ol", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
DROPPED_WITH_CONTENT = {"script", "style", "template", "iframe", "object", "noscript"}
EMPHASIS = {"em": "*", "i": "*", "strong": "**", "b": "**"}
MARKDOWN_PUNCTUATION = str.maketrans({char: "\\" + char for char in "\\`*_[]"})
ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
# What would make a line a quote or a list item: escaped by a backslash before its last sign.
LINE_START_MARKER = re.compile(r">|(?:[-+]|\d{1,9}[.)])(?=\s|$)")


def html_to_text(fragment: str, *, newlines_are_breaks: bool = False) -> str:
    """A comment's HTML as the Markdown subset the site stores: links, emphasis, quotes."""
    cleaned = nh3.clean(
        fragment,
        tags=INLINE_TAGS | BLOCK_TAGS | {"br"},
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )
    writer = MarkdownWriter(newlines_are_breaks=newlines_are_breaks)
    writer.feed(cleaned)
    writer.close()
    return writer.text()


class MarkdownWriter(HTMLParser):
    def __init__(self, *, newlines_are_breaks: bool):
        super().__init__(convert_charrefs=True)
        self.newlines_are_breaks = newlines_are_breaks
        self.blocks: list[tuple[int, str]] = []  # (quote depth, paragraph)
        self.inline: list[str] = []
        self.open: list[tuple[str, int, str]] = []  # (tag, start in inline, href)
        self.link_text: list[str] = []
        self.quote = 0
        self.lists: list[int | None] = []  # the next number of an ordered list, or None
        self.line_start = True

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self._newline()
        elif tag in EMPHASIS or tag == "a":
            href = (dict(attrs).get("href") or "") if tag == "a" else ""
            self.open.append((tag, len(self.inline), href))
            if tag == "a":
                self.link_text = []
        elif tag in ("ul", "ol"):
            self._paragraph_end()
            start = dict(attrs).get("start") or "1"
            self.lists.append(None if tag == "ul" else int(start) if start.isdigit() else 1)
        elif tag == "li":
            if any(part.strip() for part in self.inline):
                self._newline()
            number = self.lists[-1] if self.lists else None
            self.inline.append("- " if number is None else f"{number}. ")
            if number is not None:
                self.lists[-1] = number + 1
            self.line_start = False
        elif tag in BLOCK_TAGS:
            self._paragraph_end()
            if tag == "blockquote":
                self.quote += 1

    def handle_endtag(self, tag):
        if tag in EMPHASIS or tag == "a":
            self._inline_end(tag)
        elif tag in ("ul", "ol"):
            self._paragraph_end()
            if self.lists:
                self.lists.pop()
        elif tag in BLOCK_TAGS and tag != "li":
            self._paragraph_end()
            if tag == "blockquote":
                self.quote = max(self.quote - 1, 0)

    def handle_data(self, data):
        if not self.newlines_are_breaks:
            self._text(data)
            return
        lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for number, line in enumerate(lines):
            if number:
                self._newline()
            self._text(line)

    def _text(self, data: str) -> None:
        words = data.split()
        if not words:
            if data and self.inline and not self.line_start:
                self.inline.append(" ")
            return
        if any(tag == "a" for tag, _, _ in self.open):
            self.link_text.append(data)
        text = " ".join(words).translate(MARKDOWN_PUNCTUATION)
        text = ENTITY_LIKE.sub(r"\\&", text)
        if self.line_start:
            marker = LINE_START_MARKER.match(text)
            if marker:
                text = f"{text[: marker.end() - 1]}\\{text[marker.end() - 1 :]}"
        elif data[0].isspace():
            text = " " + text
        if data[-1].isspace():
            text += " "
        self.inline.append(text)
        self.line_start = False

    def _newline(self) -> None:
        self.inline.append("\n")
        self.line_start = True

    def _inline_end(self, tag: str) -> None:
        for position in range(len(self.open) - 1, -1, -1):
            if self.open[position][0] == tag:
                break
        else:
            return
        _, start, href = self.open.pop(position)
        content = "".join(self.inline[start:])
        del self.inline[start:]
        inner = content.strip()
        lead = " " if content[:1].isspace() else ""
        trail = " " if content[-1:].isspace() else ""
        if tag == "a":
            raw = " ".join("".join(self.link_text).split())
            if not href:
                wrapped = inner
            elif not inner or (raw == href and href.startswith(("http://", "https://"))):
                wrapped = href  # a bare address: the renderer links it again
            else:
                destination = quote(href, safe=";/?:@&=+$,!#%'*[]~")
                wrapped = f"[{inner}]({destination})"
        else:
            marker = EMPHASIS[tag]
            wrapped = f"{marker}{inner}{marker}" if inner and "\n" not in inner else inner
        self.inline.append(lead + wrapped + trail)
        self.line_start = False if wrapped else self.line_start

    def _paragraph_end(self) -> None:
        while self.open:
            self._inline_end(self.open[-1][0])
        text = "".join(self.inline)
        self.inline = []
        self.line_start = True
        paragraph: list[str] = []
        for line in [*text.split("\n"), ""]:
            if line.strip():
                paragraph.append(" ".join(line.split()))
            elif paragraph:
                self.blocks.append((self.quote, "\n".join(paragraph)))
                paragraph = []

    def text(self) -> str:
        self._paragraph_end()
        out: list[str] = []
        previous = 0
        for quote_depth, paragraph in self.blocks:
            if out:
                out.append("\n" + ("> " * min(previous, quote_depth)).rstrip() + "\n")
            prefix = "> " * quote_depth
            out.append("\n".join(prefix + line for line in paragraph.split("\n")))
            previous = quote_depth
        return "".join(out)
