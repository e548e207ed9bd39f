"""The JCM Model Project call: rulebook model, adoption table, calculations and assessment."""

from renkei.rules.jcm.adoption import (
    Adoption,
    AdoptionTable,
    Count,
    Technology,
    read_adoptions_csv,
    reconstructed_table,
)
from renkei.rules.jcm.assess import assess_jcm
from renkei.rules.jcm.grant import (
    CATEGORY_IDS,
    ChangeApproval,
    Disposal,
    FixedAmount,
    Ground,
    MinorChange,
    budget_from_proposal,
    cancellation_grounds,
    category_of,
    change_approval,
    check_decision,
    disposal,
    fixed_amount,
    flat,
    minor_change,
)
from renkei.rules.jcm.proposal import JcmProposal
from renkei.rules.jcm.rulebook import JcmRulebook
from renkei.rules.jcm.schedule import EVENTS, Deadline, deadline, monitoring_plan
from renkei.rules.jcm.subsidy import admin_cost_cap, cost_effectiveness, max_subsidy, rate_cap

__all__ = [
    "CATEGORY_IDS",
    "EVENTS",
    "Adoption",
    "AdoptionTable",
    "ChangeApproval",
    "Count",
    "Deadline",
    "Disposal",
    "FixedAmount",
    "Ground",
    "JcmProposal",
    "JcmRulebook",
    "MinorChange",
    "Technology",
    "admin_cost_cap",
    "assess_jcm",
    "budget_from_proposal",
    "cancellation_grounds",
    "category_of",
    "change_approval",
    "check_decision",
    "cost_effectiveness",
    "deadline",
    "disposal",
    "fixed_amount",
    "flat",
    "max_subsidy",
    "minor_change",
    "monitoring_plan",
    "rate_cap",
    "read_adoptions_csv",
    "reconstructed_table",
]
