from axes.admin import AccessAttemptAdmin  # importing it registers axes' own admin first
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from renkei import access
from renkei.accounts.models import AccountRequest, MembershipConsent, Organisation, Role, User
from renkei.accounts.services import account_issue
from renkei.services import ServiceError


@admin.register(User)
class RenkeiUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Renkei", {"fields": ("role", "organisation", "country")}))
    list_display = ("username", "email", "role", "organisation", "country")
    list_filter = ("role",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "country", "kind", "sample")


@admin.action(description="Issue accounts (email a login link)")
def issue(modeladmin, request, queryset):
    base_url = request.build_absolute_uri("/").rstrip("/")
    for req in queryset:
        try:
            user = account_issue(actor=request.user, request=req, base_url=base_url)
        except ServiceError as exc:
            messages.error(request, f"{req.email}: {exc}")
        else:
            messages.success(request, f"{user.email}: account issued, login link sent")


@admin.register(AccountRequest)
class AccountRequestAdmin(admin.ModelAdmin):
    list_display = ("organisation_name", "contact_name", "email", "status", "requested_at")
    list_filter = ("status",)
    actions = [issue]
    readonly_fields = ("status", "user")

    # The program office works here by role (renkei.access), not by Django model permissions.
    def has_module_permission(self, request):
        return access.can(request.user, "issue_account")

    def has_view_permission(self, request, obj=None):
        return access.can(request.user, "issue_account")

    def has_change_permission(self, request, obj=None):
        return access.can(request.user, "issue_account")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Log-in lock-outs (django-axes): the program office sees the failed attempts and unlocks a
# login or an address by deleting its attempts (the 'delete' action); nobody edits them.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class OfficeAccessAttemptAdmin(AccessAttemptAdmin):
    def _office(self, request) -> bool:
        return access.role_of(request.user) == Role.OFFICE

    def has_module_permission(self, request):
        return self._office(request)

    def has_view_permission(self, request, obj=None):
        return self._office(request)

    def has_delete_permission(self, request, obj=None):
        return self._office(request)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MembershipConsent)
class MembershipConsentAdmin(admin.ModelAdmin):
    list_display = ("request", "organisation", "decision", "asked_at", "decided_by", "decided_at")
    list_filter = ("decision",)
    readonly_fields = [f.name for f in MembershipConsent._meta.fields]

    def has_module_permission(self, request):
        return access.can(request.user, "issue_account")

    def has_view_permission(self, request, obj=None):
        return access.can(request.user, "issue_account")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
