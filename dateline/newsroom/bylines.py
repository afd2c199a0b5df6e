"""Bylines as people write them: “Layla Hassan”, “Layla Hassan and Omar Khalil”, “Layla
Hassan, Omar Khalil and Sara Ali”. The article page, teasers, feeds and emails all join
names here (templates through the `join_names` and `name_list` filters of newsroom_tags);
the JSON-LD and the Atom and JSON feeds keep one author element per byline instead."""

from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def separators(count: int) -> list[str]:
    """What follows each of `count` names: “, ” up to the last two, “ and ” between those."""
    if count < 1:
        return []
    return [", "] * (count - 2) + [" and "] * min(count - 1, 1) + [""]


def name_list(items: Sequence[T]) -> list[tuple[T, str]]:
    """Each item with the words that follow it in a list of names, for markup that links
    some of them: [(a, ", "), (b, " and "), (c, "")]."""
    return list(zip(items, separators(len(items)), strict=True))


def join_names(names: Iterable[str]) -> str:
    """The names as one phrase; empty names are left out."""
    return "".join(name + after for name, after in name_list([n for n in names if n]))


def byline_text(bylines: Iterable) -> str:
    """An article's bylines as one line of text, without “By”: “Layla Hassan and Omar
    Khalil”. For feeds and emails; the article page adds affiliations and roles."""
    return join_names(byline.display_name for byline in bylines)


def by_role(bylines: Iterable[T]) -> list[tuple[str, list[T]]]:
    """Bylines grouped by the part they had, for “By A and B. Additional reporting by C”:
    those without a role first, then each role in the order it first appears."""
    groups: dict[str, list[T]] = {"": []}
    for byline in bylines:
        groups.setdefault(byline.role.strip(), []).append(byline)  # type: ignore[attr-defined]
    return [(role, group) for role, group in groups.items() if group]
