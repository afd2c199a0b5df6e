from dataclasses import dataclass

from django import template
from wagtail.models import Site

from dateline.core.sites import site_tag_version, site_tagged

from ..models import SectionPage

register = template.Library()


@dataclass(frozen=True)
class NavSection:
    title: str
    url: str
    path: str


def nav_sections(site: Site, request) -> list[NavSection]:
    """The site's top-level sections, kept under the site tag until it is purged
    (every change to sections purges it), as the pages that show them are."""

    def load() -> list[NavSection]:
        return [
            NavSection(section.title, section.get_url(request), section.path)
            for section in SectionPage.objects.live()
            .public()
            .filter(path__startswith=site.root_page.path, depth=site.root_page.depth + 1)
            .order_by("path")
        ]

    return site_tagged.get(f"newsroom:nav:{site.pk}:{site_tag_version()}", load)


@register.inclusion_tag("newsroom/_section_nav.html", takes_context=True)
def section_nav(context):
    """The top-level sections, in the order editors put them in the page tree."""
    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else None
    sections = nav_sections(site, request) if site is not None else []
    current = context.get("section") or context.get("page")
    current_path = current.path if isinstance(current, SectionPage) else ""
    return {"sections": [(section, current_path.startswith(section.path)) for section in sections]}


@register.inclusion_tag("newsroom/_teaser.html")
def teaser(article, heading_level: int = 3, show_image: bool = True):
    """An article in a list; `selectors.attach_sections` has given it its section and links."""
    return {"article": article, "heading_level": heading_level, "show_image": show_image}
