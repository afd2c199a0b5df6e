from django.urls import path

from . import feeds, views

app_name = "comments"

urlpatterns = [
    path("post/", views.post, name="post"),
    path("mine/", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/report/", views.report, name="report"),
    path("notify/confirm/<str:token>/", views.notify_confirm, name="notify_confirm"),
    path("notify/unsubscribe/<str:token>/", views.notify_unsubscribe, name="notify_unsubscribe"),
    path("erase/", views.erase_request, name="erase"),
    path("erase/<str:token>/", views.erase_confirm, name="erase_confirm"),
    path("feed/", feeds.SiteCommentsFeed(), name="feed"),
    path("article/<int:article_id>/feed/", feeds.ArticleCommentsFeed(), name="article_feed"),
]
