"""Permission rules of the credits stage's issuance part (JCM 2.(1)③, 2.(5)②(カ); spec §2.5):
the representative participant's applicants (the filer, spec A-35) draft an issuance request for
their registered project, pick its verified periods, submit it to the Joint Committee and may
withdraw it before the decision; the Joint Committee contact of the project's country decides
it (issues or refuses). Whoever sees the project sees its issuance schedule; a draft is the
consortium's and the office's only (the Joint Committee and the registry see a request once
submitted). ``obj`` is the project (schedule, a new request) or the request."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from renkei.accounts.models import Role
from renkei.accounts.policy import Rule, role_of
from renkei.credits.models import IssuanceRequest, JcmProject, RequestState
from renkei.credits.policy.base import is_filer, is_jc_of, projects_for


def _sees_project(user: Any, obj: Any) -> bool:
    return isinstance(obj, JcmProject) and projects_for(user).filter(pk=obj.pk).exists()


def requests_for(user: Any) -> QuerySet[IssuanceRequest]:
    """The requests of the projects ``user`` sees; a draft only to the consortium and the
    office (the Joint Committee and the registry see a request once submitted)."""
    qs = IssuanceRequest.objects.filter(project__in=projects_for(user))
    if role_of(user) not in (Role.OFFICE, Role.APPLICANT):
        qs = qs.exclude(state=RequestState.DRAFT)
    return qs


def sees_request(user: Any, obj: Any) -> bool:
    return isinstance(obj, IssuanceRequest) and requests_for(user).filter(pk=obj.pk).exists()


def _files_project(user: Any, obj: Any) -> bool:
    return _sees_project(user, obj) and is_filer(user, obj)


def _files_request(user: Any, obj: Any) -> bool:
    return sees_request(user, obj) and is_filer(user, obj.project)


def _decides(user: Any, obj: Any) -> bool:
    return sees_request(user, obj) and is_jc_of(user, obj.project)


RULES: dict[str, Rule] = {
    "view_issuance_schedule": _sees_project,
    "view_issuance_request": sees_request,
    "create_issuance_request": _files_project,
    "edit_issuance_request": _files_request,
    "submit_issuance_request": _files_request,
    "withdraw_issuance_request": _files_request,
    "decide_issuance_request": _decides,
}
