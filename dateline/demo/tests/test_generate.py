"""The article generator behind `make bench`'s search figures."""

from io import StringIO

from django.core.management import call_command

from dateline.newsroom.models import ArticlePage, SectionPage


def test_generated_articles_are_real_pages_in_the_tree_and_the_index(client, demo_home):
    before = ArticlePage.objects.count()
    call_command("generate_articles", "60", stdout=StringIO())

    generated = ArticlePage.objects.filter(slug__startswith="generated-")
    assert generated.count() == 60 == ArticlePage.objects.count() - before
    article = generated.order_by("pk").first()
    assert client.get(article.url).status_code == 200
    assert article.get_parent().specific_class is SectionPage
    assert (
        SectionPage.objects.first().get_children().count() == SectionPage.objects.first().numchild
    )
    word = article.title.split()[1].lower()
    assert article.title in client.get("/search/", {"q": word}).content.decode()


def test_the_generator_is_repeatable(demo_home):
    from dateline.demo.generate import articles_generate

    articles_generate(count=5, seed=7, index=False)
    titles = list(ArticlePage.objects.filter(slug__startswith="generated-").values_list("title"))
    ArticlePage.objects.filter(slug__startswith="generated-").delete()
    articles_generate(count=5, seed=7, index=False)
    again = list(ArticlePage.objects.filter(slug__startswith="generated-").values_list("title"))
    assert titles == again
