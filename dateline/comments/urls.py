from django.urls import path

from . import feeds, views

app_name = "comments"

urlpatterns = [
    path("post/", views.post, name="post"),
    path("mine/", views.mine, name="mine"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/reply/", views.reply, name="reply"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/delete/", views.delete, name="delete"),
    path("<id:pk>/report/", views.report, name="report"),
    path("notify/confirm/<str:token>/", views.notify_confirm, name="notify_confirm"),
    path("notify/unsubscribe/<str:token>/", views.notify_unsubscribe, name="notify_unsubscribe"),
    path("erase/", views.erase_request, name="erase"),
    path("erase/<str:token>/", views.erase_confirm, name="erase_confirm"),
    path("feed/", feeds.SiteCommentsFeed(), name="feed"),
    path("feed/atom/", feeds.SiteCommentsFeed("atom"), name="feed_atom"),
    path("feed/json/", feeds.SiteCommentsFeed("json"), name="feed_json"),
    path("article/<id:article_id>/feed/", feeds.ArticleCommentsFeed(), name="article_feed"),
    path(
        "article/<id:article_id>/feed/atom/",
        feeds.ArticleCommentsFeed("atom"),
        name="article_feed_atom",
    ),
    path(
        "article/<id:article_id>/feed/json/",
        feeds.ArticleCommentsFeed("json"),
        name="article_feed_json",
    ),
]
