from django.urls import path

from renkei.monitoring import (
    views,
    views_annual,
    views_intake,
    views_period,
    views_plan,
    views_verification,
)

app_name = "monitoring"
urlpatterns = [
    path("monitoring/", views.plan_list, name="list"),
    path("monitoring/<int:pk>/", views.plan_detail, name="detail"),
    *views_plan.urlpatterns,
    *views_intake.urlpatterns,
    *views_period.urlpatterns,
    *views_verification.urlpatterns,
    *views_annual.urlpatterns,
]
