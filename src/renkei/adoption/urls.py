from django.urls import path

from renkei.adoption import views, views_optimiser

app_name = "adoption"
urlpatterns = [
    path("office/selection/", views.board, name="board"),
    path("office/rounds/<int:pk>/not-adopted/", views.reject_remaining, name="reject_remaining"),
    path("office/rounds/<int:pk>/budget/", views.round_budget, name="round_budget"),
    path("office/proposals/<int:pk>/selection/", views.decide, name="decide"),
    path("office/proposals/<int:pk>/hearing/record/", views.hearing_record, name="hearing_record"),
    path("office/proposals/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("office/proposals/<int:pk>/adopt/", views.adopt_c3p, name="adopt_c3p"),
    path("office/proposals/<int:pk>/pin/", views.send_pin, name="send_pin"),
    path("office/proposals/<int:pk>/naiji/", views.naiji, name="naiji"),
    path("office/proposals/<int:pk>/not-adopted/", views.reject, name="reject"),
    path("proposals/<int:pk>/naiji.docx", views.naiji_download, name="naiji_download"),
    path("pins/", views.pins, name="pins"),
    path("pins/<int:pk>/", views.pin, name="pin"),
    path("pins/<int:pk>/docx/", views.pin_download, name="pin_download"),
    path("pins/<int:pk>/forward/", views.pin_forward, name="pin_forward"),
    path("pins/<int:pk>/respond/", views.pin_respond, name="pin_respond"),
    path("pins/<int:pk>/queries/", views.pin_query_ask, name="pin_query_ask"),
    path("pins/queries/<int:pk>/answer/", views.pin_query_answer, name="pin_query_answer"),
    path("adopted/", views.public, name="public"),
    *views_optimiser.urlpatterns,
]
