"""The form editors' size bounds (issue 12, point 3): a posted ``…-TOTAL_FORMS`` decides how
many forms the server builds, so every list of the JCM and C3P editors has a bound
(``editor.MAX_*``, ``c3p_editor.MAX_*``) and a page a total one (``editor.MAX_FORMS``). Beyond
them the request is refused with a message before a single form is built; the live assessment
is only for those who may edit the proposal."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from webfactories import jst, link_partner

from renkei.audit.models import AuditEvent
from renkei.calls.models import Call, Program, Round
from renkei.proposals import c3p_editor, editor, services
from renkei.proposals.forms import EditorForm
from renkei.proposals.models import Proposal
from renkei.rules import load_rulebook

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(monkeypatch) -> list[int]:
    """How many editor forms were made (every form of both editors is an EditorForm)."""
    count = [0]
    original = EditorForm.__init__

    def counting(self: EditorForm, *args: Any, **kwargs: Any) -> None:
        count[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(EditorForm, "__init__", counting)
    return count


@pytest.fixture
def proposal(applicant, first_round, sample_document) -> Proposal:
    proposal = services.proposal_create(
        actor=applicant, round=first_round, title="draft", country="KE"
    )
    services.proposal_update_document(actor=applicant, proposal=proposal, document=sample_document)
    proposal.refresh_from_db()
    return proposal


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _attack() -> dict[str, str]:
    """The request of the issue: ~16 KB of management counts asking for every nested list."""
    data = {"editor": "jcm", "sites-TOTAL_FORMS": "100000", "partners-TOTAL_FORMS": "100000"}
    for i in range(400):
        data[f"sites-{i}-lines-TOTAL_FORMS"] = "100000"
    return data


def _size(data: dict[str, str]) -> int:
    return sum(len(k) + len(v) + 2 for k, v in data.items())


def _updates(proposal: Proposal) -> int:
    return AuditEvent.objects.filter(
        action="proposal_update_document", object_id=str(proposal.pk)
    ).count()


def test_the_16_kb_request_is_refused_before_a_form_is_built(applicant, proposal, built) -> None:
    data = _attack()
    assert _size(data) < 16 * 1024
    client = _client(applicant)
    panel = client.post(reverse("proposals:assessment", args=[proposal.pk]), data)
    assert panel.status_code == 400
    assert "the form editor takes at most" in panel.content.decode()
    saved = client.post(reverse("proposals:edit", args=[proposal.pk]), data)
    assert saved.status_code == 400
    assert "Edit a larger proposal in the YAML editor" in saved.content.decode()
    assert built[0] == 0
    assert _updates(proposal) == 1  # the fixture's save only


def test_every_list_within_its_bound_but_too_many_forms_in_all_is_refused(built) -> None:
    data = {"sites-TOTAL_FORMS": str(editor.MAX_SITES)}
    for i in range(editor.MAX_SITES):
        data[f"sites-{i}-lines-TOTAL_FORMS"] = str(editor.MAX_LINES_PER_SITE)
        data[f"sites-{i}-lines-0-costs-TOTAL_FORMS"] = str(editor.MAX_COSTS_PER_LINE)
    with pytest.raises(editor.TooLarge, match=f"at most {editor.MAX_FORMS}"):
        editor.ProposalEditor(data, book=load_rulebook("jcm-model-project/fy2024"), lang="en")
    assert built[0] == 0


@pytest.mark.parametrize(
    ("prefix", "limit"),
    [
        ("partners", editor.MAX_PARTNERS),
        ("funding", editor.MAX_FUNDING_ROWS),
        ("sites", editor.MAX_SITES),
        ("sites-0-lines", editor.MAX_LINES_PER_SITE),
        ("sites-0-lines-0-costs", editor.MAX_COSTS_PER_LINE),
    ],
)
def test_each_list_has_its_bound(prefix, limit, built) -> None:
    data, _dropped = editor.document_to_data({})  # a new draft: a site, a line, a cost row
    data[f"{prefix}-TOTAL_FORMS"] = str(limit)
    ed = editor.ProposalEditor(data, book=load_rulebook("jcm-model-project/fy2024"), lang="en")
    formset = next(f for f in ed.formsets() if f.prefix == prefix)
    assert len(formset.forms) == limit  # at the bound: built as usual
    built[0] = 0
    data[f"{prefix}-TOTAL_FORMS"] = str(limit + 1)
    with pytest.raises(editor.TooLarge, match=f"{limit + 1} rows were sent"):
        editor.ProposalEditor(data, book=load_rulebook("jcm-model-project/fy2024"), lang="en")
    assert built[0] == 0
    # the add button stops at the bound, with the reason
    data[f"{prefix}-TOTAL_FORMS"] = str(limit)
    with pytest.raises(editor.TooLarge, match=f"at most {limit} rows"):
        editor.apply_action(data, f"add:{prefix}")


def test_django_itself_never_builds_more_than_the_bound() -> None:
    """The formsets' own cap, for any code that makes them without the editor's check."""
    classes = editor.form_classes(load_rulebook("jcm-model-project/fy2024"), "en")
    formset = editor.CostFormSet(
        {"c-TOTAL_FORMS": "100000", "c-INITIAL_FORMS": "0"}, prefix="c", classes=classes, url=""
    )
    assert len(formset.forms) == editor.MAX_COSTS_PER_LINE
    assert not formset.is_valid()


def test_adding_a_row_beyond_the_bound_keeps_everything_typed(applicant, proposal) -> None:
    data, _dropped = editor.document_to_data(proposal.document)
    data["partners-TOTAL_FORMS"] = str(editor.MAX_PARTNERS)
    data["partners-29-name"] = "Typed partner"
    page = _client(applicant).post(
        reverse("proposals:edit", args=[proposal.pk]),
        {**data, "editor": "jcm", "editor_action": "add:partners"},
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert f"the form editor takes at most {editor.MAX_PARTNERS} rows" in text
    assert 'value="Typed partner"' in text
    assert f'name="partners-TOTAL_FORMS" value="{editor.MAX_PARTNERS}"' in text


def test_a_stored_proposal_beyond_the_bounds_opens_in_the_yaml_editor(applicant, proposal) -> None:
    document = dict(proposal.document)
    site = document["sites"][0]
    document["sites"] = [{**site, "id": f"site-{i}"} for i in range(editor.MAX_SITES + 1)]
    services.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    client = _client(applicant)
    page = client.get(reverse("proposals:edit", args=[proposal.pk]), follow=True)
    assert page.redirect_chain[-1][0] == reverse("proposals:edit_yaml", args=[proposal.pk])
    assert f"{editor.MAX_SITES + 1} rows were sent" in page.content.decode()


def test_only_those_who_may_edit_use_the_live_assessment(users, proposal, built) -> None:
    """A partner participant sees the proposal but does not edit it: its posts to the live
    assessment make the server build nothing."""
    link_partner(users["applicant"], proposal, users["partner"])
    url = reverse("proposals:assessment", args=[proposal.pk])
    data, _dropped = editor.document_to_data(proposal.document)
    for payload in ({**data, "editor": "jcm"}, {"document": "title: x"}):
        answer = _client(users["partner"]).post(url, payload)
        assert answer.status_code == 403
        assert "Only those who may edit this proposal" in answer.content.decode()
    assert built[0] == 0
    assert _client(users["applicant"]).post(url, {**data, "editor": "jcm"}).status_code == 200
    assert built[0] > 0


# --- C3P -----------------------------------------------------------------------------------------


@pytest.fixture
def c3p_draft(applicant, settings) -> Proposal:
    settings.RENKEI_DEMO_NOW = "2025-02-20T10:00:00+09:00"
    call = Call.objects.create(
        rulebook_id="c3p/fy2025",
        program=Program.C3P,
        title_ja="令和7年度 都市間連携事業",
        title_en="C3P FY2025",
        opens_at=jst("2025-02-10T00:00"),
        closes_at=jst("2026-03-31T12:00"),
    )
    round_ = Round.objects.create(
        call=call, code="first", name_ja="第1回", name_en="First", deadline=jst("2025-03-03T12:00")
    )
    return services.proposal_create(actor=applicant, round=round_, title="C3P", country="VN")


@pytest.mark.parametrize(
    ("prefix", "limit"),
    [("equipment", c3p_editor.MAX_EQUIPMENT), ("targets", c3p_editor.MAX_TARGETS)],
)
def test_the_c3p_lists_have_their_bounds(applicant, c3p_draft, built, prefix, limit) -> None:
    data, _dropped = c3p_editor.document_to_data(c3p_draft.document, load_rulebook("c3p/fy2025"))
    client = _client(applicant)
    for url in ("proposals:assessment", "proposals:edit"):
        answer = client.post(
            reverse(url, args=[c3p_draft.pk]),
            {**data, "editor": "c3p", f"{prefix}-TOTAL_FORMS": "100000"},
        )
        assert answer.status_code == 400
        assert f"the form editor takes at most {limit}" in answer.content.decode()
    assert built[0] == 0
    with pytest.raises(editor.TooLarge):
        c3p_editor.apply_action({f"{prefix}-TOTAL_FORMS": str(limit)}, f"add:{prefix}")
