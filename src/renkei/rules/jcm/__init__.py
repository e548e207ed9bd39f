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
from renkei.rules.jcm.proposal import JcmProposal
from renkei.rules.jcm.rulebook import JcmRulebook
from renkei.rules.jcm.schedule import EVENTS, deadline, monitoring_plan
from renkei.rules.jcm.subsidy import admin_cost_cap, cost_effectiveness, max_subsidy, rate_cap

__all__ = [
    "EVENTS",
    "Adoption",
    "AdoptionTable",
    "Count",
    "JcmProposal",
    "JcmRulebook",
    "Technology",
    "admin_cost_cap",
    "assess_jcm",
    "cost_effectiveness",
    "deadline",
    "max_subsidy",
    "monitoring_plan",
    "rate_cap",
    "read_adoptions_csv",
    "reconstructed_table",
]
