//! The messages, in Korean with an English line for foreign readers. Each function returns
//! the emails one event causes; a party without an address simply gets none.

use rust_decimal::Decimal;
use settle_core::tax_invoice::{Direction, TaxInvoiceRecord, TaxInvoiceState};
use time::OffsetDateTime;

use settle_core::billing::Document;
use settle_core::display;
use settle_core::language::Language;
use settle_core::partner::Partner;
use time::Date;

use super::{Attachment, Email};

/// "Registration complete" to a partner just linked with the filing service.
pub fn partner_linked(tenant_name: &str, partner_name: &str, to: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("[{tenant_name}] 전자세금계산서 국세청 연동 등록 완료"),
        body: format!(
            "{partner_name} 담당자님,\n\n{tenant_name}의 전자세금계산서 역발행을 위한 국세청 연동 \
             등록이 완료되었습니다.\n이제 {tenant_name}이(가) 요청하는 세금계산서를 이메일의 링크로 \
             확인하고 발행할 수 있습니다.\n\nYour business is now registered for reverse-issued \
             e-tax invoices from {tenant_name}.\n"
        ),
        attachments: Vec::new(),
    }
}

/// The invitation of a staff user, with its one-time link to set a password.
pub fn user_invited(tenant_name: &str, link: &str, expires: OffsetDateTime, to: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("[{tenant_name}] settle 계정 초대"),
        body: format!(
            "{tenant_name}의 settle 계정에 초대되었습니다.\n아래 링크를 열어 비밀번호를 정하면 \
             로그인됩니다. 링크는 한 번만 쓸 수 있습니다.\n{link}\n(링크 유효기간: {} 까지)\n\n\
             You have been invited to {tenant_name} on settle. Open the link once to set your \
             password and sign in.\n",
            korean_date(expires),
        ),
        attachments: Vec::new(),
    }
}

/// The issuance request to the supplier, with the link that opens its pages.
pub fn issue_request(
    record: &TaxInvoiceRecord,
    link: &str,
    link_expires: OffsetDateTime,
    to: &str,
) -> Email {
    let doc = &record.document;
    Email {
        to: to.to_owned(),
        subject: format!(
            "[{}] 세금계산서 발행 요청 ({}, 합계 {}원)",
            doc.buyer.name,
            record.document_key,
            won(doc.total)
        ),
        body: format!(
            "{} 담당자님,\n\n{}에서 아래 세금계산서의 발행(승인)을 요청했습니다.\n\n{}\n\
             아래 링크를 열고 사업자등록번호를 입력하면 내용을 확인하고 발행하거나 거부할 수 \
             있습니다.\n{link}\n(링크 유효기간: {} 까지)\n\n{} asks you to issue this tax \
             invoice. Open the link and enter your business registration number.\n",
            doc.supplier.name,
            doc.buyer.name,
            summary(record),
            korean_date(link_expires),
            doc.buyer.name,
        ),
        attachments: Vec::new(),
    }
}

/// A state change the other party should hear of (issued, refused, cancelled).
pub fn state_changed(record: &TaxInvoiceRecord, memo: Option<&str>) -> Vec<Email> {
    let doc = &record.document;
    let (headline, english, recipients) = match record.state {
        TaxInvoiceState::Issued => (
            "세금계산서가 발행되었습니다",
            "The tax invoice was issued",
            vec![&doc.buyer.contact.email, &doc.supplier.contact.email],
        ),
        TaxInvoiceState::Refused => (
            "공급자가 세금계산서 발행을 거부했습니다",
            "The supplier refused to issue the tax invoice",
            vec![&doc.buyer.contact.email],
        ),
        TaxInvoiceState::RequestCancelled => (
            "세금계산서 발행 요청이 취소되었습니다",
            "The request to issue the tax invoice was withdrawn",
            vec![&doc.supplier.contact.email],
        ),
        TaxInvoiceState::IssueCancelled => (
            "발행된 세금계산서가 취소되었습니다",
            "The issued tax invoice was cancelled",
            vec![&doc.buyer.contact.email],
        ),
        _ => return Vec::new(),
    };
    // The platform names itself: the buyer of reverse-issued invoices, the supplier of
    // forward-issued ones.
    let platform = match record.direction {
        Direction::Reverse => &doc.buyer.name,
        Direction::Forward => &doc.supplier.name,
    };
    let mut details = summary(record);
    if let Some(number) = &record.approval_number {
        details.push_str(&format!("승인번호: {number}\n"));
    }
    if let Some(memo) = memo {
        details.push_str(&format!("메모: {memo}\n"));
    }
    recipients
        .into_iter()
        .flatten()
        .map(|to| Email {
            to: to.clone(),
            subject: format!("[{platform}] {headline} ({})", record.document_key),
            body: format!("{headline}.\n\n{details}\n{english}.\n"),
            attachments: Vec::new(),
        })
        .collect()
}

/// Most documents listed one by one in a filing report.
const MAX_LISTED: usize = 200;

/// One filing report to one party: what a batch (or a single `send-to-nts`) filed for it.
/// `records` are the filed invoices as they now are (`sent` or `send_failed`).
pub fn filing_report(party_name: &str, records: &[&TaxInvoiceRecord], to: &str) -> Email {
    let sent = records
        .iter()
        .filter(|r| r.state == TaxInvoiceState::Sent)
        .count();
    let failed = records.len() - sent;
    let buyer = records
        .first()
        .map(|r| r.document.buyer.name.as_str())
        .unwrap_or_default();
    let mut lines = String::new();
    for record in records.iter().take(MAX_LISTED) {
        lines.push_str(&format!(
            "{} | {} | {} | {}원 | {}\n",
            record.document_key,
            record.approval_number.as_deref().unwrap_or("-"),
            record.document.supplier.name,
            won(record.document.total),
            record.nts_result_code.as_deref().unwrap_or("-"),
        ));
    }
    if records.len() > MAX_LISTED {
        lines.push_str(&format!("… 외 {}건\n", records.len() - MAX_LISTED));
    }
    Email {
        to: to.to_owned(),
        subject: format!("[{buyer}] 세금계산서 국세청 전송 결과: 성공 {sent}건, 실패 {failed}건"),
        body: format!(
            "{party_name} 담당자님,\n\n세금계산서 {}건을 국세청에 전송했습니다. 성공 {sent}건, 실패 \
             {failed}건.\n\n문서번호 | 승인번호 | 공급자 | 합계 | 결과\n{lines}\nNTS filing result: \
             {sent} accepted, {failed} refused (SUC001 = accepted).\n",
            records.len()
        ),
        attachments: Vec::new(),
    }
}

fn summary(record: &TaxInvoiceRecord) -> String {
    let doc = &record.document;
    let first = doc.lines.first().map(|l| l.name.as_str()).unwrap_or("");
    let items = match doc.lines.len() {
        0 | 1 => first.to_owned(),
        n => format!("{first} 외 {}건", n - 1),
    };
    format!(
        "문서번호: {}\n작성일자: {}\n공급자: {} ({})\n공급받는자: {} ({})\n품목: {items}\n\
         공급가액: {}원\n세액: {}원\n합계금액: {}원\n",
        record.document_key,
        doc.write_date,
        doc.supplier.name,
        doc.supplier.brn,
        doc.buyer.name,
        doc.buyer.brn,
        won(doc.supply_total),
        won(doc.tax_total),
        won(doc.total),
    )
}

/// Whole won with thousands separators: `1,234,567`, `-500`.
pub fn won(amount: Decimal) -> String {
    settle_core::display::grouped(amount.trunc())
}

fn korean_date(at: OffsetDateTime) -> String {
    let local = at.to_offset(settle_core::KST);
    format!(
        "{} {:02}:{:02} (KST)",
        local.date(),
        local.hour(),
        local.minute()
    )
}

/// To a tenant admin: a webhook endpoint was disabled after three days of failed deliveries.
pub fn webhook_disabled(to: &str, endpoint: &settle_core::webhook::WebhookEndpoint) -> Email {
    Email {
        to: to.to_owned(),
        subject: "[settle] 웹훅 엔드포인트 비활성화 / Webhook endpoint disabled".to_owned(),
        body: format!(
            "웹훅 엔드포인트 {url} ({id})가 3일 동안 전달에 실패하여 비활성화되었습니다.\n\
             엔드포인트를 고친 뒤 다시 활성화하면 실패한 이벤트를 재전송할 수 있습니다.\n\n\
             The webhook endpoint {url} ({id}) failed every delivery for three days and was \
             disabled.\nFix it, enable it again, and redeliver the events it missed.\n",
            url = endpoint.url,
            id = endpoint.id,
        ),
        attachments: Vec::new(),
    }
}

/// A partner's words: the Korean text or the English one, by the partner's language.
pub(crate) fn by_language(language: Language, ko: String, en: String) -> String {
    match language {
        Language::Ko => ko,
        Language::En => en,
    }
}

/// `USD 1,234.50`.
fn money(document: &Document, amount: Decimal) -> String {
    format!(
        "{} {}",
        document.currency.code(),
        display::amount(document.currency, amount)
    )
}

/// "Your invoice is ready" to a partner, with the invoice's PDF attached.
pub fn invoice_ready(
    tenant_name: &str,
    partner: &Partner,
    doc: &Document,
    pdf: Attachment,
) -> Email {
    let number = doc.number.as_deref().unwrap_or_default();
    let total = money(doc, doc.totals.total);
    let due = doc.due_date.map(|d| d.to_string()).unwrap_or_default();
    let (subject, body) = match partner.data.language {
        Language::Ko => (
            format!("[{tenant_name}] 청구서 {number} 발행 ({total})"),
            format!(
                "{} 담당자님,\n\n{tenant_name}의 청구서 {number}이(가) 발행되었습니다.\n\
                 합계: {total}\n마감일: {due}\n\n청구서 PDF를 첨부합니다. 결제 시 청구서 번호 \
                 {number}을(를) 기재해 주십시오.\n",
                partner.data.contact.name
            ),
        ),
        Language::En => (
            format!("[{tenant_name}] Invoice {number} is ready ({total})"),
            format!(
                "Dear {},\n\n{tenant_name} has issued invoice {number}.\nTotal: {total}\n\
                 Due date: {due}\n\nThe invoice is attached as PDF. Please cite invoice number \
                 {number} with your payment.\n",
                partner.data.contact.name
            ),
        ),
    };
    Email {
        to: partner.data.contact.email.clone(),
        subject,
        body,
        attachments: vec![pdf],
    }
}

/// "Payment received" to a partner.
pub fn payment_received(
    tenant_name: &str,
    partner: &Partner,
    amount: &str,
    paid_on: Date,
    reference: &str,
) -> Email {
    let name = &partner.data.contact.name;
    Email {
        to: partner.data.contact.email.clone(),
        subject: by_language(
            partner.data.language,
            format!("[{tenant_name}] 결제 확인 ({amount})"),
            format!("[{tenant_name}] Payment received ({amount})"),
        ),
        body: by_language(
            partner.data.language,
            format!(
                "{name} 담당자님,\n\n{paid_on}에 받은 {amount}의 결제를 확인했습니다.\n\
                 참조: {reference}\n\n감사합니다.\n"
            ),
            format!(
                "Dear {name},\n\nwe received your payment of {amount} on {paid_on}.\n\
                 Reference: {reference}\n\nThank you.\n"
            ),
        ),
        attachments: Vec::new(),
    }
}

/// The one reminder of an unpaid invoice, some days after its due date.
pub fn overdue_reminder(tenant_name: &str, partner: &Partner, doc: &Document) -> Email {
    let number = doc.number.as_deref().unwrap_or_default();
    let due = doc.due_date.map(|d| d.to_string()).unwrap_or_default();
    let outstanding = money(doc, doc.outstanding());
    let name = &partner.data.contact.name;
    Email {
        to: partner.data.contact.email.clone(),
        subject: by_language(
            partner.data.language,
            format!("[{tenant_name}] 청구서 {number} 결제 기한 경과 안내"),
            format!("[{tenant_name}] Invoice {number} is overdue"),
        ),
        body: by_language(
            partner.data.language,
            format!(
                "{name} 담당자님,\n\n청구서 {number}의 결제 기한({due})이 지났습니다.\n\
                 미납 금액: {outstanding}\n\n결제 시 청구서 번호 {number}을(를) 기재해 \
                 주십시오. 이미 결제하셨다면 이 메일은 무시하셔도 됩니다.\n"
            ),
            format!(
                "Dear {name},\n\ninvoice {number} was due on {due}.\nOutstanding: \
                 {outstanding}\n\nPlease pay citing invoice number {number}. If you have \
                 paid already, please disregard this message.\n"
            ),
        ),
        attachments: Vec::new(),
    }
}

/// A certificate registered with settle ends within 30 days.
pub fn certificate_expiring(
    to: &str,
    holder: &str,
    subject: &str,
    not_after: OffsetDateTime,
    language: Language,
) -> Email {
    let ends = korean_date(not_after);
    Email {
        to: to.to_owned(),
        subject: by_language(
            language,
            format!("[settle] 공동인증서 만료 예정 ({ends})"),
            format!("[settle] Your certificate expires on {ends}"),
        ),
        body: by_language(
            language,
            format!(
                "{holder} 담당자님,\n\n등록하신 공동인증서({subject})가 {ends}에 만료됩니다.\n\
                 만료 후에는 세금계산서를 발행할 수 없으니 갱신한 인증서를 다시 등록해 주십시오.\n"
            ),
            format!(
                "Dear {holder},\n\nthe certificate you registered ({subject}) expires on \
                 {ends}.\nAfter that, tax invoices cannot be issued with it: please register \
                 the renewed certificate.\n"
            ),
        ),
        attachments: Vec::new(),
    }
}

/// The HTML part of a message: its plain text, escaped, in paragraphs, with its links
/// made clickable — so both parts always say the same.
pub fn html(body: &str) -> String {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let line = |text: &str| {
        text.split(' ')
            .map(|word| {
                if word.starts_with("https://") || word.starts_with("http://") {
                    let href = escape(word);
                    format!("<a href=\"{href}\">{href}</a>")
                } else {
                    escape(word)
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let paragraphs: Vec<String> = body
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            format!(
                "<p>{}</p>",
                p.lines().map(line).collect::<Vec<_>>().join("<br>\n")
            )
        })
        .collect();
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"></head>\n\
         <body style=\"font-family: sans-serif; line-height: 1.5\">\n{}\n</body></html>\n",
        paragraphs.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_part_escapes_the_text_and_links_its_urls() {
        let html = html("a <b> & c\nnext line\n\nsee https://x.example/s/t?a=1&b=2");
        assert!(
            html.contains("<p>a &lt;b&gt; &amp; c<br>\nnext line</p>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://x.example/s/t?a=1&amp;b=2\">"),
            "{html}"
        );
    }

    #[test]
    fn won_groups_thousands() {
        assert_eq!(won(Decimal::new(1_234_567, 0)), "1,234,567");
        assert_eq!(won(Decimal::new(-500, 0)), "-500");
        assert_eq!(won(Decimal::new(1000, 0)), "1,000");
        assert_eq!(won(Decimal::ZERO), "0");
    }
}
