//! The settlement statement a partner receives when its cycle closes.

use settle_core::display::amount;
use settle_core::partner::Partner;
use settle_core::settlement::{SettlementRecord, Taxation};

use super::Email;
use super::templates::by_language;

/// "Your settlement for {period}": the sums, what is withheld, what is paid and when.
pub fn settlement_statement(
    tenant_name: &str,
    partner: &Partner,
    record: &SettlementRecord,
) -> Email {
    let code = record.currency.code();
    let money = |value| format!("{code} {}", amount(record.currency, value));
    let t = &record.totals;
    let period = format!("{} ~ {}", record.period_start, record.period_end);
    let name = &partner.data.contact.name;
    let withheld = match record.taxation {
        Taxation::Withholding { .. } => by_language(
            partner.data.language,
            format!(
                "원천징수 소득세: {}\n원천징수 지방소득세: {}\n",
                money(t.withholding.income_tax),
                money(t.withholding.local_income_tax)
            ),
            format!(
                "Income tax withheld: {}\nLocal income tax withheld: {}\n",
                money(t.withholding.income_tax),
                money(t.withholding.local_income_tax)
            ),
        ),
        _ => String::new(),
    };
    Email {
        to: partner.data.contact.email.clone(),
        subject: by_language(
            partner.data.language,
            format!("[{tenant_name}] 정산 명세 {period} ({})", money(t.payout)),
            format!(
                "[{tenant_name}] Settlement statement {period} ({})",
                money(t.payout)
            ),
        ),
        body: by_language(
            partner.data.language,
            format!(
                "{name} 담당자님,\n\n{period} 정산이 마감되었습니다 ({id}).\n\n\
                 판매금액: {sales}\n수수료: {fees}\n판매자 부담 할인: {discounts}\n\
                 조정: {adjustments}\n정산금액: {owed}\n{withheld}지급액: {payout}\n\
                 지급 예정일: {date}\n\n감사합니다.\n",
                id = record.id,
                sales = money(t.sales),
                fees = money(t.fees),
                discounts = money(t.partner_discounts),
                adjustments = money(t.adjustments),
                owed = money(t.owed),
                payout = money(t.payout),
                date = record.payout_date,
            ),
            format!(
                "Dear {name},\n\nyour settlement for {period} is closed ({id}).\n\n\
                 Sales: {sales}\nFees: {fees}\nDiscounts you bear: {discounts}\n\
                 Adjustments: {adjustments}\nOwed to you: {owed}\n{withheld}Payout: {payout}\n\
                 Payout date: {date}\n\nThank you.\n",
                id = record.id,
                sales = money(t.sales),
                fees = money(t.fees),
                discounts = money(t.partner_discounts),
                adjustments = money(t.adjustments),
                owed = money(t.owed),
                payout = money(t.payout),
                date = record.payout_date,
            ),
        ),
        attachments: Vec::new(),
    }
}
