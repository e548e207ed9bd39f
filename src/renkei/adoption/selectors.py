"""What the selection pages and the selection API read, computed once for both: a proposal's
total score as the ranking counts it, and the 内示 notice (3.(4)) a viewer may download.

Reads only; the writes are ``renkei.adoption.services``. No router imports a page's helpers
(tests/architecture): what both need lives here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from renkei import access
from renkei.accounts.models import Role
from renkei.adoption.models import Selection, SelectionState
from renkei.calls.models import Program
from renkei.proposals.assessed import latest_versions
from renkei.proposals.models import Proposal
from renkei.reviews.reviewing import review_totals


def review_total(proposal: Proposal) -> Decimal | None:
    """The total score of ``proposal`` as the ranking and the selection board count it (the
    reviewer items' means of the reviews submitted on its latest version, plus the computed
    items), in a fixed number of queries; None until such a review is submitted."""
    return review_totals([proposal], latest_versions([proposal]))[proposal.pk]


def naiji_for(viewer: Any, proposal: Proposal) -> Selection | None:
    """The adopted selection whose 交付内示通知 (3.(4)) ``viewer`` may download: the office and
    the proposal's consortium (applicants who see the proposal), once the 内示 of a JCM proposal
    is issued; None for anyone else or before then."""
    role = access.role_of(viewer)
    if role not in (Role.OFFICE, Role.APPLICANT) or not access.can(viewer, "view", proposal):
        return None
    if proposal.call.program != Program.JCM:
        return None
    return Selection.objects.filter(
        proposal=proposal, state=SelectionState.ADOPTED, naiji_number__isnull=False
    ).first()
