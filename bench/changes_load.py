"""How soon each kind of change reaches readers through the production front.

The site runs behind the shipped nginx (a 1-second micro-cache) on PostgreSQL and Redis,
as scaled out. Every page that shows an article is fetched twice first, so nginx holds it.
Then, in another process, as an editor or moderator would: a new article is published, its
headline changed, a correction added, a reader's comment approved, and the article
withdrawn. After each, every page it appears on (the article, its section, its topic, the
home page, the feeds and the sitemaps) is polled through nginx until it shows the change;
the time is counted from the change's commit.
"""

import time

from dateline.testing.nginx import get
from dateline.testing.site import backends, fresh_site, run_python

from .report import Report
from .serving import front

SECTION = "/middle-east-news/"
TOPIC = "/topics/isis/"
SLUG = "bench-coalition-widens"
ARTICLE = f"{SECTION}{SLUG}/"
LISTS = [SECTION, TOPIC, "/", "/feed/", f"{SECTION}feed/", f"{TOPIC}feed/"]
SITEMAPS = ["/sitemap-articles.xml", "/news-sitemap.xml"]
GOAL_SECONDS = 1.0
GIVE_UP_SECONDS = 30
COLUMNS = ("change", "page", "visible after ms")

SETUP = (
    "import time\n"
    "from dateline.newsroom.actions import article_publish\n"
    "from dateline.newsroom.models import ArticleCorrection, ArticlePage, SectionPage, Topic\n"
)
CHANGES = {
    "publish": (
        "section = SectionPage.objects.get(slug='middle-east-news')\n"
        "a = ArticlePage(title={text!r}, slug={slug!r}, live=False,\n"
        "                body='<p>Filed for the benchmark.</p>')\n"
        "a.topics = [Topic.objects.get(slug='isis')]\n"
        "section.add_child(instance=a)\n"
        "article_publish(article=a)\n"
    ),
    "update": (
        "a = ArticlePage.objects.get(slug={slug!r})\n"
        "a.title = {text!r}\n"
        "article_publish(article=a)\n"
    ),
    "correction": (
        "a = ArticlePage.objects.get(slug={slug!r})\n"
        "a.corrections.add(ArticleCorrection(kind='correction', note={text!r}))\n"
        "article_publish(article=a)\n"
    ),
    "approved comment": (
        "from django.contrib.auth import get_user_model\n"
        "from dateline.comments.actions import comment_moderate, comment_post\n"
        "desk = get_user_model().objects.create_superuser('bench-desk', 'desk@example.com', "
        "'bench-desk-password')\n"
        "a = ArticlePage.objects.get(slug={slug!r})\n"
        "posted = comment_post(article=a, body={text!r}, name='Bench Reader',\n"
        "                      email='reader@example.com', ip='192.0.2.1')\n"
        "comment_moderate(comment_ids=[posted.comment.pk], decision='approve', by=desk)\n"
    ),
    "withdrawal": "ArticlePage.objects.get(slug={slug!r}).unpublish()\n",
}


def _change(site, name: str, text: str) -> float:
    """Make the change in another process; the wall-clock time of its commit."""
    code = SETUP + CHANGES[name].format(slug=SLUG, text=text) + "print(time.time())\n"
    return float(run_python(site.env, code).split()[-1])


def _until(port: int, committed: float, checks: dict) -> dict[str, float]:
    """Poll each page until its check holds; seconds after the commit (inf: never)."""
    seen: dict[str, float] = {}
    while len(seen) < len(checks) and time.time() - committed < GIVE_UP_SECONDS:
        for path, holds in checks.items():
            if path not in seen and holds(get(port, path)):
                seen[path] = time.time() - committed
        time.sleep(0.01)
    return {path: seen.get(path, float("inf")) for path in checks}


def _shows(text: str):
    return lambda answer: answer.status == 200 and text.encode() in answer.body


def _gone(text: str):
    return lambda answer: text.encode() not in answer.body


def run() -> Report:
    found, notes = backends()
    backend = found[-1]
    report = Report(
        f"Changes reaching readers through nginx ({backend.label})", COLUMNS, notes=notes
    )
    stamp = time.time_ns()
    headline, new_headline = f"Coalition Widens {stamp}", f"Coalition Widens Again {stamp}"
    note, comment = f"An earlier version misdated the talks {stamp}.", f"Well reported {stamp}."
    steps = [
        (
            "publish",
            headline,
            {
                **{path: _shows(headline) for path in [ARTICLE, *LISTS]},
                **{path: _shows(SLUG) for path in SITEMAPS},
            },
        ),
        ("update", new_headline, {path: _shows(new_headline) for path in [ARTICLE, *LISTS]}),
        ("correction", note, {ARTICLE: _shows(note), "/feed/": _shows(note)}),
        ("approved comment", comment, {ARTICLE: _shows(comment)}),
        (
            "withdrawal",
            "",
            {
                ARTICLE: lambda answer: answer.status == 404,
                **{path: _gone(new_headline) for path in LISTS},
                **{path: _gone(SLUG) for path in SITEMAPS},
            },
        ),
    ]
    with fresh_site(backend) as site, front(site) as port:
        watched = {path for _, _, checks in steps for path in checks} - {ARTICLE}
        for path in watched:  # Each page in nginx's cache, as a read story's pages are.
            get(port, path)
            get(port, path)
        for name, text, checks in steps:
            committed = _change(site, name, text)
            for path, seconds in _until(port, committed, checks).items():
                shown = "never" if seconds > GIVE_UP_SECONDS else seconds * 1000
                report.rows.append((name, path, shown))
                report.ok = report.ok and shown != "never"
    slowest = max((row[2] for row in report.rows if row[2] != "never"), default=0)
    report.notes.append(
        f"Slowest: {slowest:,.0f} ms (goal: within {GOAL_SECONDS * 1000:,.0f} ms; nginx keeps a "
        "page 1 s and refreshes it from the app, whose own cache each change purges)."
    )
    return report
