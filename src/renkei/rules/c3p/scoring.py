"""The C3P scoring sheet (Table 6): 185 points for a new and for an ongoing project.

Computed items come from the proposal: cost-effectiveness and GHG-reduction bands (item 1), the
supervising engineer's existing workload (item 2), past collaboration between the two cities
(item 3, ongoing projects only), EMS certification (item 4), work-life-balance certification
(item 5) and reduction targets / Decokatsu (item 6). The committee's items are inputs, each
within its maximum for the project's column; a score over its maximum is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from renkei.errors import BadInput, FieldError, InvalidDocument, UnknownChoice
from renkei.rules._result import Finding, Note, Status
from renkei.rules.c3p.proposal import C3pProposal, Commitments, ReviewerScores
from renkei.rules.c3p.rulebook import Bands, C3pRulebook

BANDED_ITEMS = ("cost_effectiveness", "ghg_reduction", "engineer_workload")
ProjectType = Literal["new", "ongoing"]


def _as_decimal(item: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise BadInput(
            f"{item} needs a whole or decimal number (Decimal or int), not {type(value).__name__}"
        )
    return Decimal(value)


def score_item(rulebook: C3pRulebook, item: str, value: Decimal) -> Finding:
    """Points of a banded item of Table 6; ``finding.params["points"]`` is the int points.

    ``item`` is ``cost_effectiveness`` (JPY/tCO2), ``ghg_reduction`` (tCO2/year) or
    ``engineer_workload`` (the engineer's other projects, a whole number).
    """
    if item not in BANDED_ITEMS:
        raise UnknownChoice("scoring item", item, BANDED_ITEMS)
    number = _as_decimal(item, value)
    if not number.is_finite() or number < 0:
        raise BadInput(f"{item} must be zero or more (got {value})")
    bands: Bands = getattr(rulebook.scoring, item)
    notes: list[Note] = []
    if item == "engineer_workload":
        if number != number.to_integral_value():
            raise BadInput(
                f"engineer_workload is a number of projects, a whole number (got {value})"
            )
        number = Decimal(int(number))
    _, band = bands.band_for(number)
    if item == "cost_effectiveness":
        notes.append(Note("c3p.note.ce_table4", ("Table 4", "Table 6")))
    if item == "engineer_workload" and number == 1:
        notes.append(Note("c3p.note.engineer_one_project", (bands.clause,)))
    if bands.in_gap(number):
        notes.append(
            Note("c3p.note.band_gap", (bands.clause,), {"value": number, "unit": bands.unit})
        )
    shown: Decimal | int = int(number) if item == "engineer_workload" else number
    params = {
        "value": shown,
        "points": band.points,
        "max": rulebook.scoring.item(item).max_new,
    }
    return Finding(
        f"c3p.scoring.{item}",
        bands.clause,
        Status.INFO,
        f"c3p.scoring.{item}",
        params,
        tuple(notes),
    )


def score_past_collaboration(
    rulebook: C3pRulebook, project_type: ProjectType, count: int | None
) -> Finding:
    """Table 6 item 3: ongoing projects only; 2+ projects in three years 10, one 5, none 0."""
    bands = rulebook.scoring.past_collaboration
    check = "c3p.scoring.past_collaboration"
    base = {"years": bands.lookback_years}
    if project_type == "new":
        return Finding(
            check,
            bands.clause,
            Status.INFO,
            f"{check}.not_applicable",
            {**base, "points": 0, "max": 0},
        )
    item_max = rulebook.scoring.item("past_collaboration").max_ongoing
    if count is None:
        return Finding(
            check,
            bands.clause,
            Status.NEEDS_REVIEW,
            f"{check}.missing",
            {**base, "points": 0, "max": item_max},
        )
    if count < 0:
        raise BadInput(f"the number of past projects must be zero or more (got {count})")
    _, band = bands.band_for(Decimal(count))
    return Finding(
        check,
        bands.clause,
        Status.INFO,
        check,
        {**base, "count": count, "points": band.points, "max": item_max},
    )


def score_ems(rulebook: C3pRulebook, c: Commitments) -> Finding:
    """Table 6 item 4: one third-party certification 5 points (max 5); past + own EMS reviewed."""
    rule = rulebook.scoring.ems
    item_max = rulebook.scoring.item("ems").max_new or 0
    check = "c3p.scoring.ems"
    current = [name for name in c.ems_certifications if name.strip()]
    past = (c.ems_past_certification or "").strip()
    own = (c.ems_own_system or "").strip()
    if current:
        points = min(item_max, rule.points_per_certification * len(current))
        return Finding(
            check,
            rule.clause,
            Status.INFO,
            f"{check}.current",
            {"certifications": current, "points": points, "max": item_max},
        )
    if past and own:
        points = min(item_max, rule.points_per_certification)
        return Finding(
            check,
            rule.clause,
            Status.NEEDS_REVIEW,
            f"{check}.past_and_own",
            {"past": past, "own": own, "points": points, "max": item_max},
        )
    if past:
        return Finding(
            check,
            rule.clause,
            Status.INFO,
            f"{check}.past_only",
            {"past": past, "points": 0, "max": item_max},
        )
    return Finding(check, rule.clause, Status.INFO, f"{check}.none", {"points": 0, "max": item_max})


def score_wlb(
    rulebook: C3pRulebook,
    certifications: tuple[str, ...] | list[str],
    full_time_employees: int | None,
) -> Finding:
    """Table 6 item 5: the highest-scoring certification counts (max 5)."""
    rule = rulebook.scoring.wlb
    item_max = rulebook.scoring.item("wlb").max_new or 0
    check = "c3p.scoring.wlb"
    known = {cert.id for cert in rule.certifications}
    notes: list[Note] = []
    counted = []
    unconfirmed = set()
    for cid in dict.fromkeys(certifications):
        if cid not in known:
            raise UnknownChoice("work-life-balance certification", cid, known)
        cert = rule.get(cid)
        limit = cert.max_full_time_employees
        if limit is not None:
            if full_time_employees is None:
                unconfirmed.add(cid)
            elif full_time_employees > limit:
                notes.append(
                    Note(
                        "c3p.note.wlb_plan_over_limit",
                        (cert.clause,),
                        {"employees": full_time_employees, "limit": limit},
                    )
                )
                continue
        counted.append(cert)
    if not counted:
        return Finding(
            check,
            rule.clause,
            Status.INFO,
            f"{check}.none",
            {"points": 0, "max": item_max},
            tuple(notes),
        )
    best = max(counted, key=lambda cert: cert.points)
    status = Status.INFO
    if best.id in unconfirmed:
        status = Status.NEEDS_REVIEW
        notes.append(
            Note(
                "c3p.note.wlb_plan_employees_unknown",
                (best.clause,),
                {"limit": best.max_full_time_employees},
            )
        )
    params = {
        "certification_ja": best.name_ja,
        "certification_en": best.name_en,
        "n": len(counted),
        "points": min(item_max, best.points),
        "max": item_max,
    }
    return Finding(check, best.clause, status, f"{check}.points", params, tuple(notes))


def score_targets(rulebook: C3pRulebook, c: Commitments) -> Finding:
    """Table 6 item 6: a reduction target 5, Decokatsu Supporters Club 5, Declaration 5 (max 15)."""
    rule = rulebook.scoring.targets
    item_max = rulebook.scoring.item("targets").max_new or 0
    target_points = rule.reduction_target.value if c.ghg_targets else 0
    club = rule.decokatsu_supporters_club.value if c.decokatsu_supporters_club else 0
    declaration = rule.decokatsu_declaration.value if c.decokatsu_declaration else 0
    undisclosed = [t.description for t in c.ghg_targets if not (t.disclosure_url or "").strip()]
    notes: list[Note] = []
    if len(c.ghg_targets) > 1:
        notes.append(
            Note(
                "c3p.note.one_target_counts",
                (rule.reduction_target.clause,),
                {"n": len(c.ghg_targets), "points": rule.reduction_target.value},
            )
        )
    params = {
        "targets": len(c.ghg_targets),
        "target_points": target_points,
        "club_points": club,
        "declaration_points": declaration,
        "points": min(item_max, target_points + club + declaration),
        "max": item_max,
        "undisclosed": undisclosed,
    }
    # A target counts with any URL; without one the office must see the attached document.
    if undisclosed:
        status, code = Status.NEEDS_REVIEW, "c3p.scoring.targets.undisclosed"
    else:
        status, code = Status.INFO, "c3p.scoring.targets"
    return Finding("c3p.scoring.targets", rule.clause, status, code, params, tuple(notes))


def reviewer_item_ids(rulebook: C3pRulebook) -> tuple[str, ...]:
    return tuple(i.id for i in rulebook.scoring.items if i.source == "reviewer")


def validate_reviewer_scores(
    rulebook: C3pRulebook, project_type: ProjectType, scores: ReviewerScores | None
) -> None:
    """Refuse a committee score over its maximum, or one for an item that does not apply."""
    if scores is None:
        return
    errors = []
    for item_id in reviewer_item_ids(rulebook):
        value = getattr(scores, item_id)
        if value is None:
            continue
        item = rulebook.scoring.item(item_id)
        maximum = item.max_for(project_type)
        path = f"reviewer_scores.{item_id}"
        if maximum is None:
            errors.append(
                FieldError(
                    path,
                    f"'{item.name_en}' is not scored for {project_type} projects "
                    f"({item.clause}: '-' in that column); remove it",
                )
            )
        elif value > maximum:
            errors.append(
                FieldError(
                    path,
                    f"{value} points is more than the maximum of {maximum} for "
                    f"'{item.name_en}' in a {project_type} project ({item.clause}); "
                    f"give 0 to {maximum}",
                )
            )
    if errors:
        raise InvalidDocument("reviewer scores", errors)


def _reviewer_findings(
    rulebook: C3pRulebook, project_type: ProjectType, scores: ReviewerScores | None
) -> list[Finding]:
    out = []
    for item_id in reviewer_item_ids(rulebook):
        item = rulebook.scoring.item(item_id)
        maximum = item.max_for(project_type)
        value = None if scores is None else getattr(scores, item_id)
        params: dict[str, Any] = {"item_ja": item.name_ja, "item_en": item.name_en}
        if maximum is None:
            code, params = "c3p.scoring.reviewer.not_applicable", {**params, "points": 0, "max": 0}
        elif value is None:
            code, params = "c3p.scoring.reviewer.pending", {**params, "max": maximum}
        else:
            code, params = (
                "c3p.scoring.reviewer.scored",
                {**params, "points": value, "max": maximum},
            )
        out.append(
            Finding(
                f"c3p.scoring.reviewer.{item_id}",
                item.clause,
                Status.INFO,
                code,
                params,
                subject=item_id,
            )
        )
    return out


@dataclass(frozen=True)
class ScoreSummary:
    computed: int
    reviewer: int
    maximum: int
    pending: tuple[str, ...]

    @property
    def total(self) -> int:
        return self.computed + self.reviewer


def score_proposal(
    p: C3pProposal, rulebook: C3pRulebook
) -> tuple[tuple[Finding, ...], ScoreSummary]:
    project_type: ProjectType = p.project.type
    validate_reviewer_scores(rulebook, project_type, p.reviewer_scores)
    computed = [
        score_item(rulebook, "cost_effectiveness", p.estimates.cost_effectiveness_jpy_per_tco2),
        score_item(rulebook, "ghg_reduction", p.estimates.ghg_reduction_tco2_per_year),
        score_item(rulebook, "engineer_workload", Decimal(p.supervising_engineer.other_projects)),
        score_past_collaboration(rulebook, project_type, p.project.past_c3p_projects_last_3_years),
        score_ems(rulebook, p.commitments),
        score_wlb(rulebook, p.commitments.wlb_certifications, p.applicant.full_time_employees),
        score_targets(rulebook, p.commitments),
    ]
    reviewer = _reviewer_findings(rulebook, project_type, p.reviewer_scores)
    pending = tuple(f.subject for f in reviewer if f.code == "c3p.scoring.reviewer.pending")
    summary = ScoreSummary(
        computed=sum(int(f.params["points"]) for f in computed),
        reviewer=sum(int(f.params.get("points", 0)) for f in reviewer),
        maximum=rulebook.scoring.total_for(project_type),
        pending=pending,
    )
    total = Finding(
        "c3p.scoring.total",
        rulebook.scoring.clause,
        Status.INFO,
        "c3p.scoring.total.pending" if pending else "c3p.scoring.total",
        {
            "computed": summary.computed,
            "reviewer": summary.reviewer,
            "total": summary.total,
            "max": summary.maximum,
            "pending": len(pending),
        },
    )
    return (*computed, *reviewer, total), summary
