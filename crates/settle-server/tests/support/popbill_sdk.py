"""Drives settle with the official Popbill SDK (popbill 1.64.2, linkhub 1.6.0), pointed at
it as the SDK's integrators do: the auth URL through linkhub's own setter, the API host by
swapping the HTTPS connection for plain HTTP to the same host and port. Prints what each
call answered as JSON.

usage: popbill_sdk.py HOST:PORT LINK_ID SECRET_KEY PLATFORM_BRN PARTNER_BRN STRANGER_BRN
"""

import http.client
import json
import sys
import types

import linkhub
import popbill.base as pbase
from linkhub import LinkhubException
from popbill import PopbillException, TaxinvoiceService

hostport, link_id, secret, platform, partner, stranger = sys.argv[1:7]
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
print(json.dumps(out))
