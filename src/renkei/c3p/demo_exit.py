"""The demo's C3P exit story (issue 11): the sample C3P project's exits, through the services, "as
of" each step's date and only once the demo's clock has reached it; each step checks whether it
is already done, so a later run goes on from where an earlier one stopped:

- 2025-12-10 the lead organisation records an exit into the JICA Partnership Program (C3P Ref.
  Table 8 row 2), considering, with the scheme's reference URL as printed in the table;
- 2026-02-05 it moves that exit to "applied";
- 2026-06-25 it starts the JCM Model Project proposal linked to the C3P project and prefilled
  from it (C3P §1.2; Ref. Table 7 row 1), with one annex-3 technology. The proposal is **left as
  a draft** of the lead organisation: completing form 4's costs, the declarations and the
  uploads is the applicant's work, which the demo does not invent.

The JCM step needs a round of the JCM Model Project call still open on 2026-06-25: ``jcm_round``
if given, else the first open one on that date; with none, that step waits (the answer says so)
and a later run with a round takes it.

``c3p_exit_story(project=…, lead=…, office=…)`` runs them and returns what exists.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from django.test.utils import override_settings

from renkei import clock
from renkei.c3p.models import C3pExit, C3pProject
from renkei.calls.models import Round

__all__ = ["EXIT_STEPS", "c3p_exit_story"]

JST = ZoneInfo("Asia/Tokyo")
SCHEME_ON = "2025-12-10T10:00"
APPLIED_ON = "2026-02-05T10:00"
JCM_ON = "2026-06-25T10:00"
EXIT_STEPS = (SCHEME_ON, APPLIED_ON, JCM_ON)
SCHEME = "jica_partnership"
JCM_TITLE = "(サンプル) 水産加工工場への高効率ヒートポンプ導入 — C3P事業からのJCM案件"
TECHNOLOGY = "heat_pump"


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def _on(text: str):
    return override_settings(RENKEI_DEMO_NOW=_at(text).isoformat())


def _scheme_exit(project: C3pProject) -> C3pExit | None:
    return project.exits.filter(kind=C3pExit.Kind.SCHEME, scheme_id=SCHEME).first()


def _jcm_exit(project: C3pProject, lead: Any) -> C3pExit | None:
    return project.exits.filter(kind=C3pExit.Kind.JCM, organisation=lead.organisation_id).first()


def c3p_exit_story(
    *, project: C3pProject | None, lead: Any, office: Any, jcm_round: Round | None = None
) -> SimpleNamespace | None:
    """Build (or continue) the exits up to the demo's clock. Returns ``scheme`` (the Table 8
    exit), ``jcm`` (the linked JCM exit, its proposal a draft) and ``waiting`` (why a step
    that is due is not taken, else empty); None without a project or before the story starts.
    ``office`` is told by the services' notices; it takes no step of its own."""
    from renkei.c3p.services import exit as svc
    from renkei.rules.c3p.exits import exit_schemes

    if project is None or clock.now() < _at(SCHEME_ON):
        return None
    waiting = ""
    if _scheme_exit(project) is None:
        with _on(SCHEME_ON):
            svc.c3p_exit_record(
                actor=lead,
                project=project,
                scheme_id=SCHEME,
                link=exit_schemes(svc.RULEBOOK).get(SCHEME).url or "",
                note="(サンプル) 事業期間後の都市間協力の継続に向け、JICA草の根技術協力を検討。",
            )
    scheme = _scheme_exit(project)
    if scheme.status == C3pExit.Status.CONSIDERING and clock.now() >= _at(APPLIED_ON):
        with _on(APPLIED_ON):
            scheme = svc.c3p_exit_status_change(
                actor=lead, exit=scheme, status="applied", note="(サンプル) 応募書類を提出。"
            )
    if _jcm_exit(project, lead) is None and clock.now() >= _at(JCM_ON):
        with _on(JCM_ON):
            round_ = jcm_round or next(iter(svc.open_jcm_rounds()), None)
            if round_ is None or round_.deadline <= clock.now():
                waiting = f"no round of the JCM Model Project call is open on {JCM_ON[:10]}"
            else:
                svc.c3p_exit_start_jcm(
                    actor=lead,
                    project=project,
                    round=round_,
                    title=JCM_TITLE,
                    technologies=[TECHNOLOGY],
                )
    return SimpleNamespace(
        scheme=_scheme_exit(project), jcm=_jcm_exit(project, lead), waiting=waiting
    )
