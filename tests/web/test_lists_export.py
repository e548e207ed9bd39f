"""The office's lists (issue 12, point 16): a search box, pages, and the filtered list exported as
.xlsx and CSV (UTF-8 with a byte-order mark; formula-like cells quoted), one helper for all
(``renkei.web.lists``), each export checked like its page."""

from __future__ import annotations

import io

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from openpyxl import load_workbook
from webfactories import UserFactory, submitted_proposal

from renkei.accounts.models import AccountRequest, Role
from renkei.accounts.services import account_request_create
from renkei.web.lists import Column, OfficeList, safe_cell

pytestmark = pytest.mark.django_db

LISTS = [
    "reviews:intake",
    "reviews:assign",
    "reviews:ranking",
    "adoption:board",
    "accounts:requests",
]


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def proposals(applicant, first_round, sample_document):
    """Three submitted proposals; one title starts like a formula."""
    titles = ['=HYPERLINK("http://evil")', "ケニア 茶工場の太陽光発電", "Vietnam boilers"]
    return [
        submitted_proposal(
            applicant,
            first_round,
            {**sample_document, "title": title},
            title,
            country="KE",
            uploads={"form1": "1_a.pdf"},
            at="2024-05-10T09:00",
        )
        for title in titles
    ]


@pytest.mark.parametrize("page", LISTS)
@pytest.mark.parametrize("role", ["anonymous", "applicant", "reviewer", "partner"])
def test_exports_are_refused_like_their_pages(users, jcm_call, page, role) -> None:
    for export in ("", "csv", "xlsx"):
        answer = _client(users[role]).get(reverse(page), {"export": export} if export else {})
        assert answer.status_code in (302, 404), (page, role, export)
        assert not answer.get("Content-Disposition")


def test_the_intake_list_is_searched_by_receipt_title_and_organisation(
    users, proposals, applicant
) -> None:
    office = _client(users["office"])
    url = reverse("reviews:intake")
    page = office.get(url, {"q": "茶工場"}).content.decode()
    assert "ケニア 茶工場の太陽光発電" in page and "Vietnam boilers" not in page
    page = office.get(url, {"q": "VIETNAM"}).content.decode()  # case ignored
    assert "Vietnam boilers" in page and "茶工場" not in page
    receipt = proposals[2].receipt_number
    page = office.get(url, {"q": receipt}).content.decode()
    assert receipt in page and proposals[1].receipt_number not in page
    organisation = applicant.organisation.name
    page = office.get(url, {"q": organisation}).content.decode()
    assert all(p.receipt_number in page for p in proposals)
    page = office.get(url, {"q": "nothing like this"}).content.decode()
    assert "No submitted proposals." in page and "0 rows" in page


def test_the_csv_export_is_the_filtered_list_for_excel(users, proposals) -> None:
    answer = _client(users["office"]).get(reverse("reviews:intake"), {"export": "csv", "q": "KE"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert (
        "attachment;" in answer["Content-Disposition"] and ".csv" in answer["Content-Disposition"]
    )
    raw = answer.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    text = raw.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Receipt number,Title,Representative participant")
    assert len(lines) == 4  # the header and the three proposals the search keeps
    assert "ケニア 茶工場の太陽光発電" in text
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text  # never run as a formula
    searched = _client(users["office"]).get(
        reverse("reviews:intake"), {"export": "csv", "q": "Vietnam"}
    )
    assert len(searched.content.decode("utf-8-sig").splitlines()) == 2


def test_the_xlsx_export_opens_with_the_same_rows(users, proposals) -> None:
    answer = _client(users["office"]).get(reverse("reviews:intake"), {"export": "xlsx"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["Receipt number", "Title"]
    assert len(rows) == 4
    titles = {r[1] for r in rows[1:]}
    assert "ケニア 茶工場の太陽光発電" in titles
    assert '\'=HYPERLINK("http://evil")' in titles  # text, not a formula
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("page", LISTS)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_every_office_list_exports(users, proposals, page, kind) -> None:
    answer = _client(users["office"]).get(reverse(page), {"export": kind})
    assert answer.status_code == 200
    assert f".{kind}" in answer["Content-Disposition"]
    html = _client(users["office"]).get(reverse(page)).content.decode()
    assert 'name="q"' in html and "export=csv" in html and "export=xlsx" in html


def test_the_lists_are_paginated_and_the_pages_keep_the_search(users, db) -> None:
    for i in range(55):
        account_request_create(
            actor=None,
            organisation_name=f"Org {i:02d}",
            organisation_country="JP",
            contact_name="c",
            email=f"o{i}@example.org",
        )
    office = _client(users["office"])
    url = reverse("accounts:requests")
    first = office.get(url).content.decode()
    assert "Page 1 of 2" in first and "Org 00" in first and "Org 54" not in first
    assert "?page=2" in first
    second = office.get(url, {"page": 2}).content.decode()
    assert "Org 54" in second and "Org 00" not in second
    searched = office.get(url, {"q": "org 54"}).content.decode()  # every word, any case
    assert (
        '<span class="count">1 row</span>' in searched
        and "Org 53" not in searched
        and "Page 1 of" not in searched
    )
    export = office.get(url, {"export": "csv"}).content.decode("utf-8-sig")
    assert len(export.splitlines()) == 56  # every row, not only the page shown
    assert AccountRequest.objects.count() == 55


def test_the_search_box_keeps_the_other_filters(users, proposals) -> None:
    page = _client(users["office"]).get(reverse("reviews:intake"), {"country": "KE"})
    assert '<input type="hidden" name="country" value="KE">' in page.content.decode()


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+81 3", "'+81 3"),
        ("-SUM(A1)", "'-SUM(A1)"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (-5, -5),  # a number stays a number
        (None, ""),
    ],
)
def test_formula_like_text_is_quoted(value, cell) -> None:
    assert safe_cell(value) == cell


def test_the_helper_searches_full_width_and_case_alike(db) -> None:
    request = RequestFactory().get("/", {"q": "ＳＯＬＡＲ pv"})
    request.user = UserFactory(role=Role.OFFICE)
    rows = ["Solar PV plant", "Boiler", "solar-thermal"]
    listing = OfficeList(
        request, rows, columns=[Column("Name", lambda r: r)], text=lambda r: r, name="x"
    )
    assert listing.rows == ["Solar PV plant"]
