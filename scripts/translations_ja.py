"""Fill the Japanese UI catalogue (src/renkei/locale/ja/LC_MESSAGES/django.po) from this table.

Workflow: `django-admin makemessages -l ja` (needs GNU gettext) to collect new strings, add their
Japanese here, run this script, then `django-admin compilemessages`. The test suite checks that
every string is translated and that the compiled catalogue is up to date.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "src/renkei/locale/ja/LC_MESSAGES/django.po"

JA = {
    "Accounts": "アカウント",
    "Applicant": "応募者",
    "Program office": "事務局(センター)",
    "Reviewer": "審査委員",
    "JCM secretariat": "JCM事務局",
    "Joint Committee contact": "合同委員会担当者",
    "Company": "企業",
    "Japanese municipality": "日本の自治体",
    "Partner city": "海外パートナー都市",
    "Public agency": "公的機関",
    "Other": "その他",
    "name": "名称",
    "English name": "英語名",
    "country (ISO 3166-1 alpha-2)": "国(ISO 3166-1 2文字コード)",
    "kind": "種別",
    "sample data": "サンプルデータ",
    "organisation": "組織",
    "organisations": "組織",
    "role": "役割",
    "country of the Joint Committee": "合同委員会の国",
    "Pending": "受付中",
    "Issued": "発行済み",
    "Rejected": "却下",
    "country": "国",
    "contact person": "担当者",
    "email": "メールアドレス",
    "requested at": "申請日時",
    "account request": "アカウント申請",
    "Only the program office issues accounts.": "アカウントを発行できるのはセンターのみです。",
    "This request has already been handled.": "この申請は処理済みです。",
    "An account for %(email)s already exists.": "%(email)s のアカウントは既に存在します。",
    "Your Renkei account has been issued. Set your password and log in here: %(link)s": "Renkeiのアカウントを発行しました。次のリンクからパスワードを設定してログインしてください:"
    "%(link)s",
    "[Renkei] Your account": "【Renkei】アカウント発行のお知らせ",
    "This link is no longer valid": "このリンクは無効です",
    "Login links work once. Ask the program office to send a new one.": "ログイン用リンクは1回のみ有効です。センターに再発行を依頼してください。",
    "Log in": "ログイン",
    "Request an application account": "電子申請アカウントの申請",
    "Send request": "申請する",
    "Set your password": "パスワードの設定",
    "Set password": "パスワードを設定",
    "Organisation": "組織名",
    "Country (ISO code)": "国(ISOコード)",
    "Contact person": "担当者名",
    "Email": "メールアドレス",
    "Your request was received. The office will email you a login link when the account is "
    "issued.": "申請を受け付けました。アカウント発行後、センターからログイン用リンクをメールでお送りします。",
    "Your password is set.": "パスワードを設定しました。",
    "Audit trail": "監査ログ",
    "at": "日時",
    "actor": "実行者",
    "object type": "対象の種類",
    "object id": "対象ID",
    "action": "操作",
    "from": "変更前",
    "to": "変更後",
    "what": "内容",
    "audit event": "監査イベント",
    "Calls": "公募",
    "JCM Model Project": "JCM設備補助事業",
    "City-to-City Collaboration (C3P)": "都市間連携事業(C3P)",
    "rulebook": "ルールブック",
    "program": "事業",
    "title (Japanese)": "名称(日本語)",
    "title (English)": "名称(英語)",
    "opens at": "公募開始",
    "closes at": "公募終了",
    "budget (JPY)": "予算額(円)",
    "call": "公募",
    "code": "コード",
    "name (Japanese)": "名称(日本語)",
    "name (English)": "名称(英語)",
    "proposal deadline": "提案書締切",
    "round": "締切回",
    "Proposals": "提案",
    "representative participant": "代表事業者",
    "project title": "事業名",
    "host country": "実施国",
    "technologies": "技術",
    "needs an account": "アカウントが必要",
    "registered at": "登録日時",
    "pre-registration": "応募案件事前登録",
    "Draft": "作成中",
    "Submitted": "申請済み",
    "Open for revision": "修正受付中",
    "title": "事業名",
    "state": "状態",
    "proposal document": "提案内容",
    "submitted at": "申請日時",
    "receipt number": "受付番号",
    "proposal": "提案",
    "document": "書類",
    "attachment": "添付書類",
    "You are not allowed to do this.": "この操作を行う権限がありません。",
    "Pre-registration for the %(deadline)s deadline closed on %(due)s (two weeks before the "
    "deadline, 5.(1)). Choose a later round.": "締切 %(deadline)s 分の事前登録は %(due)s(締切の2週間前、公募要領5.(1))で終了しました。"
    "後の締切回を選んでください。",
    "%(name)s: files of this type are not accepted; use one of %(types)s": "%(name)s:この形式のファイルは受け付けていません。次のいずれかにしてください:%(types)s",
    "%(name)s is %(size)s bytes; the limit is %(limit)s bytes": "%(name)s は %(size)s バイトです。上限は %(limit)s バイトです。",
    "%(name)s does not look like a %(ext)s file; check the file": "%(name)s は %(ext)s ファイルの内容ではないようです。ファイルを確認してください。",
    "This submission key belongs to another proposal.": "この申請キーは別の提案のものです。",
    "The deadline of %(round)s was %(deadline)s JST; submissions are no longer accepted for it.": "%(round)s の締切は %(deadline)s(日本時間)でした。この締切回への申請は受け付けられません。",
    "The proposal is not complete; correct these and submit again.": "提案内容に不備があります。次の点を修正して再度申請してください。",
    "Proposal “%(title)s” was received. Receipt number: %(receipt)s": "提案「%(title)s」を受理しました。受付番号:%(receipt)s",
    "[Renkei] Proposal received": "【Renkei】提案受理のお知らせ",
    "Give the reason for allowing a revision.": "修正を認める理由を入力してください。",
    "The document is not complete yet": "提案内容はまだ完成していません",
    "Assessment": "審査基準による確認",
    "Maximum subsidy": "補助金上限額",
    "Cost-effectiveness": "費用対効果",
    "Computed score": "算定された点数",
    "New proposal": "新規提案",
    "Create draft": "下書きを作成",
    "sample": "サンプル",
    "State": "状態",
    "Receipt number": "受付番号",
    "Submitted at (JST)": "申請日時(日本時間)",
    "Representative participant": "代表事業者",
    "Edit": "編集",
    "Reason for allowing a revision": "修正を認める理由",
    "Versions": "申請履歴",
    "Not submitted yet.": "未申請です。",
    "Attachments (form 6)": "添付書類(様式6)",
    "No attachments yet.": "添付書類はまだありません。",
    "Deadline (JST)": "締切(日本時間)",
    "Proposal document (YAML; fields are described by `renkei schema`)": "提案内容(YAML形式。項目は `renkei schema` で確認できます)",
    "Save draft": "下書き保存",
    "Document": "書類",
    "Other reference material": "その他参考資料",
    "Upload": "アップロード",
    "Submit": "申請",
    "Submitting locks the proposal. Later changes are possible only if the office opens a "
    "revision.": "申請すると提案は編集できなくなります。以後の修正はセンターが修正受付を開いた場合に限られます。",
    "Submit proposal": "申請する",
    "Pre-registration": "事前登録",
    "Pre-registration of a planned proposal": "応募案件事前登録",
    "Pre-registration must be completed at least two weeks before the proposal deadline it "
    "targets (call 5.(1)).": "事前登録は、対象とする提案書締切日の2週間前までに完了してください(公募要領5.(1))。",
    "Register": "登録する",
    "Deadline targeted": "対象とする締切",
    "Project title": "事業名",
    "Host country (ISO code)": "実施国(ISOコード)",
    "Technologies (comma separated)": "技術(カンマ区切り)",
    "We need an application account": "電子申請アカウントが必要",
    "Pre-registration received.": "事前登録を受け付けました。",
    "This proposal is locked; the office can open it for revision.": "この提案は申請済みのため編集できません。修正はセンターが修正受付を開いた場合に可能です。",
    "the document must be a mapping of fields": "提案内容は項目と値の組で記載してください",
    "Draft saved.": "下書きを保存しました。",
    "Choose a file to upload.": "アップロードするファイルを選んでください。",
    "File uploaded.": "ファイルをアップロードしました。",
    "Submitted. Receipt number: %(receipt)s": "申請しました。受付番号:%(receipt)s",
    "The proposal is open for revision.": "提案の修正受付を開きました。",
    "Japanese": "日本語",
    "English": "英語",
    "Not allowed": "権限がありません",
    "You are not allowed to do this. If you think you should be, contact the program office.": "この操作を行う権限がありません。権限が必要な場合はセンターにお問い合わせください。",
    "Not found": "ページが見つかりません",
    "This page does not exist, or you are not allowed to see it.": "このページは存在しないか、閲覧する権限がありません。",
    "Back to the home page": "ホームに戻る",
    "Administration": "管理",
    "Language": "言語",
    "Log out": "ログアウト",
    "Demo": "デモ",
    "the platform runs as of %(demo_now)s so that the seed calls are open. Samples are not real "
    "applications.": "公募期間中として動作させるため、システムの時刻を %(demo_now)s に設定しています。"
    "サンプルは実際の応募ではありません。",
    "Home": "ホーム",
    "JCM Model Project and C3P calls": "JCM設備補助事業・都市間連携事業 公募",
    "Notices": "お知らせ",
    "Open rounds": "受付中の締切回",
    "Call": "公募",
    "Round": "締切回",
    "No round is open.": "受付中の締切回はありません。",
    "Title": "事業名",
    "Country": "国",
    "No proposals.": "提案はありません。",
    "Not found.": "見つかりません。",
    "Log in first: this operation needs the session cookie.": "ログインしてください(この操作にはセッションCookieが必要です)。",
    "CSRF check failed: send the csrftoken cookie's value in an X-CSRFToken header.": "CSRF検証に失敗しました。csrftoken Cookieの値を X-CSRFToken ヘッダーで送信してください。",
    "The request is not valid: %(first)s": "リクエストの内容が正しくありません:%(first)s",
    "There is no round %(id)s; choose one from GET /api/calls.": "締切回 %(id)s はありません。GET /api/calls から選んでください。",
    "Only applicants start proposals.": "提案を作成できるのは応募者のみです。",
    "Round %(id)s does not exist or no longer accepts proposals; choose an open round from GET /api/calls.": "締切回 %(id)s は存在しないか、受付を終了しています。GET /api/calls から受付中の締切回を選んでください。",
    "The document must not contain NUL (\\x00) characters.": "提案内容にNUL文字(\\x00)を含めることはできません。",
    "The Idempotency-Key header is required (for example a UUID).": "Idempotency-Key ヘッダーが必要です(例:UUID)。",
    "The Idempotency-Key header must be 1–80 printable ASCII characters.": "Idempotency-Key ヘッダーは印字可能なASCII文字で1〜80文字にしてください。",
    "Screening and review": "審査",
    "Meets the requirement": "要件を満たす",
    "Does not meet the requirement": "要件を満たさない",
    "basic screening": "基礎審査",
    "Only a submitted proposal can be screened.": "審査できるのは申請済みの提案のみです。",
    "Choose whether the requirement is met.": "要件を満たすかどうかを選んでください。",
    "This screening is complete; it can no longer be changed.": "この基礎審査は完了しているため、変更できません。",
    "Give the reason: the decision differs from the automatic result or the item needed the office's confirmation (%(clause)s).": "理由を入力してください。判定が自動判定と異なるか、センターの確認が必要な項目です(%(clause)s)。",
    "%(n)s item(s) still need a decision: %(clauses)s": "判定が未了の項目が%(n)s件あります:%(clauses)s",
    "Intake list": "受付一覧",
    "Filter": "絞り込み",
    "Basic screening": "基礎審査",
    "In progress": "審査中",
    "Not started": "未着手",
    "No submitted proposals.": "申請済みの提案はありません。",
    "Start basic screening": "基礎審査を開始",
    "This proposal cannot be screened in its current state.": "この提案は現在の状態では審査できません。",
    "Screening version %(n)s against %(rb)s v%(v)s. Items the machine could not decide need your decision and a reason; so does any decision that differs from the automatic result.": "申請版%(n)sを %(rb)s v%(v)s で審査しています。自動判定できない項目、及び自動判定と異なる判定には、判定と理由の入力が必要です。",
    "Clause": "条項",
    "Automatic result": "自動判定",
    "Finding": "内容",
    "Decision": "判定",
    "Reason": "理由",
    "Save": "保存",
    "Outcome": "結果",
    "Complete basic screening": "基礎審査を完了",
    "Basic screening completed: %(outcome)s": "基礎審査を完了しました:%(outcome)s",
    "The request body cannot be read: %(why)s": "リクエスト本文を読み取れません:%(why)s",
    "The rules could not compute with a figure in the document (%(error)s); check that every number is of a realistic size.": "提案内容の数値で計算できませんでした(%(error)s)。各数値が現実的な大きさか確認してください。",
    "The request body is not valid JSON: %(why)s": "リクエスト本文が正しいJSONではありません:%(why)s",
    "Pre-registration (5.(1)①) is a step of the JCM Model Project call only; %(call)s has none. Choose a JCM round.": "事前登録(5.(1)①)はJCM設備補助事業の公募のみの手続きです。%(call)s にはありません。JCMの締切回を選んでください。",
    "The document contains text that is not valid Unicode (a lone surrogate such as \\ud800); correct it and save again.": "提案内容に不正なUnicode文字(\\ud800 などの単独サロゲート)が含まれています。修正して再度保存してください。",
    "Pre-registration is a step of the JCM Model Project call (5.(1)); C3P proposals are submitted directly.": "事前登録はJCM設備補助事業の公募の手続きです(5.(1))。都市間連携事業の提案は直接申請してください。",
}


def main() -> int:
    po = polib.pofile(str(PO))
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        text = JA.get(entry.msgid)
        if text is None:
            missing.append(entry.msgid)
            continue
        entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.metadata["Language"] = "ja"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.save()
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    for m in missing:
        print(f"no Japanese for: {m!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
