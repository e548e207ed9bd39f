"""The City-to-City Collaboration for Zero Carbon Society call (C3P) as rules.

``assess_c3p(proposal, rulebook)`` judges a whole proposal; ``score_item`` answers one banded
scoring question (cost-effectiveness, GHG reduction, engineer workload; Table 6).
"""

from renkei.rules.c3p.assess import assess_c3p
from renkei.rules.c3p.costs import (
    CostTotals,
    check_costs,
    consumption_tax,
    contract_cap,
    cost_totals,
)
from renkei.rules.c3p.proposal import C3pProposal, parse_c3p_proposal
from renkei.rules.c3p.rulebook import C3pRulebook
from renkei.rules.c3p.scoring import (
    BANDED_ITEMS,
    score_ems,
    score_item,
    score_past_collaboration,
    score_targets,
    score_wlb,
)

__all__ = [
    "BANDED_ITEMS",
    "C3pProposal",
    "C3pRulebook",
    "CostTotals",
    "assess_c3p",
    "check_costs",
    "consumption_tax",
    "contract_cap",
    "cost_totals",
    "parse_c3p_proposal",
    "score_ems",
    "score_item",
    "score_past_collaboration",
    "score_targets",
    "score_wlb",
]
