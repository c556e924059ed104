//! The tax invoice as the API shows it and as clients send it.

use serde::{Deserialize, Serialize};
use settle_core::KST;
use settle_core::money::DecimalInput;
use settle_core::tax_invoice::{
    InvoiceParty, TaxInvoiceInput, TaxInvoiceLine, TaxInvoiceLineInput, TaxInvoiceRecord,
};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// One line as shown.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct LineView {
    /// Supply date.
    pub date: String,
    /// Item name.
    pub name: String,
    /// Specification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// Quantity (decimal string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    /// Unit price (decimal string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<String>,
    /// Supply amount, whole won.
    pub supply_amount: String,
    /// Tax, whole won.
    pub tax_amount: String,
    /// Line remark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

impl From<&TaxInvoiceLine> for LineView {
    fn from(line: &TaxInvoiceLine) -> Self {
        Self {
            date: line.date.to_string(),
            name: line.name.clone(),
            spec: line.spec.clone(),
            quantity: line.quantity.map(|q| q.to_string()),
            unit_price: line.unit_price.map(|p| p.to_string()),
            supply_amount: line.supply_amount.to_string(),
            tax_amount: line.tax_amount.to_string(),
            remark: line.remark.clone(),
        }
    }
}

/// A party as printed on the invoice.
#[derive(Serialize, ToSchema)]
pub struct PartyView {
    /// BRN, 10 digits.
    pub brn: String,
    /// 종사업장번호.
    pub sub_business_id: Option<String>,
    /// Company name.
    pub name: String,
    /// Representative.
    pub ceo_name: String,
    /// Address.
    pub address: Option<String>,
    /// 업태.
    pub biz_type: Option<String>,
    /// 종목.
    pub biz_item: Option<String>,
    /// Contact email.
    pub email: Option<String>,
}

impl From<&InvoiceParty> for PartyView {
    fn from(p: &InvoiceParty) -> Self {
        Self {
            brn: p.brn.digits().to_owned(),
            sub_business_id: p.sub_business_id.clone(),
            name: p.name.clone(),
            ceo_name: p.ceo_name.clone(),
            address: p.address.clone(),
            biz_type: p.biz_type.clone(),
            biz_item: p.biz_item.clone(),
            email: p.contact.email.clone(),
        }
    }
}

/// An amended invoice's reference.
#[derive(Serialize, ToSchema)]
pub struct AmendmentView {
    /// NTS reason code 1–6.
    pub reason_code: u8,
    /// The original's approval number.
    pub original_approval_number: String,
}

/// A tax invoice.
#[derive(Serialize, ToSchema)]
pub struct TaxInvoiceView {
    /// settle's id (used on the supplier's side).
    pub id: String,
    /// The platform's key.
    pub document_key: String,
    /// The partner: the supplier (`reverse`) or the buyer (`forward`).
    pub partner_id: String,
    /// `reverse` (역발행: the partner issues) or `forward` (정발행: the platform issues for
    /// one of its partner invoices).
    pub direction: &'static str,
    /// The partner invoice, credit note or void note a forward-issued invoice documents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_invoice_id: Option<String>,
    /// `drafted`, `requested`, `request_cancelled`, `refused`, `issued`, `sending`, `sent`,
    /// `send_failed` or `issue_cancelled`.
    pub state: &'static str,
    /// Popbill's numeric state code for the same state.
    pub popbill_state_code: u16,
    /// 작성일자.
    pub write_date: String,
    /// `taxable` or `zero_rated`.
    pub tax_type: &'static str,
    /// `receipt` or `claim`.
    pub purpose: &'static str,
    /// The seller (the partner, or the platform when forward-issued).
    pub supplier: PartyView,
    /// The buyer (the platform, or the partner when forward-issued).
    pub buyer: PartyView,
    /// Lines.
    pub items: Vec<LineView>,
    /// Remarks.
    pub remarks: Vec<String>,
    /// Sum of supply amounts.
    pub supply_total: String,
    /// Sum of taxes.
    pub tax_total: String,
    /// Grand total.
    pub total: String,
    /// Always `KRW`.
    pub currency: &'static str,
    /// Set on amended invoices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amendment: Option<AmendmentView>,
    /// 24 digits, once issued.
    pub nts_approval_number: Option<String>,
    /// The filer's answer, once filed.
    pub nts_result_code: Option<String>,
    /// When the supplier issued it.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub issued_at: Option<OffsetDateTime>,
    /// When it was filed.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub filed_at: Option<OffsetDateTime>,
    /// The 10th of the month after the write date.
    pub issue_deadline: String,
    /// Issued (or, not yet issued, now) after the deadline.
    pub late: bool,
    /// Changes with every change.
    pub version: i64,
    /// Created at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Last changed at.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl TaxInvoiceView {
    /// The view of `record` as of `now`.
    pub fn new(record: &TaxInvoiceRecord, now: OffsetDateTime) -> Self {
        let d = &record.document;
        Self {
            id: record.id.to_string(),
            document_key: record.document_key.to_string(),
            partner_id: record.partner_id.to_string(),
            direction: record.direction.as_str(),
            source_invoice_id: record.source_invoice_id.as_ref().map(ToString::to_string),
            state: record.state.as_str(),
            popbill_state_code: record.state.popbill_code(),
            write_date: d.write_date.to_string(),
            tax_type: d.tax_type.as_str(),
            purpose: d.purpose.as_str(),
            supplier: (&d.supplier).into(),
            buyer: (&d.buyer).into(),
            items: d.lines.iter().map(LineView::from).collect(),
            remarks: d.remarks.clone(),
            supply_total: d.supply_total.to_string(),
            tax_total: d.tax_total.to_string(),
            total: d.total.to_string(),
            currency: "KRW",
            amendment: d.amendment.as_ref().map(|a| AmendmentView {
                reason_code: a.reason.code(),
                original_approval_number: a.original_approval_number.clone(),
            }),
            nts_approval_number: record.approval_number.clone(),
            nts_result_code: record.nts_result_code.clone(),
            issued_at: record.issued_at,
            filed_at: record.filed_at,
            issue_deadline: record.issue_deadline().to_string(),
            late: record.is_late(now.to_offset(KST).date()),
            version: record.version,
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

/// Lines as clients send them; a malformed one is named by its path.
pub fn line_inputs(
    items: Vec<serde_json::Value>,
) -> Result<Vec<TaxInvoiceLineInput>, settle_app::AppError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value::<TaxInvoiceLineInput>(item).map_err(|e| {
                settle_app::AppError::invalid(
                    "request.invalid_field",
                    &format!("items[{i}]"),
                    e.to_string(),
                )
            })
        })
        .collect()
}

/// A tax invoice as clients send it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxInvoiceBody {
    /// The platform's key: ≤ 24 letters, digits, `-`, `_`; unique per tenant.
    pub document_key: Option<String>,
    /// The supplier (a linked partner, to request).
    pub partner_id: Option<String>,
    /// The supplier by BRN instead of id (batch only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_brn: Option<String>,
    /// 작성일자, `YYYY-MM-DD`.
    pub write_date: Option<String>,
    /// `taxable` or `zero_rated`.
    pub tax_type: Option<String>,
    /// `receipt` or `claim`.
    pub purpose: Option<String>,
    /// 1 to 99 lines: `{date?, name, spec?, quantity?, unit_price?, supply_amount,
    /// tax_amount?, remark?}`; a missing tax is computed by the tenant's rounding policy.
    #[schema(value_type = Option<Vec<Object>>)]
    pub items: Option<Vec<serde_json::Value>>,
    /// Up to 3 remarks.
    pub remarks: Option<Vec<String>>,
    /// Expected supply total (checked).
    #[schema(value_type = Option<String>)]
    pub supply_total: Option<DecimalInput>,
    /// Expected tax total (checked).
    #[schema(value_type = Option<String>)]
    pub tax_total: Option<DecimalInput>,
    /// Expected grand total (checked).
    #[schema(value_type = Option<String>)]
    pub total: Option<DecimalInput>,
    /// Request issuance at once.
    pub request: Option<bool>,
    /// Memo for the request.
    pub memo: Option<String>,
}

impl TaxInvoiceBody {
    /// The use case's input; a malformed line is named by its path.
    pub fn into_input(self) -> Result<settle_app::tax_invoices::DraftInput, settle_app::AppError> {
        let items = self.items.map(line_inputs).transpose()?;
        Ok(settle_app::tax_invoices::DraftInput {
            document_key: self.document_key,
            partner_id: self.partner_id,
            invoice: TaxInvoiceInput {
                write_date: self.write_date,
                tax_type: self.tax_type,
                purpose: self.purpose,
                items,
                remarks: self.remarks,
                supply_total: self.supply_total,
                tax_total: self.tax_total,
                total: self.total,
                ..TaxInvoiceInput::default()
            },
            request: self.request.unwrap_or(false),
            memo: self.memo,
        })
    }

    /// The body that would recreate `view` (the base of a PATCH).
    pub fn from_view(view: &TaxInvoiceView) -> Self {
        Self {
            document_key: Some(view.document_key.clone()),
            partner_id: Some(view.partner_id.clone()),
            write_date: Some(view.write_date.clone()),
            tax_type: Some(view.tax_type.to_owned()),
            purpose: Some(view.purpose.to_owned()),
            items: Some(
                view.items
                    .iter()
                    .filter_map(|l| serde_json::to_value(l).ok())
                    .collect(),
            ),
            remarks: Some(view.remarks.clone()),
            ..Self::default()
        }
    }
}
