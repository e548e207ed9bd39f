from django.urls import path

from renkei.credits import views, views_cycle, views_issuance, views_portfolio, views_registry

app_name = "credits"
urlpatterns = [
    path("credits/", views.project_list, name="list"),
    path("credits/<int:pk>/", views.project_detail, name="detail"),
    *views_cycle.urlpatterns,
    *views_issuance.urlpatterns,
    *views_registry.urlpatterns,
    *views_portfolio.urlpatterns,
]
