"""Pre-registrations in /admin/ for the program office, read-only (they are the applicants'
statements; the office's page is /proposals/preregistrations/)."""

from django.contrib import admin

from renkei import access
from renkei.accounts.models import Role
from renkei.proposals.models import PreRegistration


@admin.register(PreRegistration)
class PreRegistrationAdmin(admin.ModelAdmin):
    list_display = ("registered_at", "organisation_name", "contact_name", "email", "title", "round")
    list_filter = ("call", "round", "needs_account")
    search_fields = ("organisation_name", "contact_name", "email", "title")
    ordering = ("-registered_at", "-pk")
    date_hierarchy = "registered_at"

    def _office(self, request) -> bool:
        return access.role_of(request.user) == Role.OFFICE

    def has_module_permission(self, request):
        return self._office(request)

    def has_view_permission(self, request, obj=None):
        return self._office(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
