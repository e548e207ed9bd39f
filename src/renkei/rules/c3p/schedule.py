"""Project period of a C3P project: annual contracts, three-year phases, at most two phases (2.1).

The rulebook covers FY2025 contracts only; a proposal for another fiscal year (or submitted
outside the period in force) is refused with NotInForce rather than judged by the wrong call.
"""

from __future__ import annotations

import datetime as dt

from renkei.errors import NotInForce
from renkei.rules._result import Finding, Note, Status
from renkei.rules.c3p.proposal import C3pProposal
from renkei.rules.c3p.rulebook import C3pRulebook


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """Japan's fiscal year N runs 1 April N – 31 March N+1."""
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)


def require_in_force(p: C3pProposal, book: C3pRulebook) -> None:
    """Refuse a contract year or submission date the rulebook does not cover."""
    start, end = fiscal_year_bounds(p.fiscal_year)
    period = book.period
    if not (period.covers(start) and period.covers(end)):
        raise NotInForce(
            book.id,
            "a contract for",
            f"FY{p.fiscal_year} ({start.isoformat()} – {end.isoformat()})",
            period.start,
            period.end,
        )
    if p.submitted_on is not None:
        period.require(book.id, "a proposal submitted on", p.submitted_on)


def check_schedule(p: C3pProposal, book: C3pRulebook) -> tuple[Finding, ...]:
    ph = book.phases
    proj = p.project
    start, end = fiscal_year_bounds(p.fiscal_year)
    weeks = book.application.period_weeks
    out = [
        # The guidebook gives no deadline (3.4: "about three weeks"): say so, never assume one.
        Finding(
            "c3p.schedule.deadline",
            weeks.clause,
            Status.INFO,
            "c3p.schedule.deadline",
            {"weeks": weeks.value},
            (Note("c3p.note.deadline_not_in_guidebook", (weeks.clause, "3.3 (1)")),),
        ),
        Finding(
            "c3p.schedule.contract_year",
            book.fiscal_year.clause,
            Status.INFO,
            "c3p.schedule.contract_year",
            {
                "fiscal_year": p.fiscal_year,
                "reiwa": p.fiscal_year - 2018,
                "start": start,
                "end": end,
            },
        ),
    ]
    max_phases = ph.max_phases.value
    ok = proj.phase <= max_phases
    out.append(
        Finding(
            "c3p.schedule.phase",
            ph.max_phases.clause,
            Status.PASS if ok else Status.FAIL,
            "c3p.schedule.phase.pass" if ok else "c3p.schedule.phase.fail",
            {"phase": proj.phase, "max": max_phases},
        )
    )
    years = ph.years_per_phase.value
    ok = proj.year_in_phase <= years
    out.append(
        Finding(
            "c3p.schedule.year_in_phase",
            ph.years_per_phase.clause,
            Status.PASS if ok else Status.FAIL,
            "c3p.schedule.year_in_phase.pass" if ok else "c3p.schedule.year_in_phase.fail",
            {"phase": proj.phase, "year": proj.year_in_phase, "years": years},
        )
    )
    first_year = proj.phase == 1 and proj.year_in_phase == 1
    params = {"type": proj.type, "phase": proj.phase, "year": proj.year_in_phase}
    if proj.type == "new" and not first_year:
        status, code = Status.NEEDS_REVIEW, "c3p.schedule.type.new_not_first"
    elif proj.type == "ongoing" and first_year:
        status, code = Status.NEEDS_REVIEW, "c3p.schedule.type.ongoing_first"
    else:
        status, code = Status.PASS, f"c3p.schedule.type.{proj.type}"
    out.append(Finding("c3p.schedule.project_type", "2.1; Table 6", status, code, params))
    if proj.type == "ongoing" and proj.phase == 2 and proj.year_in_phase == 1:
        statement = (proj.higher_novelty_statement or "").strip()
        code = "c3p.schedule.novelty.given" if statement else "c3p.schedule.novelty.missing"
        out.append(
            Finding(
                "c3p.schedule.phase2_novelty",
                ph.phase2_novelty.clause,
                Status.NEEDS_REVIEW,
                code,
                {"statement": statement},
            )
        )
    return tuple(out)
