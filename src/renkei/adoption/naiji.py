"""The notice of selection (交付内示通知) of a JCM Model Project, as a Word document.

The call names the notice without printing its form: "採択の場合は内示通知を応募者に送付する"
(3.(4)), the adoption being decided "予算の範囲内において … (交付内示)" (3.(1)). What the letter
carries is Renkei's reading of the clauses that bind the applicant from that day:

- the adoption and the amount: the subsidy as assessed on the version decided on is the upper
  limit of the grant (3.(1)); the grant decision comes after the application is examined (4.(2));
- the grant application to the センター (4.(1)), complete "遅くとも交付内示後30日以内" (4.(2));
- the 内示 may be withdrawn 60 days after it was notified, or when no grant decision can be made
  within the fiscal year (4.(2));
- nothing may be ordered before the grant decision (4.(3)①);
- the publication of the country, project name, company and expected reductions (3.(4)).

It is generated from the frozen record of the decision (``Selection``: number, date, amount, the
version decided on), in Japanese, the call's language, with the English project title for the
partner participants.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from renkei.rules import load_rulebook
from renkei.rules.countries import country_name_en

JST = ZoneInfo("Asia/Tokyo")
ISSUER = "公益財団法人地球環境センター"


def _date_ja(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def naiji_items(selection: Any) -> dict[str, Any]:
    """What the notice says, as plain values (the document and the tests read the same)."""
    from renkei.rules.jcm.schedule import deadline

    proposal = selection.proposal
    document = selection.version.document
    book = load_rulebook(proposal.call.rulebook_id)
    day = selection.naiji_at.astimezone(JST).date()
    due = deadline(book, "grant-application", day)
    consortium = document.get("consortium") or {}
    representative = consortium.get("representative") or {}
    partners = [p.get("name", "") for p in consortium.get("partners") or [] if isinstance(p, dict)]
    country = proposal.country
    country_ja = next(
        (c.name_ja for c in book.partner_countries.countries if c.code == country),
        country_name_en(country),
    )
    published = selection.published or {}
    return {
        "number": selection.naiji_number,
        "date": day,
        "issuer": ISSUER,
        "addressee": representative.get("name") or proposal.organisation.name,
        "partners": partners,
        "title": proposal.title,
        "title_en": (document.get("project_idea") or {}).get("title_en", ""),
        "receipt": proposal.receipt_number,
        "version": selection.version.number,
        "country": f"{country_ja} ({country})",
        "amount_jpy": selection.naiji_amount_jpy,
        "application_due": due.due,
        "application_clause": due.clause,
        "cancellable_from": due.extra["naiji_cancellable_from"],
        "cancellable_after_sixty_days": due.extra["naiji_cancellable_after_sixty_days"],
        "cancellable_after_fiscal_year": due.extra["naiji_cancellable_after_fiscal_year"],
        "cancellable_clause": due.extra["naiji_cancellable_clause"],
        "annual_reduction_tco2": published.get("annual_reduction_tco2", ""),
    }


def naiji_docx(selection: Any) -> bytes:
    from docx import Document

    i = naiji_items(selection)
    doc = Document()
    right = doc.add_paragraph(f"{i['number']}\n{_date_ja(i['date'])}")
    right.alignment = 2  # right
    doc.add_paragraph(f"{i['addressee']} 御中\n(代表事業者)")
    issuer = doc.add_paragraph(i["issuer"])
    issuer.alignment = 2
    doc.add_heading("交付内示通知書", level=0)
    doc.add_paragraph(
        "令和6年度から令和8年度二酸化炭素排出抑制対策事業費等補助金(二国間クレジット制度資金支援事業の"
        "うち設備補助事業)の公募に応募のあった下記の事業について、審査の結果、パートナー国の合同委員会に"
        "おいて採択に異論がないことを確認の上、予算の範囲内において採択案件とすることを決定しましたので、"
        "公募要領3.(1)及び3.(4)に基づき、下記のとおり交付内示します。"
    )
    doc.add_paragraph("記").alignment = 1
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    rows = [
        ("1. 事業名", i["title"] + (f"\n{i['title_en']}" if i["title_en"] else "")),
        ("2. 受付番号", f"{i['receipt']}(提案書 第{i['version']}版)"),
        ("3. パートナー国", i["country"]),
        ("4. 代表事業者", i["addressee"]),
        ("5. 共同事業者", "、".join(i["partners"]) or "—"),
        ("6. 交付内示額(補助金の上限額)", f"金 {i['amount_jpy']:,} 円"),
    ]
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_heading("7. 今後の手続と留意事項", level=1)
    due = _date_ja(i["application_due"])
    sixty = _date_ja(i["cancellable_after_sixty_days"])
    fiscal = _date_ja(i["cancellable_after_fiscal_year"])
    for text in (
        "(1) 補助金の交付申請書をセンターに提出してください(公募要領4.(1))。"
        "交付申請書の記載内容については事前確認を行い、"
        "必要に応じて修正及び再提出等を求めることがあります。",
        f"(2) 遅くとも交付内示後30日以内({due}まで)に"
        f"交付申請書を完成させてください({i['application_clause']})。"
        "不備のない交付申請書がセンターに到達してから交付決定まで約30日を要します。",
        f"(3) 交付内示を通知した日から60日を経過した後({sixty}以降)、"
        "又は年度内にセンターの責に帰する事由以外で交付決定できない場合"
        f"({fiscal}以降)は、"
        f"事業実施が困難と判断し、交付内示を取り消すことがあります({i['cancellable_clause']})。",
        "(4) 補助事業は、センターの交付決定日以降に初めて開始が可能となります。"
        "委託等の発注日は交付決定日以降としてください(公募要領4.(3)①)。",
        "(5) 交付内示額は補助金の上限額であり、"
        "交付額は交付申請書の審査を経て交付決定により確定します(公募要領4.(2))。",
        "(6) 採択事業については、環境省及びセンターのウェブサイトにおいて、"
        "国名、事業名、事業者名、想定排出削減量等を公表します(公募要領3.(4))。",
    ):
        doc.add_paragraph(text)
    doc.add_paragraph("以上").alignment = 2
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
