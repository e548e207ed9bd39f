from django.urls import path

from renkei.grants import views, views_award, views_closing, views_portfolio, views_schedule

app_name = "grants"
urlpatterns = [
    path("grants/", views.grant_list, name="list"),
    path("grants/<int:pk>/", views.grant_detail, name="detail"),
    path("proposals/<int:pk>/grant/open/", views.grant_open_view, name="open"),
    *views_award.urlpatterns,
    *views_closing.urlpatterns,
    *views_schedule.urlpatterns,
    *views_portfolio.urlpatterns,
]
