"""The credits stage's records (issue 10): one module per part. A JCM project points at its
monitoring plan (hence its grant and adopted proposal version); nothing is copied from them."""

from renkei.credits.models.cycle import (
    AgreementState,
    AllocationAgreement,
    AllocationShare,
    JcmProject,
    ProjectState,
)
from renkei.credits.models.issuance import (
    ACTIVE_REQUEST_STATES,
    Issuance,
    IssuanceReminderSent,
    IssuanceRequest,
    IssuanceRequestPeriod,
    RequestState,
)
from renkei.credits.models.registry import (
    FINAL_KINDS,
    JAPAN,
    Account,
    AccountKind,
    Block,
    Movement,
    MovementKind,
)

__all__ = [
    "ACTIVE_REQUEST_STATES",
    "FINAL_KINDS",
    "JAPAN",
    "Account",
    "AccountKind",
    "AgreementState",
    "AllocationAgreement",
    "AllocationShare",
    "Block",
    "Issuance",
    "IssuanceReminderSent",
    "IssuanceRequest",
    "IssuanceRequestPeriod",
    "JcmProject",
    "Movement",
    "MovementKind",
    "ProjectState",
    "RequestState",
]
