"""schema.org NewsArticle for an article page (JSON-LD)."""

from dateline.core.dates import iso_datetime
from dateline.core.links import absolute_url


def news_article(
    *, article, section, bylines, citations, topics, newsroom, image_urls, logo
) -> dict:
    """Google's recommended properties for an article (headline, image in three shapes,
    datePublished, dateModified, author with name and url, publisher with name and logo),
    each present whenever the data for it exists."""
    publisher = {
        "@type": "NewsMediaOrganization",
        "name": newsroom.name,
        "url": absolute_url("/"),
    }
    if logo:
        publisher["logo"] = {
            "@type": "ImageObject",
            "url": logo.url,
            "width": logo.width,
            "height": logo.height,
        }
    authors = [
        {
            "@type": "Person",
            "name": byline.display_name,
            **({"url": absolute_url(byline.author.get_absolute_url())} if byline.author_id else {}),
            **(
                {"affiliation": {"@type": "Organization", "name": byline.guest_affiliation}}
                if byline.guest_affiliation and not byline.author_id
                else {}
            ),
        }
        for byline in bylines
    ] or [publisher]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": iso_datetime(article.published_at),
        "dateModified": iso_datetime(article.date_modified),
        "author": authors,
        "publisher": publisher,
        "articleSection": section.title,
        "inLanguage": newsroom.language,
        "isAccessibleForFree": True,
    }
    # A page outside every site (a preview of one) has no address yet.
    if article.url:
        data["url"] = data["mainEntityOfPage"] = absolute_url(article.url)
    if article.standfirst:
        data["description"] = article.standfirst
    if image_urls:
        data["image"] = [absolute_url(url) for url in image_urls]
    if topics:
        data["keywords"] = [topic.name for topic in topics]
    if article.dateline_place:
        data["locationCreated"] = {"@type": "Place", "name": article.dateline_place}
    if citations:
        data["citation"] = [
            {
                "@type": "CreativeWork",
                "name": citation.source.name,
                **({"url": citation.url} if citation.url else {}),
                **({"description": citation.note} if citation.note else {}),
            }
            for citation in citations
        ]
    return data
