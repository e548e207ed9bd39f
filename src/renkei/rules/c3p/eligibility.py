"""Who may apply to the C3P call: eligibility (1)–(9) of 3.2 and the countries of Table 3.

Declarations are three-valued: declared (pass), declared not to hold (fail), not given
(needs_review: the office asks for the declaration or the evidence). The agreement of (7) may be
replaced by the partner city's letter stating the intention to conclude one (BOX 8).
"""

from __future__ import annotations

from renkei.rules._result import Finding, Note, Status
from renkei.rules.c3p.proposal import C3pProposal
from renkei.rules.c3p.rulebook import C3pRulebook

_DECLARATIONS = (
    ("1", "incorporated"),
    ("2", "not_under_article_70"),
    ("3", "not_under_article_71"),
    ("4", "not_under_suspension_of_designation"),
    ("5", "anti_organised_crime_pledge"),
)


def _three_valued(value: bool | None) -> tuple[Status, str]:
    if value is None:
        return Status.NEEDS_REVIEW, "missing"
    return (Status.PASS, "pass") if value else (Status.FAIL, "fail")


def qualification_years_note() -> Note:
    """3.4 (11) says "fiscal 2022, 2024 and 2024"; 3.2 (6) says 2022, 2023 and 2024."""
    return Note("c3p.note.qualification_years", ("3.2 eligibility (6)", "3.4 (11)"))


def _lead(p: C3pProposal, book: C3pRulebook) -> list[Finding]:
    """3.2: companies, research institutions and universities are expected to lead; Japanese
    municipalities are "not expected to apply on their own". Whether a municipality may be the
    lead organisation is not said: such a proposal is flagged for the office, with the text."""
    if p.applicant.kind != "municipality":
        return []
    rule = book.application.lead_organisation
    return [
        Finding(
            "c3p.eligibility.lead",
            rule.clause,
            Status.NEEDS_REVIEW,
            "c3p.eligibility.lead.municipality",
            {"applicant": p.applicant.name},
            (Note("c3p.note.lead_municipality", (rule.clause,)),),
        )
    ]


def _declarations(p: C3pProposal, book: C3pRulebook) -> list[Finding]:
    out = []
    for cid, field in _DECLARATIONS:
        status, suffix = _three_valued(getattr(p.applicant, field))
        out.append(
            Finding(
                f"c3p.eligibility.{cid}",
                book.eligibility.criterion(cid).clause,
                status,
                f"c3p.eligibility.{cid}.{suffix}",
                {"applicant": p.applicant.name},
            )
        )
    return out


def _rating(check: str, rating: str | None, book: C3pRulebook, applicant: str) -> Finding:
    q = book.eligibility.qualification
    accepted = "/".join(q.accepted_ratings)
    params = {"applicant": applicant, "rating": rating or "", "accepted": accepted}
    if rating is None:
        status, suffix = Status.NEEDS_REVIEW, "missing"
    elif rating == "none":
        status, suffix = Status.FAIL, "none"
    elif rating in q.accepted_ratings:
        status, suffix = Status.PASS, "pass"
    else:
        status, suffix = Status.FAIL, "fail"
    # The FY2022–2024 years are also written (with a typo) in 3.4 (11): note both places.
    retain = check.endswith(".retain")
    notes = () if retain else (qualification_years_note(),)
    clause = book.eligibility.criterion("6").clause
    return Finding(check, clause, status, f"{check}.{suffix}", params, notes)


def _qualification(p: C3pProposal, book: C3pRulebook) -> list[Finding]:
    a = p.applicant
    return [
        _rating("c3p.eligibility.6", a.survey_research_rating_fy2022_2024, book, a.name),
        _rating("c3p.eligibility.6.retain", a.survey_research_rating_fy2025_2027, book, a.name),
    ]


def _agreement(p: C3pProposal, book: C3pRulebook) -> Finding:
    clause = book.eligibility.agreement.clause
    params = {
        "japanese_city": p.japanese_city.name_ja,
        "japanese_city_en": p.japanese_city.name_en,
        "partner_city": p.partner_city.name,
        "partner_city_ja": p.partner_city.name_ja or p.partner_city.name,
        "title": p.agreement.title or "—",
    }
    status_of = p.agreement.status
    if status_of == "concluded":
        status, code = Status.PASS, "c3p.eligibility.7.concluded"
    elif status_of == "none":
        status, code = Status.FAIL, "c3p.eligibility.7.none"
    else:
        intent = p.partner_city.letter_states_intent_to_conclude_agreement
        status, suffix = _three_valued(intent)
        code = {
            "pass": "c3p.eligibility.7.intended",
            "fail": "c3p.eligibility.7.intended_no_letter",
            "missing": "c3p.eligibility.7.intended_unknown",
        }[suffix]
    return Finding("c3p.eligibility.7", clause, status, code, params)


def _consortium(p: C3pProposal, book: C3pRulebook) -> Finding:
    status, suffix = _three_valued(p.japanese_city.in_consortium)
    return Finding(
        "c3p.eligibility.8",
        book.eligibility.criterion("8").clause,
        status,
        f"c3p.eligibility.8.{suffix}",
        {"japanese_city": p.japanese_city.name_ja, "japanese_city_en": p.japanese_city.name_en},
    )


def _letters(p: C3pProposal, book: C3pRulebook) -> list[Finding]:
    clause = book.eligibility.criterion("9").clause
    params = {
        "japanese_city": p.japanese_city.name_ja,
        "japanese_city_en": p.japanese_city.name_en,
        "partner_city": p.partner_city.name,
        "partner_city_ja": p.partner_city.name_ja or p.partner_city.name,
    }
    out = []
    for part, value in (
        ("japanese_city", p.japanese_city.letter_of_interest),
        ("partner_city", p.partner_city.letter_of_interest),
    ):
        status, suffix = _three_valued(value)
        out.append(
            Finding(
                f"c3p.eligibility.9.{part}",
                clause,
                status,
                f"c3p.eligibility.9.{part}.{suffix}",
                params,
            )
        )
    if p.partner_city.letter_of_interest is not False:
        status, suffix = _three_valued(p.partner_city.letter_japanese_translation)
        out.append(
            Finding(
                "c3p.eligibility.9.translation",
                clause,
                status,
                f"c3p.eligibility.9.translation.{suffix}",
                params,
            )
        )
    from_year = book.eligibility.other_stakeholder_letters_from_project_year
    if p.project.project_year >= from_year.value:
        others = p.project.other_stakeholder_letters
        code = (
            "c3p.eligibility.9.others.given" if others else "c3p.eligibility.9.others.recommended"
        )
        out.append(
            Finding(
                "c3p.eligibility.9.other_stakeholders",
                from_year.clause,
                Status.INFO,
                code,
                {"year": p.project.project_year, "stakeholders": list(others), "n": len(others)},
            )
        )
    return out


def _country(p: C3pProposal, book: C3pRulebook) -> Finding:
    code = p.partner_city.country
    found = book.countries.get(code)
    if found is None:
        return Finding(
            "c3p.eligibility.country",
            book.countries.clause,
            Status.FAIL,
            "c3p.eligibility.country.fail",
            {"code": code, "as_of": book.countries.as_of, "as_of_ja": book.countries.as_of_ja},
        )
    country, kind = found
    return Finding(
        "c3p.eligibility.country",
        book.countries.clause,
        Status.PASS,
        f"c3p.eligibility.country.{kind}",
        {
            "code": code,
            "country_ja": country.name_ja,
            "country_en": country.name_en,
            "as_of": book.countries.as_of,
            "as_of_ja": book.countries.as_of_ja,
        },
    )


def check_eligibility(p: C3pProposal, book: C3pRulebook) -> tuple[Finding, ...]:
    """One finding per criterion of 3.2 (1)–(9) (several for (6) and (9)), plus the country."""
    return (
        *_lead(p, book),
        *_declarations(p, book),
        *_qualification(p, book),
        _agreement(p, book),
        _consortium(p, book),
        *_letters(p, book),
        _country(p, book),
    )
