"""Drives settle with the official Popbill SDK (popbill 1.64.2, linkhub 1.6.0), pointed at
it as the SDK's integrators do: the auth URL through linkhub's own setter, the API host by
swapping the HTTPS connection for plain HTTP to the same host and port. Prints what each
call answered as JSON.

usage: popbill_sdk.py HOST:PORT LINK_ID SECRET_KEY PLATFORM_BRN PARTNER_BRN STRANGER_BRN JOIN_BRN
"""

import http.client
import json
import sys
import types
from datetime import datetime, timedelta, timezone

import linkhub
import popbill.base as pbase
from linkhub import LinkhubException
from popbill import JoinForm, PopbillException, Taxinvoice, TaxinvoiceDetail, TaxinvoiceService

hostport, link_id, secret, platform, partner, stranger, joiner = sys.argv[1:8]
linkhub.authURL("http://" + hostport)
pbase.httpclient = types.SimpleNamespace(
    HTTPSConnection=lambda _host, *a, **k: http.client.HTTPConnection(hostport, timeout=30)
)

service = TaxinvoiceService(link_id, secret)
service.IsTest = True
service.IPRestrictOnOff = True
service.UseLocalTimeYN = True


def code_of(call):
    """The code a call raised, or "ok" when it raised nothing."""
    try:
        call()
        return "ok"
    except (PopbillException, LinkhubException) as error:
        return error.code


TODAY = datetime.now(timezone(timedelta(hours=9))).strftime("%Y%m%d")


def reverse_invoice(key):
    """A reverse-issued invoice the platform asks the partner for, as the examples build it."""
    return Taxinvoice(
        writeDate=TODAY, chargeDirection="정과금", issueType="역발행", purposeType="청구",
        taxType="과세", invoicerCorpNum=partner, invoicerMgtKey="", invoicerCorpName="가나상사",
        invoicerCEOName="김대표", invoiceeType="사업자", invoiceeCorpNum=platform,
        invoiceeMgtKey=key, invoiceeCorpName="테스트 플랫폼", invoiceeCEOName="박대표",
        supplyCostTotal="100000", taxTotal="10000", totalAmount="110000",
        detailList=[TaxinvoiceDetail(serialNum=1, purchaseDT=TODAY, itemName="판매 정산",
                                     qty=1, unitCost="100000", supplyCost="100000", tax="10000")],
    )


out = {
    "platform_member": service.checkIsMember(platform).code,
    "partner_member": service.checkIsMember(partner).code,
    "stranger_member": service.checkIsMember(stranger).code,
    "balance": service.getBalance(platform),
    "partner_balance": service.getBalance(partner),
    "certificate_expiration": service.getCertificateExpireDate(platform).strftime("%Y%m%d%H%M%S"),
    "certificate_check": service.checkCertValidation(platform).code,
    "partner_certificate": code_of(lambda: service.getCertificateExpireDate(partner)),
    "stranger_token": code_of(lambda: service.getBalance(stranger)),
    "wrong_secret": code_of(
        lambda: linkhub.generateToken(
            link_id, "SwWxqU+0TErBXy/9TVjIPEnI0VTUMMSQZtJf3Ed8q3I=", "POPBILL_TEST",
            platform, ["member", "110"],
        )
    ),
    "unknown_link": code_of(
        lambda: linkhub.generateToken(
            "NOSUCHLINK", secret, "POPBILL_TEST", platform, ["member", "110"],
        )
    ),
}

steps = out["reverse"] = {}
steps["regist_request"] = service.registRequest(platform, reverse_invoice("PB-1"), "요청합니다").code
steps["requested_state"] = service.getInfo(platform, "BUY", "PB-1").stateCode
steps["partner_sees"] = service.getInfo(partner, "SELL", "PB-1").stateCode
steps["in_use"] = service.checkMgtKeyInUse(platform, "BUY", "PB-1")
steps["cancel_request"] = service.cancelRequest(platform, "BUY", "PB-1", "취소합니다").code
steps["cancelled_state"] = service.getInfo(platform, "BUY", "PB-1").stateCode
steps["cancel_again"] = code_of(lambda: service.cancelRequest(platform, "BUY", "PB-1", "다시"))
steps["delete"] = service.delete(platform, "BUY", "PB-1").code
steps["in_use_after_delete"] = service.checkMgtKeyInUse(platform, "BUY", "PB-1")
steps["unknown_key"] = code_of(lambda: service.getInfo(platform, "BUY", "NOPE"))
steps["regist_again"] = service.registRequest(platform, reverse_invoice("PB-1")).code
steps["partner_cannot_request"] = code_of(
    lambda: service.registRequest(partner, reverse_invoice("PB-2"))
)

seller = out["seller"] = {}
seller["issued"] = service.issue(partner, "SELL", "PB-1", "발행합니다").ntsConfirmNum
seller["issued_state"] = service.getInfo(partner, "SELL", "PB-1").stateCode
seller["issue_again"] = code_of(lambda: service.issue(partner, "SELL", "PB-1"))
service.registRequest(platform, reverse_invoice("PB-3"))
seller["platform_cannot_issue"] = code_of(lambda: service.issue(platform, "SELL", "PB-3"))
service.refuse(partner, "SELL", "PB-3", "금액이 다릅니다")
seller["refused_state"] = service.getInfo(platform, "BUY", "PB-3").stateCode
seller["send_to_nts"] = service.sendToNTS(partner, "SELL", "PB-1").code
seller["filed_state"] = service.getInfo(platform, "BUY", "PB-1").stateCode
seller["logs"] = [log.docLogType for log in service.getLogs(platform, "BUY", "PB-1")]
seller["xml"] = service.getXML(partner, "SELL", "PB-1").retObject
detail = service.getDetailInfo(platform, "BUY", "PB-1")
seller["detail"] = {
    "ntsconfirmNum": detail.ntsconfirmNum,
    "totalAmount": detail.totalAmount,
    "items": [(d.itemName, d.supplyCost, d.tax) for d in detail.detailList],
}
found = service.search(
    platform, "BUY", "W", TODAY, TODAY, ["3**", "400"], None, None, None, None, None, None, 1, 10, "A"
)
seller["search"] = [found.total, sorted(i.invoiceeMgtKey for i in found.list)]
seller["partner_search"] = service.search(
    partner, "SELL", "W", TODAY, TODAY, ["2**"], None, None, None, None, None, None, 1, 10, "D"
).total
seller["infos"] = sorted(
    (i.invoiceeMgtKey, i.stateCode) for i in service.getInfos(platform, "BUY", ["PB-1", "PB-3", "NOPE"])
)
drafts = out["drafts"] = {}
drafts["register"] = service.register(platform, reverse_invoice("PB-D")).code
drafts["registered_state"] = service.getInfo(platform, "BUY", "PB-D").stateCode
larger = reverse_invoice("PB-D")
larger.supplyCostTotal, larger.taxTotal, larger.totalAmount = "200000", "20000", "220000"
larger.detailList[0].unitCost = larger.detailList[0].supplyCost = "200000"
larger.detailList[0].tax = "20000"
drafts["update"] = service.update(platform, "BUY", "PB-D", larger).code
drafts["updated_total"] = service.getDetailInfo(platform, "BUY", "PB-D").totalAmount
drafts["request"] = service.request(platform, "BUY", "PB-D", "요청합니다").code
drafts["requested_state"] = service.getInfo(platform, "BUY", "PB-D").stateCode
drafts["update_requested"] = code_of(lambda: service.update(platform, "BUY", "PB-D", larger))
drafts["view_url"] = service.getViewURL(platform, "BUY", "PB-D")
drafts["pdf_url"] = service.getPDFURL(platform, "BUY", "PB-D")
drafts["box_url"] = service.getURL(platform, None, "TBOX")
drafts["partner_url"] = code_of(lambda: service.getPopUpURL(partner, "SELL", "PB-D"))
drafts["assign_key"] = code_of(
    lambda: service.assignMgtKey(platform, "BUY", "022072217590500001", "PB-X")
)

forward = reverse_invoice("")
forward.issueType, forward.purposeType = "정발행", "영수"
forward.invoicerMgtKey, forward.invoiceeMgtKey = "PB-F", ""
self_issued = out["regist_issue"] = {}
self_issued["platform_cannot"] = code_of(lambda: service.registIssue(platform, forward))
self_issued["confirm"] = service.registIssue(partner, forward, memo="바로 발행").ntsConfirmNum
self_issued["state"] = service.getInfo(partner, "SELL", "PB-F").stateCode
self_issued["platform_sees"] = service.getInfo(platform, "BUY", "PB-F").stateCode
self_issued["again"] = code_of(lambda: service.registIssue(partner, forward))

joined = out["join"] = {}
joined["before"] = service.checkIsMember(joiner).code
joined["join"] = service.joinMember(JoinForm(
    ID="newpartner", Password="unused-password", CorpNum=joiner, CEOName="최대표",
    CorpName="새파트너", Addr="부산광역시 해운대구", BizType="도소매", BizClass="잡화",
    ContactName="정담당", ContactEmail="tax@joiner.example", ContactTEL="051-000-0000",
)).code
joined["after"] = service.checkIsMember(joiner).code
joined["join_again"] = service.joinMember(JoinForm(CorpNum=joiner, CorpName="새파트너")).code
print(json.dumps(out))
