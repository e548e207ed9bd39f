"""Documents required with a C3P application (3.4 (1)–(11)).

(7), (8) and (9) are the evidence for points claimed under Table 6 items 3, 4 and 5: they are
required when those points are claimed (a missing one needs review, since the points cannot be
given without it) and otherwise not applicable. All other documents are required from everyone.
(11) is written "fiscal 2022, 2024 and 2024" in the seed; it is read as 2022–2024 (3.2 (6)).
Two agreements the guidebook names outside 3.4 (the city-to-city collaboration agreement of
3.2 (7) / BOX 8, the joint-implementation agreement of BOX 6) are optional attachments.
"""

from __future__ import annotations

from renkei.rules._result import Finding, Status
from renkei.rules.c3p.eligibility import qualification_years_note
from renkei.rules.c3p.proposal import C3pProposal
from renkei.rules.c3p.rulebook import C3pRulebook


def check_documents(
    p: C3pProposal, book: C3pRulebook, claimed: frozenset[str]
) -> tuple[Finding, ...]:
    """``claimed``: scoring items whose points depend on evidence (past_collaboration, ems, wlb)."""
    submitted = set(p.documents_submitted)
    out = []
    for doc in book.documents.items:
        clause = doc.clause or f"{book.documents.clause} {doc.item}"
        params = {"item": doc.item, "name_ja": doc.name_ja, "name_en": doc.name_en}
        notes = (qualification_years_note(),) if doc.id == "qualification_certificate" else ()
        if doc.id in submitted:
            status, code = Status.PASS, "c3p.documents.submitted"
        elif doc.required == "optional":
            status, code = Status.INFO, "c3p.documents.optional"
        elif doc.required == "always":
            status, code = Status.FAIL, "c3p.documents.missing"
        elif doc.required in claimed:
            status, code = Status.NEEDS_REVIEW, "c3p.documents.missing_evidence"
            item = book.scoring.item(doc.required)
            params = {**params, "score_item": item.clause}
        else:
            status, code = Status.INFO, "c3p.documents.not_required"
        out.append(Finding(f"c3p.documents.{doc.id}", clause, status, code, params, notes, doc.id))
    return tuple(out)
