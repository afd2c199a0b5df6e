"""Readers' search on PostgreSQL reads its own narrow table (dateline/newsroom/search.py).

The table exists on SQLite too (as an unused table) so the models are the same everywhere;
its storage settings and GIN index are PostgreSQL's. `manage.py article_search_rebuild`
fills it for a database that already holds articles.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

STORAGE = [
    "ALTER TABLE newsroom_articlesearchentry SET (toast_tuple_target = 128)",
    "ALTER TABLE newsroom_articlesearchentry ALTER COLUMN lead SET STORAGE MAIN",
    "CREATE INDEX IF NOT EXISTS newsroom_articlesearchentry_document "
    "ON newsroom_articlesearchentry USING gin (document)",
]


def storage(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in STORAGE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0003_search_title_body_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleSearchEntry",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="newsroom.articlepage",
                    ),
                ),
                ("published_at", models.DateTimeField()),
                ("lead", django.contrib.postgres.search.SearchVectorField()),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(storage, migrations.RunPython.noop, elidable=False),
    ]
