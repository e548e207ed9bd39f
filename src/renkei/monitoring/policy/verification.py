"""Permission rules of the monitoring stage's verification part (JCM 2.(1)③): the office assigns a
submitted period to a TPE; the TPE's verifiers (role ``verifier``, their organisation the
assigned TPE) start the verification, raise and close findings, return the period and issue the
verification; the representative participant's applicants answer the findings (2.(4)② 注2,
spec A-35); the consortium and the office see it all. ``obj`` is the period, or a finding."""

from __future__ import annotations

from typing import Any

from renkei.accounts.policy import Rule
from renkei.monitoring.models import Finding, MonitoringPeriod
from renkei.monitoring.policy.base import is_filer, is_office, is_verifier_of, periods_for


def _period(obj: Any) -> MonitoringPeriod | None:
    if isinstance(obj, Finding):
        return obj.period
    return obj if isinstance(obj, MonitoringPeriod) else None


def _sees(user: Any, obj: Any) -> bool:
    period = _period(obj)
    return period is not None and periods_for(user).filter(pk=period.pk).exists()


def _office(user: Any, obj: Any) -> bool:
    return _period(obj) is not None and is_office(user)


def _verifier(user: Any, obj: Any) -> bool:
    period = _period(obj)
    return period is not None and is_verifier_of(user, period)


def _filer(user: Any, obj: Any) -> bool:
    period = _period(obj)
    return period is not None and is_filer(user, period.plan)


RULES: dict[str, Rule] = {
    "view_verification": _sees,
    "assign_tpe": _office,
    "start_verification": _verifier,
    "raise_finding": _verifier,
    "return_period": _verifier,
    "close_finding": _verifier,
    "issue_verification": _verifier,
    "answer_finding": _filer,
}
