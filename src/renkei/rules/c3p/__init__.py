"""The City-to-City Collaboration for Zero Carbon Society call (C3P) as rules.

``assess_c3p(proposal, rulebook)`` judges a whole proposal; ``score_item`` answers one banded
scoring question (cost-effectiveness, GHG reduction, engineer workload; Table 6);
``exit_schemes`` reads the exit schemes of C3P Ref. Tables 7 and 8.
"""

from renkei.rules.c3p.assess import assess_c3p
from renkei.rules.c3p.costs import (
    CostTotals,
    check_costs,
    consumption_tax,
    contract_cap,
    cost_totals,
)
from renkei.rules.c3p.exits import ExitScheme, ExitSchemes, exit_schemes, may_move
from renkei.rules.c3p.project import (
    ExpenseLine,
    check_activity_date,
    check_change,
    check_contract,
    check_phase,
    check_settlement,
    next_year,
    rulebook_for_year,
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
    "ExitScheme",
    "ExitSchemes",
    "ExpenseLine",
    "assess_c3p",
    "check_activity_date",
    "check_change",
    "check_contract",
    "check_costs",
    "check_phase",
    "check_settlement",
    "consumption_tax",
    "contract_cap",
    "cost_totals",
    "exit_schemes",
    "may_move",
    "next_year",
    "parse_c3p_proposal",
    "rulebook_for_year",
    "score_ems",
    "score_item",
    "score_past_collaboration",
    "score_targets",
    "score_wlb",
]
