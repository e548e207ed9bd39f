"""What the office expects on every list: a search box, pages, and the filtered list exported as
.xlsx or CSV.

One helper for all of the office's lists (intake, reviewer assignment, ranking, selection board,
account requests). A view builds its rows (after its own permission check: an export is the
same view, so it is checked exactly like the page), then::

    listing = OfficeList(request, rows, columns=..., text=..., name="intake")
    if listing.export is not None:
        return listing.export
    context["listing"] = listing  # listing.rows: this page's rows; the partial
                                  # "_list_tools.html" draws the search box, the count, the
                                  # export links and the page links

``text`` gives the words a row is found by (receipt number, title, organisation…): the search
keeps the rows containing every word typed, ignoring case and full-width forms. The export has
every row the search and filters keep, not only the page shown.

CSV is written in UTF-8 with a byte-order mark, so that Excel opens Japanese text correctly; a
text cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) is written with a leading apostrophe (OWASP's CSV injection advice), in the .xlsx too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

JST = ZoneInfo("Asia/Tokyo")
PER_PAGE = 50
#: the longest search text read (a longer one is cut: a search box, not a document)
QUERY_MAX = 200
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """A column of the export: its header (in the page's language) and its value for a row."""

    header: str
    value: Callable[[Any], Any]


def search_words(text: str) -> list[str]:
    """The words of a search or of a row's text, compared width- and case-blind (NFKC, casefold):
    what the office's lists and the API's list filters match on."""
    return unicodedata.normalize("NFKC", text).casefold().split()


def matches(words: list[str], text: str) -> bool:
    """Does a row whose text is ``text`` hold every one of the search ``words``?"""
    haystack = " ".join(search_words(text))
    return all(w in haystack for w in words)


def safe_cell(value: Any) -> Any:
    """A value as a spreadsheet cell: numbers stay numbers, times in JST without a zone, text
    that a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (int, Decimal, float)):
        return value
    if isinstance(value, dt.datetime):
        value = value.astimezone(JST) if value.tzinfo else value
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return value
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


class OfficeList:
    """One office list: searched, paginated, or exported (``export`` is then the response)."""

    def __init__(
        self,
        request: HttpRequest,
        rows: Sequence[Any],
        *,
        columns: Sequence[Column],
        text: Callable[[Any], str],
        name: str,
        per_page: int = PER_PAGE,
    ):
        self.request = request
        self.columns = columns
        self.name = name
        self.query = request.GET.get("q", "")[:QUERY_MAX].strip()
        words = search_words(self.query)
        if words:
            rows = [r for r in rows if matches(words, text(r))]
        self.all_rows = list(rows)
        self.export = self._export(request.GET.get("export", ""))
        paginator = Paginator(self.all_rows, per_page)
        self.page: Page = paginator.get_page(request.GET.get("page"))  # a bad page: the nearest
        self.rows = self.page.object_list

    # --- links that keep the filters -------------------------------------------------------
    def _params(self, **changes: Any) -> str:
        params = {k: v for k, v in self.request.GET.items() if k not in ("page", "export")}
        params.update({k: v for k, v in changes.items() if v not in (None, "")})
        return "?" + urlencode(params)

    @property
    def hidden_filters(self) -> list[tuple[str, str]]:
        """The page's other filters, kept when a search is typed."""
        return [(k, v) for k, v in self.request.GET.items() if k not in ("q", "page", "export")]

    @property
    def clear_url(self) -> str:
        params = {k: v for k, v in self.request.GET.items() if k not in ("q", "page", "export")}
        return "?" + urlencode(params)

    def page_url(self, number: int) -> str:
        return self._params(page=number)

    @property
    def previous_url(self) -> str:
        return self.page_url(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_url(self) -> str:
        return self.page_url(self.page.next_page_number()) if self.page.has_next() else ""

    @property
    def csv_url(self) -> str:
        return self._params(export="csv")

    @property
    def xlsx_url(self) -> str:
        return self._params(export="xlsx")

    # --- export -------------------------------------------------------------------------
    def table(self) -> list[list[Any]]:
        """The header and every row the search and filters keep, as spreadsheet cells."""
        header = [safe_cell(str(c.header)) for c in self.columns]
        return [header] + [[safe_cell(c.value(r)) for c in self.columns] for r in self.all_rows]

    def _filename(self, ext: str) -> str:
        return f"{self.name}-{dt.datetime.now(JST):%Y%m%d-%H%M}.{ext}"

    def _export(self, kind: str) -> HttpResponse | None:
        if not kind:
            return None
        if kind == "csv":
            return self._csv()
        if kind == "xlsx":
            return self._xlsx()
        messages.warning(
            self.request,
            _("“%(kind)s” is not an export format; choose CSV or Excel (.xlsx).")
            % {"kind": kind[:20]},
        )
        return None

    def _csv(self) -> HttpResponse:
        out = io.StringIO()
        out.write("\ufeff")  # the byte-order mark: Excel reads the file as UTF-8
        writer = csv.writer(out, lineterminator="\r\n")
        for row in self.table():
            writer.writerow(
                [c.isoformat(sep=" ") if isinstance(c, dt.datetime) else c for c in row]
            )
        response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{self._filename("csv")}"'
        return response

    def _xlsx(self) -> HttpResponse:
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=self.name[:31])
        for row in self.table():  # control characters have no place in a cell of the format
            sheet.append(
                [ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row]
            )
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{self._filename("xlsx")}"'
        return response


def chosen_round(request: HttpRequest, rounds: Any) -> Any:
    """The round a page of the office works on (``?round=<id>``): a value that names no round
    is not an error; the default round is shown and the page says so."""
    from renkei.calls.services import round_to_work_on

    asked = request.GET.get("round")
    chosen = round_to_work_on(rounds, asked)
    if asked and (chosen is None or str(chosen.pk) != asked.strip()):
        messages.warning(
            request,
            _("“%(value)s” is not a round of this list; showing %(round)s instead.")
            % {"value": asked[:40], "round": chosen if chosen is not None else "—"},
        )
    return chosen
