"""What the YAML editor refuses (issue 12, points 3 and 6): aliases (the billion laughs), tags
(!!binary, !!set), .nan, date keys and NUL once answered 500 or expanded a 250-byte document to
15 MB. The editor reads with the rules core's strict loader: each is a 200 page naming the line
and what to write instead, in the page's language, with the text as typed; nothing is saved.
"""

from __future__ import annotations

import html

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from renkei.proposals import services

# text, line, what the English page says, what the Japanese page says
BAD = [
    (
        'title: "x"\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
        3,
        "aliases are not accepted",
        "エイリアスは使えません",
    ),
    ("title: x\nlogo: !!binary aGVsbG8=\n", 2, "binary data (!!binary)", "バイナリデータ"),
    ("title: x\ntags: !!set {a, b}\n", 2, "a set (!!set) is not accepted", "集合(!!set)"),
    ("title: x\nfinancing:\n  payback_years_with_subsidy: .nan\n", 3, "not a finite", "有限"),
    ("title: x\nreviewer_scores:\n  2024-05-13: 3\n", 3, "keys must be text", "キーは文字列"),
    ('title: "a\\0b"\n', 1, "NUL character", "NUL 文字"),
    ("title: ok\ncountry: K\x00E\n", 2, "U+0000", "制御文字"),
]


def _client(user, lang: str) -> Client:
    client = Client(headers={"accept-language": lang})
    client.force_login(user)
    return client


@pytest.fixture
def proposal(applicant, first_round, sample_document):
    p = services.proposal_create(actor=applicant, round=first_round, title="T", country="KE")
    services.proposal_update_document(actor=applicant, proposal=p, document=sample_document)
    p.refresh_from_db()
    return p


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize(("text", "line", "en", "ja"), BAD, ids=range(len(BAD)))
def test_the_yaml_editor_refuses_with_the_line_and_keeps_the_text(
    applicant, proposal, lang, text, line, en, ja
) -> None:
    before = dict(proposal.document)
    url = reverse("proposals:edit_yaml", args=[proposal.pk])
    response = _client(applicant, lang).post(url, {"document": text})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert (en if lang == "en" else ja) in page
    assert (f"line {line}," if lang == "en" else f"{line} 行") in page
    # the text as typed stays in the editor (less the NUL, which a browser cannot send back)
    assert html.escape(text.replace("\x00", "")) in response.content.decode().replace("\x00", "")
    proposal.refresh_from_db()
    assert proposal.document == before


@pytest.mark.parametrize(("text", "line", "en", "ja"), BAD, ids=range(len(BAD)))
def test_the_live_assessment_of_the_yaml_tab_says_the_same(
    applicant, proposal, text, line, en, ja
) -> None:
    url = reverse("proposals:assessment", args=[proposal.pk])
    response = _client(applicant, "en").post(url, {"document": text})
    assert response.status_code == 200
    assert en in html.unescape(response.content.decode())


def test_the_editor_writes_no_aliases_for_the_strict_loader_to_refuse(applicant, proposal):
    """A document whose parts are equal must still round-trip through the YAML tab."""
    site = proposal.document["sites"][0]
    document = {**proposal.document, "sites": [site, {**site, "id": "copy"}]}
    services.proposal_update_document(actor=applicant, proposal=proposal, document=document)
    client = _client(applicant, "en")
    url = reverse("proposals:edit_yaml", args=[proposal.pk])
    text = html.unescape(client.get(url).content.decode().split('name="document"')[1])
    text = text.split(">", 1)[1].split("</textarea>")[0]
    assert "&id" not in text and "*id" not in text
    assert client.post(url, {"document": text}).status_code == 302


def test_the_api_refuses_the_json_equivalents(applicant, proposal) -> None:
    """The API reads JSON: NaN is refused (400), NUL is refused by the input guard (400);
    never a 500."""
    client = _client(applicant, "en")
    url = f"/api/proposals/{proposal.pk}/document"
    nan = client.put(url, b'{"title": "x", "rate": NaN}', content_type="application/json")
    assert nan.status_code == 400
    nul = client.put(url, b'{"title": "a\\u0000b"}', content_type="application/json")
    assert nul.status_code == 400 and "NUL" in nul.json()["detail"]


def test_the_dump_of_a_shared_object_has_no_alias() -> None:
    from renkei.proposals.views import _yaml

    part = {"a": 1}
    assert "*" not in _yaml({"x": part, "y": part})
    assert yaml.safe_load(_yaml({"x": part, "y": part})) == {"x": {"a": 1}, "y": {"a": 1}}
