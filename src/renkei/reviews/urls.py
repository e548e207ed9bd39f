from django.urls import path

from renkei.reviews import views

app_name = "reviews"
urlpatterns = [
    path("proposals/", views.intake, name="intake"),
    path("ranking/", views.ranking, name="ranking"),
    path("proposals/<int:pk>/screening/", views.screening, name="screening"),
    path("screening-items/<int:pk>/", views.decide, name="decide"),
    path("screenings/<int:pk>/complete/", views.complete, name="complete"),
    path("reviewers/", views.assign, name="assign"),
    path("proposals/<int:pk>/reviews/", views.summary, name="summary"),
    path("reviews/", views.my_reviews, name="my_reviews"),
    path("reviews/<int:pk>/declare/", views.declare, name="declare"),
    path("reviews/<int:pk>/", views.score, name="score"),
    path("reviews/<int:pk>/submit/", views.submit_review, name="submit_review"),
    path("reviews/<int:pk>/reset-conflict/", views.reset_conflict, name="reset_conflict"),
    path("reviews/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("reviews/<int:pk>/reopen/", views.reopen, name="reopen"),
]
