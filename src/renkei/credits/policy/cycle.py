"""Permission rules of the credits stage's cycle part (JCM 2.(1)①, 2.(5)②(イ)(オ), spec §2.2):

- the office or the filer (the representative participant's applicants, 2.(4)② 注2, spec A-35)
  opens the JCM project of a monitoring plan (``obj`` is the plan);
- the filer writes the PDD with its local stakeholder consultation, uploads its documents,
  requests validation, answers the TPE's findings and requests registration;
- the office assigns the validating TPE; the TPE's verifiers (role ``verifier``, their
  organisation the assigned TPE) raise and close findings and issue the validation report;
- the Joint Committee contact of the project's country registers it or refuses;
- the credit allocation agreement (form 5) is recorded by the filer or the office; everyone who
  sees the project sees it except the TPE (it validates the PDD, not the commercial split).

``obj`` is the project, or one of its records (a finding, a PDD version, a document)."""

from __future__ import annotations

from typing import Any

from renkei.accounts.models import Role
from renkei.accounts.policy import Rule, role_of
from renkei.credits.models.cycle import (
    CycleDocument,
    JcmProject,
    PddVersion,
    RegistrationRequest,
    ValidationFinding,
)
from renkei.credits.policy.base import is_filer, is_jc_of, is_office, projects_for
from renkei.grants.policy import is_representative
from renkei.monitoring.models import MonitoringPlan


def project_of(obj: Any) -> JcmProject | None:
    if isinstance(obj, JcmProject):
        return obj
    if isinstance(obj, ValidationFinding | PddVersion | RegistrationRequest):
        return obj.project
    if isinstance(obj, CycleDocument):
        return obj.pdd.project
    return None


def _sees(user: Any, obj: Any) -> bool:
    project = project_of(obj)
    return project is not None and projects_for(user).filter(pk=project.pk).exists()


def _open(user: Any, obj: Any) -> bool:
    return isinstance(obj, MonitoringPlan) and (
        is_office(user) or is_representative(user, obj.grant)
    )


def _office(user: Any, obj: Any) -> bool:
    return project_of(obj) is not None and is_office(user)


def _filer(user: Any, obj: Any) -> bool:
    project = project_of(obj)
    return project is not None and is_filer(user, project)


def is_validator_of(user: Any, project: JcmProject) -> bool:
    """A verifier of the TPE the office assigned to validate the project."""
    assignment = getattr(project, "validation_assignment", None)
    return (
        role_of(user) == Role.VERIFIER
        and user.organisation_id is not None
        and assignment is not None
        and assignment.tpe_id == user.organisation_id
    )


def _validator(user: Any, obj: Any) -> bool:
    project = project_of(obj)
    return project is not None and is_validator_of(user, project)


def _jc(user: Any, obj: Any) -> bool:
    project = project_of(obj)
    return project is not None and is_jc_of(user, project)


def _agreement_reader(user: Any, obj: Any) -> bool:
    return role_of(user) != Role.VERIFIER and _sees(user, obj)


def _agreement_writer(user: Any, obj: Any) -> bool:
    return _office(user, obj) or _filer(user, obj)


RULES: dict[str, Rule] = {
    "view_jcm_project": _sees,
    "open_jcm_project": _open,
    "save_pdd": _filer,
    "add_pdd_document": _filer,
    "request_validation": _filer,
    "assign_validation_tpe": _office,
    "raise_validation_finding": _validator,
    "answer_validation_finding": _filer,
    "close_validation_finding": _validator,
    "issue_validation": _validator,
    "request_registration": _filer,
    "decide_registration": _jc,
    "view_allocation_agreement": _agreement_reader,
    "record_allocation_agreement": _agreement_writer,
}
