"""Reading untrusted exports: streamed, defused XML, and the fields readers typed, cleaned.

defusedxml parses exports, refusing entity declarations and external references, and the
file is streamed so that a large export is never held as one tree.
"""

import hashlib
import html
import ipaddress
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

import nh3
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from dateline.core.addresses import BadAddress, email_normalise

from .base import MAX_SOURCE_ID, CommentImportError

WP_NAMESPACE = "http://wordpress.org/export/"  # followed by the WXR version: 1.0/, 1.1/, 1.2/


def walk(
    file: BinaryIO, *, expected_root: str, label: str
) -> Iterator[tuple[list[str], Element, Element]]:
    """Each element as it ends, with its path of prefixed names ("wp:comment") and its parent."""
    path: list[str] = []
    stack: list[Element] = []
    try:
        for event, element in iterparse(file, events=("start", "end")):
            if event == "start":
                name = element_name(element.tag)
                if not path and name != expected_root:
                    raise CommentImportError(
                        f"This is not a {label}: its root element is <{name}>, "
                        f"not <{expected_root}>."
                    )
                path.append(name)
                stack.append(element)
                continue
            if len(stack) > 1:
                yield path, element, stack[-2]
            path.pop()
            stack.pop()
    except ParseError as error:
        raise CommentImportError(f"This file is not well-formed XML: {error}.") from None
    except DefusedXmlException as error:
        raise CommentImportError(
            f"This file declares XML entities or external references, which an export "
            f"does not need and the importer refuses ({type(error).__name__})."
        ) from None


def element_name(tag: str) -> str:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        if namespace.startswith(WP_NAMESPACE):
            return f"wp:{local}"
        return local
    return tag


def child(element: Element, local_name: str) -> Element | None:
    """The first child of that name, whatever its namespace."""
    for node in element:
        if node.tag.rpartition("}")[2] == local_name:
            return node
    return None


def child_text(element: Element, local_name: str) -> str:
    node = child(element, local_name)
    return (node.text or "").strip() if node is not None else ""


def source_id(*parts: str) -> str:
    source_id = ":".join(parts)
    if len(source_id) > MAX_SOURCE_ID and len(parts) == 3:
        # A very long site address would be cut short, and two sites could then collide.
        site = hashlib.sha256(parts[1].encode()).hexdigest()[:16]
        source_id = ":".join((parts[0], site, parts[2]))
    return source_id[:MAX_SOURCE_ID]


def clean_name(text: str) -> str:
    return html.unescape(" ".join(nh3.clean(text, tags=set()).split()))


def clean_email(text: str) -> str:
    """The address in the site's normal form; one it would refuse from a reader is dropped."""
    try:
        return email_normalise(text)
    except BadAddress:
        return ""


def clean_url(text: str) -> str:
    if len(text) > 200:
        return ""  # cut short, it would lead somewhere else
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        return ""
    return text


def clean_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
