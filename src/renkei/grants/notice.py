"""The grant decision notice (交付決定通知書) of a JCM Model Project, as a Word document.

The call names the notice (2.(9) 「交付決定通知書において交付された交付決定額及び補助率を上限と
します」) without printing its form (its form is in the 交付規程, which the call does not include:
spec §1.1, A-03). What the letter carries is Renkei's reading of the clauses that bind the grantee
from the decision:

- the decided amount and the subsidy rate, the ceilings of everything that follows (2.(9));
- the allocation per fiscal year and per column-1 category of 別表1 that changes are counted in
  (4.(4)2)①);
- the completion date (2.(10)); orders on or after the decision date (4.(3)①), competition
  (4.(3)②), payment within the fiscal year (4.(3)③);
- prior approval of changes (4.(4)), of suspension or abolition (4.(10)); the year-end report by
  10 April (4.(6)①), the completion report (4.(6)②).

It is generated from the stored decision (``GrantDecision`` and the allocation it created), in
Japanese, the call's language, with the English project title for the partner participants.
"""

from __future__ import annotations

import io
from typing import Any

from renkei.adoption.naiji import ISSUER, _date_ja

CATEGORY_JA = {"construction": "工事費", "equipment": "設備費", "admin": "事務費"}


def decision_items(grant: Any) -> dict[str, Any]:
    """What the notice says, as plain values (the document and the tests read the same)."""
    from renkei.grants.models import Allocation
    from renkei.grants.services.award import budget_of

    decision = grant.decision
    proposal = grant.selection.proposal
    document = grant.selection.version.document or {}
    consortium = document.get("consortium") or {}
    representative = consortium.get("representative") or {}
    partners = [p.get("name", "") for p in consortium.get("partners") or [] if isinstance(p, dict)]
    first = Allocation.objects.filter(grant=grant, source="decision").first()
    return {
        "number": decision.number,
        "date": decision.decided_on,
        "issuer": ISSUER,
        "addressee": representative.get("name") or proposal.organisation.name,
        "partners": partners,
        "title": proposal.title,
        "title_en": (document.get("project_idea") or {}).get("title_en", ""),
        "receipt": proposal.receipt_number,
        "naiji_number": grant.selection.naiji_number,
        "application_version": decision.application_version.number,
        "amount_jpy": decision.amount_jpy,
        "rate": decision.rate,
        "completion_due": decision.completion_due,
        "budget": budget_of(first.budget) if first else {},
        "findings": decision.findings,
    }


def _rate(rate: Any) -> str:
    pct = (rate * 100).normalize()
    return f"{pct:f}%"


def decision_docx(grant: Any) -> bytes:
    from docx import Document

    i = decision_items(grant)
    doc = Document()
    right = doc.add_paragraph(f"{i['number']}\n{_date_ja(i['date'])}")
    right.alignment = 2  # right
    doc.add_paragraph(f"{i['addressee']} 御中\n(代表事業者)")
    issuer = doc.add_paragraph(i["issuer"])
    issuer.alignment = 2
    doc.add_heading("交付決定通知書", level=0)
    doc.add_paragraph(
        f"交付内示({i['naiji_number']})の後に提出のあった交付申請書(第{i['application_version']}版)"
        "について審査の結果、下記のとおり補助金を交付することに決定しましたので通知します"
        "(公募要領4.(2))。"
    )
    doc.add_paragraph("記").alignment = 1
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    rows = [
        ("1. 事業名", i["title"] + (f"\n{i['title_en']}" if i["title_en"] else "")),
        ("2. 受付番号", i["receipt"] or "—"),
        ("3. 代表事業者", i["addressee"]),
        ("4. 共同事業者", "、".join(i["partners"]) or "—"),
        ("5. 交付決定額", f"金 {i['amount_jpy']:,} 円"),
        ("6. 補助率", _rate(i["rate"])),
        ("7. 補助事業の完了期限", _date_ja(i["completion_due"])),
    ]
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_heading("8. 補助対象経費の配分(別表1 第1欄の区分ごと、年度別、円)", level=1)
    years = sorted(i["budget"])
    grid = doc.add_table(rows=1, cols=len(years) + 2)
    grid.style = "Table Grid"
    head = grid.rows[0].cells
    head[0].text = "区分"
    for n, fy in enumerate(years, start=1):
        head[n].text = f"{fy}年度"
    head[-1].text = "合計"
    for cat, name in CATEGORY_JA.items():
        cells = grid.add_row().cells
        cells[0].text = name
        for n, fy in enumerate(years, start=1):
            cells[n].text = f"{i['budget'][fy].get(cat, 0):,}"
        cells[-1].text = f"{sum(i['budget'][fy].get(cat, 0) for fy in years):,}"
    total = grid.add_row().cells
    total[0].text = "合計"
    for n, fy in enumerate(years, start=1):
        total[n].text = f"{sum(i['budget'][fy].values()):,}"
    total[-1].text = f"{sum(sum(r.values()) for r in i['budget'].values()):,}"
    doc.add_heading("9. 交付の条件と留意事項", level=1)
    for text in (
        "(1) 交付決定額及び補助率を上限とします(公募要領2.(9))。",
        "(2) 発注日は交付決定日以降としてください(公募要領4.(3)①)。相手先は、遂行上著しく困難又は"
        "不適当である場合を除き、競争原理が働くような手続によって決定してください(4.(3)②)。"
        "当該年度に行われた委託等は、原則として当該年度中に支払及び精算を行ってください(4.(3)③)。",
        "(3) 補助金の額を変更する場合は、あらかじめ変更交付申請書を提出し承認を受けてください"
        "(4.(4)1))。上記8.の区分ごとの配分額を変更する場合(いずれか低い額の15%以内の変更を除く)"
        "及び事業内容を変更する場合(軽微な変更を除く)は、あらかじめ計画変更承認申請書を提出し"
        "承認を受けてください(4.(4)2))。",
        "(4) 補助事業を中止し又は廃止しようとする場合(期限内に完了しない場合を含む)は、"
        "承認申請書を提出して承認を受けてください(4.(10))。",
        "(5) 国の会計年度が終了したときは、翌年度4月10日までに年度終了実績報告書を提出して"
        "ください(4.(6)①)。補助事業が完了したときは、完了実績報告書を提出してください(4.(6)②)。",
    ):
        doc.add_paragraph(text)
    review = [f for f in i["findings"] if f.get("status") == "needs_review"]
    if review:
        doc.add_heading("10. 審査上の留意点", level=1)
        for f in review:
            doc.add_paragraph(f"{f['ja']['clause']}: {f['ja']['message']}")
    doc.add_paragraph("以上").alignment = 2
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def notice_filename(grant: Any) -> str:
    return f"decision_{grant.decision.number}.docx"
