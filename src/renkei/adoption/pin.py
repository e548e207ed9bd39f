"""様式3-16 PIN (Project Idea Note for the JCM Project), in English, from the proposal version.

The call names what the PIN carries ("プロジェクト情報やクレジット配分案等を、英文で", 5.(3)①(エ))
but prints no layout, so the items below are Renkei's reading of it: the project, its host
country, participants, sites and technologies, the expected reductions, the schedule, the costs
and the proposed credit allocation. The JCM secretariat checks that "the necessary information is
covered" (3.(3)); ``missing`` lists what is absent or not in English, so nobody has to guess.
"""

from __future__ import annotations

import hashlib
import io
import json
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from renkei.errors import UnknownChoice
from renkei.rules import assess_proposal, validate_proposal
from renkei.rules.countries import country_name_en
from renkei.rules.jcm.adoption import reconstructed_table

FORM = "Form 3-16 (様式3-16) Project Idea Note for the JCM Project"


def _english(text: str) -> bool:
    return all(ord(ch) < 0x2E80 for ch in text)  # no CJK characters


def _technology_en(key: str) -> str:
    try:
        return reconstructed_table().technology(key).name_en
    except UnknownChoice:  # an unknown technology is reported by the assessment, not here
        return key


def pin_content(document: dict[str, Any], *, receipt: str, attachments: list[dict[str, str]]):
    """The PIN as a JSON-serialisable dict (strings and numbers only, Decimals as strings)."""
    proposal = validate_proposal(document)
    result = assess_proposal(proposal)
    figures = result.figures
    idea = proposal.project_idea
    rep = proposal.consortium.representative
    participants = [
        {
            "name": rep.name_en or rep.name,
            "country": rep.country,
            "role": "Representative participant",
        }
    ]
    participants += [
        {"name": p.name_en or p.name, "country": p.country, "role": p.role or "Partner participant"}
        for p in proposal.consortium.partners
    ]
    sites = [
        {
            "name": s.name or s.id,
            "location": s.location,
            "technologies": [
                {
                    "technology": _technology_en(t.technology),
                    "description": t.description,
                    "annual_reduction_tco2": str(t.annual_reduction_tco2),
                    "methodologies": list(t.methodologies),
                }
                for t in s.technologies
            ],
        }
        for s in proposal.sites
    ]
    total_cost = sum(c.amount_jpy for _, t in proposal.technology_lines() for c in t.costs)
    m = proposal.milestones
    content: dict[str, Any] = {
        "form": FORM,
        "receipt_number": receipt,
        "title": idea.title_en,
        "host_country": f"{country_name_en(proposal.country)} ({proposal.country})",
        "summary": idea.summary_en,
        "participants": participants,
        "sites": sites,
        "expected_reductions": {
            "annual_tco2": str(figures.get("annual_reduction_tco2", "")),
            "lifetime_tco2": str(figures.get("lifetime_reduction_tco2", "")),
        },
        "methodologies": sorted(
            set(proposal.methodology.approved)
            | {x for _, t in proposal.technology_lines() for x in t.methodologies}
        ),
        "schedule": {
            "planned_completion": m.planned_completion_on.isoformat()
            if m.planned_completion_on
            else "",
            "operation_start": m.operation_start_on.isoformat() if m.operation_start_on else "",
        },
        "total_project_cost_jpy": total_cost,
        "subsidy_jpy": int(figures.get("subsidy_jpy") or 0),
        "credit_allocation": [
            {"party": c.party, "share_percent": str(c.share_percent)}
            for c in idea.credit_allocation
        ],
        "applicant_pin_files": attachments,
    }
    content["missing"] = pin_missing(content)
    return content


def pin_gaps(content: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """What the secretariat would find missing: (untranslated message, values) pairs, named by
    what the applicant sees in the editor, never by a document path."""
    gaps: list[tuple[str, dict[str, str]]] = []
    if not content["title"]:
        gaps.append((gettext_noop("Project title in English"), {}))
    elif not _english(content["title"]):
        gaps.append((gettext_noop("The project title is not in English"), {}))
    if not content["summary"]:
        gaps.append((gettext_noop("Project outline in English"), {}))
    elif not _english(content["summary"]):
        gaps.append((gettext_noop("The project outline is not in English"), {}))
    if not content["credit_allocation"]:
        gaps.append((gettext_noop("Proposed allocation of JCM credits"), {}))
    for p in content["participants"]:
        if not _english(p["name"]):
            gaps.append(
                (gettext_noop("Participant name not in English: %(name)s"), {"name": p["name"]})
            )
    for s in content["sites"]:
        if not s["location"]:
            gaps.append((gettext_noop("Location of site %(site)s"), {"site": s["name"]}))
        for t in s["technologies"]:
            if not _english(t["description"]):
                gaps.append(
                    (
                        gettext_noop("Technology description not in English at site %(site)s"),
                        {"site": s["name"]},
                    )
                )
    if not content["schedule"]["operation_start"]:
        gaps.append((gettext_noop("Planned start of operation (milestones)"), {}))
    if not content["applicant_pin_files"]:
        gaps.append((gettext_noop("The applicant's form 3-16 file is not attached"), {}))
    return gaps


def pin_missing(content: dict[str, Any], lang: str = "en") -> list[str]:
    """The gaps as sentences in ``lang`` (the PIN itself keeps them in English, its language)."""
    with translation.override(lang):
        return [
            gettext(text) % values if values else gettext(text)
            for text, values in pin_gaps(content)
        ]


def pin_digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _yen(n: int) -> str:
    return f"JPY {n:,}"


def pin_docx(content: dict[str, Any]) -> bytes:
    """The PIN as a Word document (the JCM forms are distributed as Word files)."""
    from docx import Document

    doc = Document()
    doc.add_heading("Project Idea Note for the JCM Project (PIN)", level=0)
    doc.add_paragraph(f"{content['form']} · Receipt number {content['receipt_number']}")

    def table(rows: list[tuple[str, str]]) -> None:
        t = doc.add_table(rows=0, cols=2)
        t.style = "Table Grid"
        for label, value in rows:
            cells = t.add_row().cells
            cells[0].text, cells[1].text = label, value

    doc.add_heading("A. Project", level=1)
    red = content["expected_reductions"]
    table(
        [
            ("Title", content["title"] or "(not given)"),
            ("Host country", content["host_country"]),
            ("Outline", content["summary"] or "(not given)"),
            ("Expected GHG reductions", f"{red['annual_tco2']} tCO2eq/year"),
            ("Expected reductions over the useful lives", f"{red['lifetime_tco2']} tCO2eq"),
            ("Methodologies", ", ".join(content["methodologies"]) or "(none named)"),
            ("Planned completion", content["schedule"]["planned_completion"] or "(not given)"),
            ("Start of operation", content["schedule"]["operation_start"] or "(not given)"),
            ("Total project cost", _yen(content["total_project_cost_jpy"])),
            ("Subsidy (as assessed)", _yen(content["subsidy_jpy"])),
        ]
    )
    doc.add_heading("B. Participants", level=1)
    table([(p["role"], f"{p['name']} ({p['country']})") for p in content["participants"]])
    doc.add_heading("C. Sites and technologies", level=1)
    for s in content["sites"]:
        doc.add_paragraph(f"{s['name']} — {s['location']}", style="List Bullet")
        for t in s["technologies"]:
            doc.add_paragraph(
                f"{t['technology']}: {t['description']} "
                f"({t['annual_reduction_tco2']} tCO2eq/year; "
                f"{', '.join(t['methodologies']) or 'no methodology named'})",
                style="List Bullet 2",
            )
    doc.add_heading("D. Proposed allocation of JCM credits", level=1)
    if content["credit_allocation"]:
        table([(c["party"], f"{c['share_percent']} %") for c in content["credit_allocation"]])
    else:
        doc.add_paragraph("(not given)")
    if content["missing"]:
        doc.add_heading("E. Information not covered", level=1)
        for item in content["missing"]:
            doc.add_paragraph(item, style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def decimal_or_none(text: str) -> Decimal | None:
    return Decimal(text) if text else None
