from renkei.credits import views_cycle, views_issuance, views_portfolio, views_registry

app_name = "credits"
urlpatterns = [
    *views_cycle.urlpatterns,
    *views_issuance.urlpatterns,
    *views_registry.urlpatterns,
    *views_portfolio.urlpatterns,
]
