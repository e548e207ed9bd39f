"""What the rules core assessed on a submitted version, stored with the version.

``proposal_submit`` assesses the document once, before locking it; ``snapshot`` keeps what the
later steps need of that assessment on the ``ProposalVersion``: the overall status, the figures
(the subsidy or the C3P contract amount, the computed score items) and the findings the office
screens (in both languages, so a page in either reads them without assessing again). Basic
screening, the intake list, the ranking and the selection board read it from there; a version
stored before this field existed is assessed once, lazily, and its snapshot saved
(``version_assessment``).

A snapshot records the rulebook id and version it was made with, like the version itself.
"""

from __future__ import annotations

from typing import Any

from renkei.rules import assess_proposal, validate_proposal
from renkei.rules._result import jsonable

#: sections whose findings are not stored: reviewer items awaiting scores are the reviewers'
SKIPPED_SECTIONS = ("scoring",)


def snapshot(result: Any) -> dict[str, Any]:
    """The stored form of an ``Assessment`` (JSON: Decimals as strings)."""
    findings = [
        {
            "section": section.id,
            "check": f.check,
            "clause": f.clause,
            "subject": f.subject,
            "status": str(f.status),
            "ja": f.message("ja"),
            "en": f.message("en"),
        }
        for section in result.sections
        if section.id not in SKIPPED_SECTIONS
        for f in section.findings
        if str(f.status) != "info" or section.id == "eligibility"
    ]
    return {
        "rulebook_id": result.rulebook_id,
        "rulebook_version": result.rulebook_version,
        "status": str(result.status),
        "figures": jsonable(dict(result.figures)),
        "findings": findings,
    }


def assess_document(document: dict[str, Any]) -> dict[str, Any]:
    return snapshot(assess_proposal(validate_proposal(document)))


def version_assessment(version: Any) -> dict[str, Any]:
    """The version's stored assessment; one stored before snapshots existed is made now and
    saved (the document of a version never changes, so neither does its assessment)."""
    if version.assessment:
        return version.assessment
    version.assessment = assess_document(version.document)
    type(version).objects.filter(pk=version.pk).update(assessment=version.assessment)
    return version.assessment


def failures(assessment: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings the rules core fails (what the office must not pass silently)."""
    return [f for f in assessment.get("findings", ()) if f["status"] == "fail"]


def latest_versions(proposals: Any) -> dict[int, Any]:
    """The latest submitted version of each proposal, in one query."""
    from renkei.proposals.models import ProposalVersion

    out: dict[int, Any] = {}
    for v in ProposalVersion.objects.filter(proposal__in=[p.pk for p in proposals]).order_by(
        "proposal_id", "number"
    ):
        out[v.proposal_id] = v
    return out
