"""Load reference data and clearly labelled samples for the demo, and print one login per role.

The output is short: the e-mails the sample story sends are written to ``var/demo-emails.txt``
(counted, not printed), then the logins (the README's table lists the same ones) and where to
log in.

Idempotent: running it twice changes nothing. Real data: both calls and their rulebooks, the
JCM partner countries (in the rulebook), and the city partnerships the C3P guidebook names
(BOX 8). Everything else is marked as a sample.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from django.conf import settings
from django.core import mail
from django.core.management.base import BaseCommand
from django.db import transaction

from renkei import clock
from renkei.accounts.models import Organisation, Role, User
from renkei.adoption.demo import selection_story
from renkei.adoption.demo_optimiser import optimiser_samples
from renkei.calls.models import Call, Program, Round
from renkei.calls.services import call_open_from_rulebook
from renkei.credits.demo import CREDITS_DEMO_NOW, credits_story
from renkei.credits.models import Issuance
from renkei.grants.demo import grant_story
from renkei.monitoring.demo import monitoring_story
from renkei.proposals import services
from renkei.proposals.models import Proposal

JST = ZoneInfo("Asia/Tokyo")
EXAMPLES = Path(__file__).resolve().parents[5] / "examples"

# BOX 8 of the guidebook: real city-to-city agreements (Japanese side, partner side, country)
PARTNERSHIPS = [
    ("大阪市", "Osaka City", "JP", "Ho Chi Minh City", "VN"),
    ("大阪市", "Osaka City", "JP", "Quezon City", "PH"),
    ("大阪市", "Osaka City", "JP", "Eastern Economic Corridor (EEC)", "TH"),
    ("愛媛県", "Ehime Prefecture", "JP", "Ben Tre Province", "VN"),
    ("浦添市", "Urasoe City", "JP", "Airai State", "PW"),
    ("北九州市", "Kitakyushu City", "JP", "Ramky Group (Telangana)", "IN"),
]

USERS = [
    ("applicant", Role.APPLICANT, "サンプル・エンジニアリング株式会社", "", False),
    ("municipality", Role.APPLICANT, "サンプル市", "", False),
    ("partner", Role.APPLICANT, "Sample Highlands Tea Ltd.", "", False),
    ("office", Role.OFFICE, None, "", True),
    ("reviewer", Role.REVIEWER, None, "", False),
    ("reviewer2", Role.REVIEWER, None, "", False),
    ("secretariat", Role.SECRETARIAT, None, "", False),
    ("jc-kenya", Role.JOINT_COMMITTEE, None, "KE", False),
    ("tpe", Role.VERIFIER, "サンプル検証機関株式会社", "", False),
    ("registry", Role.REGISTRY, None, "", False),
    # the sample partner city of the C3P partnership and matching samples (issue 11)
    ("partner-city", Role.APPLICANT, "Sample Partner City", "", False),
]


# sample organisations of the demo logins: English name, kind and country
SAMPLE_ORGANISATIONS = {
    "サンプル・エンジニアリング株式会社": (
        "Sample Engineering Co.",
        Organisation.Kind.COMPANY,
        "JP",
    ),
    "サンプル市": ("Sample City", Organisation.Kind.MUNICIPALITY, "JP"),
    # the Kenyan partner participant of the selection samples (a partner account)
    "Sample Highlands Tea Ltd.": ("Sample Highlands Tea Ltd.", Organisation.Kind.COMPANY, "KE"),
    # the third-party entity (TPE) that verifies the monitoring sample
    "サンプル検証機関株式会社": ("Sample Verification Co.", Organisation.Kind.TPE, "JP"),
    "Sample Partner City": ("Sample Partner City", Organisation.Kind.PARTNER_CITY, "VN"),
}

# the C3P FY2025 call opens on 2025-02-10 (guidebook 2.1 footnote 1); the demo's C3P round
# closes three weeks later (3.4: "about three weeks"), a date the guidebook does not give
C3P_DEMO_NOW = "2025-02-20T10:00:00+09:00"
# the C3P samples adopted 2025-03-25: one project in its second year (year 1 closed and settled,
# year 2 contracted 2026-06-18), the other in phase 2 after its phase 1's third year
C3P_PROJECT_DEMO_NOW = "2026-07-01T10:00:00+09:00"
C3P_PROJECT_DEMO_AT = dt.datetime(2026, 6, 18, 10, 0, tzinfo=JST)
# the grant samples have been paid and report their first year after this moment
GRANTS_DEMO_NOW = "2027-02-01T10:00:00+09:00"


def _jst(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


@contextmanager
def _emails_kept() -> Iterator[list]:
    """The e-mails sent meanwhile are kept in a list instead of going to the configured backend
    (the console's, in the demo, would print them all before the logins)."""
    backend, had_outbox = settings.EMAIL_BACKEND, hasattr(mail, "outbox")
    previous = getattr(mail, "outbox", None)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    try:
        yield mail.outbox
    finally:
        kept = mail.outbox
        settings.EMAIL_BACKEND = backend
        if had_outbox:  # a test's outbox keeps what a locmem backend would have had
            mail.outbox = previous + (kept if "locmem" in backend else [])
        else:
            del mail.outbox


class Command(BaseCommand):
    help = "Load demo reference data and samples; print the demo logins."

    def handle(self, *args, **options) -> None:
        with _emails_kept() as emails:
            with transaction.atomic():
                jcm, c3p = self._calls()
                self._partnerships()
                users = self._users()
            self._samples(users["applicant"], jcm)
            self._c3p_samples(users["applicant"], c3p)
            self._c3p_partnerships(users)
            c3p_projects = self._c3p_projects(users, c3p)
            story = selection_story(
                round_=jcm.rounds.get(code="first"),
                applicant=users["applicant"],
                office=users["office"],
                reviewers=[users["reviewer"], users["reviewer2"]],
                examples=EXAMPLES,
                secretariat=users["secretariat"],
                partner=users["partner"],
            )
            # the selection optimiser's samples (issue 13): six more reviewed proposals in the
            # first round, so that the optimiser's portfolio differs from the ranking's
            optimiser_samples(
                round_=jcm.rounds.get(code="first"),
                applicant=users["applicant"],
                office=users["office"],
                reviewers=[users["reviewer"], users["reviewer2"]],
                examples=EXAMPLES,
            )
            grants = grant_story(
                round_=jcm.rounds.get(code="first"),
                applicant=users["applicant"],
                office=users["office"],
                reviewers=[users["reviewer"], users["reviewer2"]],
                secretariat=users["secretariat"],
                joint_committee=users["jc-kenya"],
                partner=users["partner"],
                examples=EXAMPLES,
            )
            plan = monitoring_story(
                grant=grants[0] if grants else None,
                applicant=users["applicant"],
                office=users["office"],
                verifier=users["tpe"],
                tpe=users["tpe"].organisation,
            )
            jcm_project = credits_story(
                plan=plan,
                applicant=users["applicant"],
                office=users["office"],
                verifier=users["tpe"],
                tpe=users["tpe"].organisation,
                joint_committee=users["jc-kenya"],
                registry=users["registry"],
            )
        if emails:
            self.stdout.write(f"{len(emails)} e-mails of the samples: {self._keep(emails)}")
        self.stdout.write("\nDemo logins (user / password):")
        for name, role, *_ in USERS:
            self.stdout.write(f"  {name:<12} / renkei-demo-{name:<12} {role.label}")
        self.stdout.write(
            f"\nLog in at {settings.RENKEI_BASE_URL}/accounts/login/ once the server has "
            "started (samples are labelled as samples)."
        )
        if story or Proposal.objects.filter(sample=True, selection__isnull=False).exists():
            self.stdout.write(
                "Selection sample (first JCM round): the applicant answers the secretariat's "
                "query on the PIN, the secretariat forwards it, jc-kenya answers, the office "
                "issues 内示 and decides the eco-lease sample (Selection menu). Selection "
                "optimiser (office): compare its portfolio with the ranking for the first JCM "
                "round (Selection optimiser menu)."
            )
        else:
            self.stdout.write(
                "The selection sample is built when the demo runs after 2024-06-05, e.g. "
                "make demo DEMO_NOW=2024-06-20T10:00:00+09:00"
            )
        # the JCM stages after selection on one line (the output stays within 20 lines)
        jcm_parts = []
        if grants:
            states = ", ".join(f"{g.number}: {g.get_state_display()}" for g in grants)
            jcm_parts.append(f"grants (Grants menu): {states}")
        if plan is not None:
            periods = ", ".join(
                f"{p.start}–{p.end}: {p.get_state_display()}"
                for p in plan.periods.order_by("start", "version")
            )
            jcm_parts.append(
                f"monitoring (Monitoring menu): {plan.grant.number} "
                f"{plan.methodology_id} {plan.methodology_version}; periods: {periods or '—'}"
            )
        if jcm_project is not None:
            issued = ", ".join(
                f"{i.vintage_start}–{i.vintage_end}: {i.issued_tco2} tCO2"
                for i in Issuance.objects.filter(request__project=jcm_project).order_by("pk")
            )
            jcm_parts.append(
                f"JCM project (JCM projects menu): {jcm_project} "
                f"{jcm_project.get_state_display()}; issuances: {issued or '—'} "
                "(JCM registry, Credits portfolio and the public JCM credits page)"
            )
        if jcm_parts:
            self.stdout.write("JCM samples after selection: " + " · ".join(jcm_parts) + ".")
        if c3p_projects:
            self.stdout.write(
                "C3P project samples (C3P projects menu): "
                + "; ".join(
                    f"{p.proposal.title}: FY{y.fiscal_year} phase {y.phase} year "
                    f"{y.year_in_phase} {y.get_state_display()}"
                    + "".join(
                        ", exit: "
                        + " ".join(
                            x
                            for x in (e.get_kind_display(), e.scheme_id, e.get_status_display())
                            if x
                        )
                        + (f" (JCM draft #{e.proposal_id})" if e.proposal_id else "")
                        for e in p.exits.order_by("pk")
                    )
                    for p in c3p_projects
                    for y in [p.years.order_by("-fiscal_year").first()]
                )
                + " (C3P funnel and C3P calendar menus)."
            )
        later = []
        if clock.now() < _jst(GRANTS_DEMO_NOW[:16]):
            later.append(
                f"the grant stage from 内示 to payment and the years after with "
                f"DEMO_NOW={GRANTS_DEMO_NOW}"
            )
        if plan is None:
            later.append(f"monitoring (MRV) with DEMO_NOW={GRANTS_DEMO_NOW}")
        if jcm_project is None or Issuance.objects.filter(request__project=jcm_project).count() < 2:
            later.append(f"JCM credits (two issuances delivered) with DEMO_NOW={CREDITS_DEMO_NOW}")
        if clock.now() < C3P_PROJECT_DEMO_AT:
            later.append(
                f"C3P proposals (the FY2025 call opens 2025-02-10) with DEMO_NOW={C3P_DEMO_NOW}; "
                f"C3P projects in year 2 and through a phase change with "
                f"DEMO_NOW={C3P_PROJECT_DEMO_NOW}"
            )
        if later:
            self.stdout.write(
                "Run `make demo DEMO_NOW=…` for other moments: " + "; ".join(later) + "."
            )

    def _keep(self, emails: list) -> str:
        """Append the e-mails to var/demo-emails.txt; returns where they are."""
        path = Path(settings.VAR_DIR) / "demo-emails.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            for message in emails:
                out.write(message.message().as_bytes().decode("utf-8", "replace"))
                out.write("\n" + "-" * 79 + "\n")
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def _calls(self) -> tuple[Call, Call]:
        jcm = call_open_from_rulebook(
            rulebook_id="jcm-model-project/fy2024",
            title_ja="令和6年度から令和8年度 JCM設備補助事業 公募",
            title_en="JCM Model Project call FY2024–FY2026",
        )
        c3p, _ = Call.objects.get_or_create(
            rulebook_id="c3p/fy2025",
            defaults=dict(
                program=Program.C3P,
                title_ja="令和7年度 脱炭素社会実現のための都市間連携事業",
                title_en="City-to-City Collaboration FY2025 call",
                opens_at=_jst("2025-02-10T00:00"),
                closes_at=_jst("2026-03-31T12:00"),
                budget_jpy=None,
            ),
        )
        Round.objects.get_or_create(
            call=c3p,
            code="first",
            defaults=dict(
                name_ja="第1回公募(締切はデモ用の想定)",
                name_en="First call (demo deadline)",
                deadline=_jst("2025-03-03T12:00"),
            ),
        )
        return jcm, c3p

    def _partnerships(self) -> None:
        for ja, en, jc, partner, pc in PARTNERSHIPS:
            Organisation.objects.get_or_create(
                name=ja, country=jc, defaults=dict(name_en=en, kind=Organisation.Kind.MUNICIPALITY)
            )
            Organisation.objects.get_or_create(
                name=partner,
                country=pc,
                defaults=dict(name_en=partner, kind=Organisation.Kind.PARTNER_CITY),
            )

    def _c3p_partnerships(self, users: dict[str, User]) -> None:
        """The guidebook's partnerships (BOX 8) as records, the sample municipality's
        partnership with the sample partner city, and a need with two matching solutions."""
        from renkei.c3p import demo_partnership as demo

        with transaction.atomic():
            demo.load_reference_partnerships()
            demo.sample_partnership(
                office=users["office"],
                municipality=users["municipality"],
                partner_city_user=users["partner-city"],
            )
            demo.sample_matching(
                partner_city_user=users["partner-city"],
                municipality=users["municipality"],
                company=users["applicant"],
            )

    def _c3p_projects(self, users: dict[str, User], c3p: Call) -> list:
        """Two sample C3P proposals adopted through the platform (the new one linked to the
        sample city partnership) and their projects' stories, as far as the clock has come."""
        from renkei.c3p import demo_project as demo
        from renkei.c3p.models import CityPartnership

        adopted = demo.c3p_adoption_story(
            round_=c3p.rounds.get(code="first"),
            lead=users["applicant"],
            office=users["office"],
            reviewers=[users["reviewer"], users["reviewer2"]],
            examples=EXAMPLES,
            partnership=CityPartnership.objects.filter(
                japanese_city=users["municipality"].organisation,
                partner_city=users["partner-city"].organisation,
            ).first(),
            municipality=users["municipality"],
        )
        projects = []
        for proposal, novelty in zip(adopted, ["", demo.NOVELTY], strict=False):
            with transaction.atomic():
                project = demo.c3p_project_story(
                    proposal=proposal,
                    office=users["office"],
                    lead=users["applicant"],
                    novelty=novelty,
                )
            if project is not None:
                projects.append(project)
        if projects:
            from renkei.c3p.demo_activity import c3p_activity_story

            with transaction.atomic():
                c3p_activity_story(
                    project=projects[0], lead=users["applicant"], office=users["office"]
                )
        if len(projects) == 2:
            self._c3p_exits(users, projects[1])
        return projects

    def _c3p_exits(self, users: dict[str, User], project) -> None:
        """The continuing C3P project's exits: a Table 8 scheme (considering, then applied) and
        a JCM Model Project proposal started from it, linked and prefilled (left a draft). The
        only JCM call loaded (FY2024) closed on 2024-11-29, so from the JCM step's date the demo
        adds a round labelled as a sample to take that draft."""
        from renkei.c3p import demo_exit

        jcm_round = None
        if clock.now() >= _jst(demo_exit.JCM_ON):
            jcm = Call.objects.get(rulebook_id="jcm-model-project/fy2024")
            jcm_round, _ = Round.objects.get_or_create(
                call=jcm,
                code="sample-2026",
                defaults=dict(
                    name_ja="(サンプル) デモ用の回(2026年9月30日締切)",
                    name_en="(sample) demo round (deadline 2026-09-30)",
                    deadline=_jst("2026-09-30T12:00"),
                ),
            )
        with transaction.atomic():
            demo_exit.c3p_exit_story(
                project=project,
                lead=users["applicant"],
                office=users["office"],
                jcm_round=jcm_round,
            )

    def _users(self) -> dict[str, User]:
        out = {}
        for name, role, org_name, country, staff in USERS:
            org = None
            if org_name:
                name_en, kind, org_country = SAMPLE_ORGANISATIONS[org_name]
                org, _ = Organisation.objects.get_or_create(
                    name=org_name,
                    country=org_country,
                    defaults=dict(name_en=name_en, kind=kind, sample=True),
                )
            user, created = User.objects.get_or_create(
                username=name,
                defaults=dict(
                    role=role,
                    organisation=org,
                    country=country,
                    is_staff=staff,
                    email=f"{name}@example.org",
                    first_name=f"{name} (sample)",
                ),
            )
            if created:
                user.set_password(f"renkei-demo-{name}")
                user.save()
            out[name] = user
        return out

    def _samples(self, applicant: User, jcm: Call) -> None:
        """The JCM examples as drafts of the next round still open on the demo clock."""
        round_ = (
            jcm.rounds.filter(deadline__gt=clock.now()).order_by("deadline").first()
            or jcm.rounds.order_by("deadline").last()
        )
        for path in sorted(EXAMPLES.glob("jcm-*.yaml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            if Proposal.objects.filter(title=document["title"], sample=True).exists():
                continue
            document["target_deadline"] = round_.deadline.isoformat()
            document.pop("documents", None)
            document.pop("reviewer_scores", None)  # the reviewers' part comes from reviews
            proposal = services.proposal_create(
                actor=applicant,
                round=round_,
                title=document["title"],
                country=document["country"],
                document=document,
            )
            Proposal.objects.filter(pk=proposal.pk).update(sample=True)

    def _c3p_samples(self, applicant: User, c3p: Call) -> None:
        """The C3P examples as drafts of the demo's C3P round (documents come from uploads)."""
        round_ = c3p.rounds.get(code="first")
        for path in sorted(EXAMPLES.glob("c3p-*.yaml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            if Proposal.objects.filter(title=document["title"], sample=True).exists():
                continue
            document.pop("documents_submitted", None)
            document.pop("reviewer_scores", None)  # the reviewers' part comes from reviews
            document.pop("submitted_on", None)  # set when submitted
            proposal = services.proposal_create(
                actor=applicant,
                round=round_,
                title=document["title"],
                country=document["partner_city"]["country"],
                document=document,
            )
            Proposal.objects.filter(pk=proposal.pk).update(sample=True)
