"""The monitoring stage's records (issue 9): one module per part. A plan points at its grant
(which points at the adopted selection and proposal version); nothing is copied from them."""

from renkei.monitoring.models.intake import DataUpload, Reading
from renkei.monitoring.models.period import MonitoringPeriod, PeriodState
from renkei.monitoring.models.plan import (
    EmissionFactor,
    FixedValue,
    Meter,
    MonitoringPlan,
    MonitoringPoint,
    Site,
)
from renkei.monitoring.models.verification import (
    Finding,
    Verification,
    VerificationAssignment,
)

__all__ = [
    "DataUpload",
    "EmissionFactor",
    "Finding",
    "FixedValue",
    "Meter",
    "MonitoringPeriod",
    "MonitoringPlan",
    "MonitoringPoint",
    "PeriodState",
    "Reading",
    "Site",
    "Verification",
    "VerificationAssignment",
]
