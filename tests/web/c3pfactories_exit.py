"""Set-ups of the C3P exit part's tests: a C3P project opened from an adopted C3P proposal (the
project part's factories), the JCM Model Project call with a round still open at the tests' clock
(2025-02-20), and the people around them. The partner participant's organisation is incorporated
in Viet Nam, so that the prefill names it as a partner of the JCM consortium."""

from __future__ import annotations

from types import SimpleNamespace

from c3pfactories_project import adopted_proposal, cast
from webfactories import jst

from renkei.calls.services import call_open_from_rulebook


def jcm_round(code: str = "fy2025-first", deadline: str = "2025-05-12T12:00"):
    """A round of the JCM Model Project call (fy2024 rulebook: FY2024–FY2026 call) open at the
    tests' clock; the call is opened once."""
    from renkei.calls.models import Call, Round

    call = Call.objects.filter(rulebook_id="jcm-model-project/fy2024").first()
    if call is None:
        call = call_open_from_rulebook(
            rulebook_id="jcm-model-project/fy2024", title_ja="JCM", title_en="JCM"
        )
    return Round.objects.get_or_create(
        call=call,
        code=code,
        defaults={"name_ja": "2025年度第1回", "name_en": "FY2025 first", "deadline": jst(deadline)},
    )[0]


def exit_world(settings, title: str = "C3P Ho Chi Minh City") -> SimpleNamespace:
    from renkei.c3p.services.project import c3p_project_create

    people = cast()
    org = people.partner.organisation
    org.country, org.name_en = "VN", "Ben Tre Seafood JSC"
    org.save()
    proposal = adopted_proposal(people, settings, title=title)
    project = c3p_project_create(actor=people.office, proposal=proposal)
    return SimpleNamespace(people=people, proposal=proposal, project=project, round=jcm_round())
