"""The yearly activities of a C3P project (Table 3 (1)–(7)), checked against the plan.

Table 3 gives the tasks of one fiscal year: deliverables, monthly reports, about three report
sessions, approximately two field surveys, one local workshop held with a field survey, one
presentation in Japan, and collaboration with supporting organisations including a yearly
discussion with a JICA field office. Counts below the expected number need review (the text says
"about"/"approximately" or states an expectation); leaving out the deliverables or the monthly
reports fails.
"""

from __future__ import annotations

from renkei.rules._result import Finding, Status
from renkei.rules.c3p.proposal import ActivityPlan
from renkei.rules.c3p.rulebook import C3pRulebook


def check_activities(plan: ActivityPlan, book: C3pRulebook) -> tuple[Finding, ...]:
    out = []
    for act in book.activities.items:
        value = getattr(plan, act.id)
        check = f"c3p.activities.{act.id}"
        params = {
            "item": act.item,
            "name_ja": act.name_ja,
            "name_en": act.name_en,
            "expected": act.expected,
        }
        if value is None:
            status, code = Status.NEEDS_REVIEW, "c3p.activities.missing"
        elif act.kind == "flag":
            ok = bool(value)
            status = Status.PASS if ok else Status.FAIL
            code = "c3p.activities.flag.pass" if ok else "c3p.activities.flag.fail"
        elif act.kind == "list":
            names = [v for v in value if v.strip()]
            params = {**params, "planned": len(names), "organisations": names}
            ok = len(names) >= act.expected
            status = Status.PASS if ok else Status.NEEDS_REVIEW
            code = "c3p.activities.list.pass" if ok else "c3p.activities.list.below"
        else:
            params = {**params, "planned": value}
            if value >= act.expected:
                status, code = Status.PASS, "c3p.activities.count.pass"
            else:
                status = Status.NEEDS_REVIEW
                about = "about" if act.approximate else "exact"
                code = f"c3p.activities.count.below_{about}"
        out.append(Finding(check, act.clause, status, code, params, subject=act.id))
        if act.id == "local_workshops" and value and plan.field_surveys == 0:
            out.append(
                Finding(
                    "c3p.activities.local_workshops.with_field_survey",
                    act.clause,
                    Status.NEEDS_REVIEW,
                    "c3p.activities.workshop_without_survey",
                    {"workshops": value},
                    subject=act.id,
                )
            )
    return tuple(out)
