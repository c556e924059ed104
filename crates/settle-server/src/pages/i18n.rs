//! The pages' words in Korean (the default) and English. Each language is one value of
//! [`Texts`], so a page cannot name a text one language lacks.

use settle_core::tax_invoice::TaxInvoiceState;

/// A language of the pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// 한국어.
    Ko,
    /// English.
    En,
}

impl Lang {
    /// The language named by a `lang` value (`ko`, `en`), if any.
    pub fn parse(text: &str) -> Option<Lang> {
        match text.trim() {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Its code, as `lang` and the cookie spell it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// Its words.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Ko => &KO,
            Lang::En => &EN,
        }
    }
}

/// Every text the pages show.
#[allow(missing_docs)]
pub struct Texts {
    pub lang: &'static str,
    pub language: &'static str,
    pub gate_title: &'static str,
    /// `{sender}` stands for the platform's name.
    pub gate_intro: &'static str,
    pub brn: &'static str,
    pub gate_submit: &'static str,
    pub wrong_brn: &'static str,
    pub locked_title: &'static str,
    pub locked: &'static str,
    pub expired_title: &'static str,
    pub expired: &'static str,
    pub not_found_title: &'static str,
    pub not_found: &'static str,
    pub ask: &'static str,
    pub csrf_title: &'static str,
    pub csrf: &'static str,
    pub error_title: &'static str,
    pub error: &'static str,
    pub invoice_title: &'static str,
    pub state: &'static str,
    pub approval_number: &'static str,
    pub supplier: &'static str,
    pub buyer: &'static str,
    pub reg_no: &'static str,
    pub sub_id: &'static str,
    pub company: &'static str,
    pub ceo: &'static str,
    pub address: &'static str,
    pub biz_type: &'static str,
    pub biz_item: &'static str,
    pub email: &'static str,
    pub write_date: &'static str,
    pub supply_amount: &'static str,
    pub tax_amount: &'static str,
    pub remarks: &'static str,
    pub month: &'static str,
    pub day: &'static str,
    pub item: &'static str,
    pub spec: &'static str,
    pub quantity: &'static str,
    pub unit_price: &'static str,
    pub remark: &'static str,
    pub total: &'static str,
    pub receipt: &'static str,
    pub claim: &'static str,
    pub history: &'static str,
    pub waiting: &'static str,
    pub actions: &'static str,
    pub issue: &'static str,
    pub refuse: &'static str,
    pub cancel_issue: &'static str,
    pub issue_question: &'static str,
    pub refuse_question: &'static str,
    pub cancel_question: &'static str,
    pub memo: &'static str,
    pub memo_needed: &'static str,
    pub back: &'static str,
    pub register_certificate: &'static str,
    pub download_pdf: &'static str,
    pub certificate_required: &'static str,
    pub certificate_title: &'static str,
    pub certificate_intro: &'static str,
    pub certificate_registered: &'static str,
    pub subject: &'static str,
    pub not_after: &'static str,
    pub sign_cert: &'static str,
    pub sign_key: &'static str,
    pub pfx: &'static str,
    pub password: &'static str,
    pub upload: &'static str,
    pub conflict_title: &'static str,
    pub conflict: &'static str,
    pub too_large_title: &'static str,
    pub too_large: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden: &'static str,
    states: [&'static str; 9],
}

impl Texts {
    /// The name of a state.
    pub fn state_name(&self, state: TaxInvoiceState) -> &'static str {
        let index = settle_core::tax_invoice::ALL_STATES
            .iter()
            .position(|s| *s == state)
            .unwrap_or_default();
        self.states[index]
    }
}

static KO: Texts = Texts {
    lang: "ko",
    language: "언어",
    gate_title: "전자세금계산서 조회",
    gate_intro: "{sender}에서 역발행을 요청한 전자세금계산서입니다. 공급자의 사업자등록번호를 입력하면 조회할 수 있습니다.",
    brn: "사업자등록번호",
    gate_submit: "조회",
    wrong_brn: "사업자등록번호가 이 문서의 공급자와 일치하지 않습니다. 다시 확인해 주세요.",
    locked_title: "잠시 후 다시 시도해 주세요",
    locked: "잘못된 사업자등록번호가 여러 번 입력되어 이 링크가 15분 동안 잠겼습니다.",
    expired_title: "만료된 링크",
    expired: "이 링크는 만료되었습니다. 요청한 회사에 다시 보내 달라고 요청해 주세요.",
    not_found_title: "찾을 수 없습니다",
    not_found: "이 주소의 페이지나 문서가 없습니다. 받은 이메일의 링크를 다시 열어 주세요.",
    ask: "문의:",
    csrf_title: "양식이 만료되었습니다",
    csrf: "보안 확인에 실패하여 아무것도 변경되지 않았습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
    error_title: "처리할 수 없습니다",
    error: "요청을 처리하지 못했습니다. 아무것도 변경되지 않았습니다.",
    invoice_title: "전자세금계산서",
    state: "상태",
    approval_number: "승인번호",
    supplier: "공급자",
    buyer: "공급받는자",
    reg_no: "등록번호",
    sub_id: "종사업장번호",
    company: "상호",
    ceo: "성명",
    address: "사업장",
    biz_type: "업태",
    biz_item: "종목",
    email: "이메일",
    write_date: "작성일자",
    supply_amount: "공급가액",
    tax_amount: "세액",
    remarks: "비고",
    month: "월",
    day: "일",
    item: "품목",
    spec: "규격",
    quantity: "수량",
    unit_price: "단가",
    remark: "비고",
    total: "합계금액",
    receipt: "이 금액을 영수 함",
    claim: "이 금액을 청구 함",
    history: "처리 이력",
    waiting: "발행을 기다리는 다른 문서",
    actions: "처리",
    issue: "발행(승인)",
    refuse: "발행 거부",
    cancel_issue: "발행 취소",
    issue_question: "이 세금계산서를 등록한 공동인증서로 서명하여 발행합니다. 발행하면 다음 날 국세청에 전송됩니다.",
    refuse_question: "이 세금계산서의 발행을 거부합니다. 요청한 회사에 거부 사유가 전달됩니다.",
    cancel_question: "발행한 세금계산서를 취소합니다. 국세청 전송이 시작되기 전까지만 취소할 수 있습니다.",
    memo: "메모",
    memo_needed: "거부 사유를 입력해 주세요.",
    back: "돌아가기",
    register_certificate: "공동인증서 등록",
    download_pdf: "PDF 내려받기",
    certificate_required: "발행하려면 먼저 공동인증서를 등록해 주세요.",
    certificate_title: "공동인증서 등록",
    certificate_intro: "signCert.der와 signPri.key, 또는 .pfx 파일 하나와 인증서 암호를 올려 주세요. 한 번 등록하면 다음 발행에도 쓰입니다.",
    certificate_registered: "공동인증서가 등록되었습니다.",
    subject: "주체",
    not_after: "만료일",
    sign_cert: "인증서 (signCert.der)",
    sign_key: "개인키 (signPri.key)",
    pfx: "또는 PFX 파일 (.pfx)",
    password: "인증서 암호",
    upload: "등록",
    conflict_title: "이미 처리되었습니다",
    conflict: "이 문서는 지금 상태에서 이 작업을 할 수 없습니다. 문서를 다시 열어 현재 상태를 확인해 주세요.",
    forbidden_title: "권한이 없습니다",
    forbidden: "이 계정의 역할로는 이 작업을 할 수 없습니다. 아무것도 변경되지 않았습니다.",
    too_large_title: "파일이 너무 큽니다",
    too_large: "올린 파일이 10MB를 넘어 받지 않았습니다. 아무것도 변경되지 않았습니다. 인증서 파일은 보통 몇 KB입니다. 올바른 파일을 골랐는지 확인해 주세요.",
    states: [
        "임시저장",
        "발행 요청됨",
        "요청 취소됨",
        "발행 거부됨",
        "발행 완료",
        "국세청 전송 중",
        "국세청 전송 완료",
        "국세청 전송 실패",
        "발행 취소됨",
    ],
};

static EN: Texts = Texts {
    lang: "en",
    language: "Language",
    gate_title: "View e-tax invoice",
    gate_intro: "{sender} asks you to issue this e-tax invoice (reverse issuance). Enter the supplier's business registration number to view it.",
    brn: "Business registration number",
    gate_submit: "View",
    wrong_brn: "This business registration number does not match the document's supplier. Please check it.",
    locked_title: "Please try again later",
    locked: "Too many wrong business registration numbers were entered; this link is locked for 15 minutes.",
    expired_title: "Expired link",
    expired: "This link has expired. Ask the company that sent it to send the request again.",
    not_found_title: "Not found",
    not_found: "There is no page or document at this address. Open the link from the email again.",
    ask: "Contact:",
    csrf_title: "The form has expired",
    csrf: "The security check failed and nothing was changed. Reload the page and try again.",
    error_title: "This could not be done",
    error: "The request could not be processed. Nothing was changed.",
    invoice_title: "E-tax invoice",
    state: "State",
    approval_number: "Approval number",
    supplier: "Supplier",
    buyer: "Buyer",
    reg_no: "Registration no.",
    sub_id: "Branch no.",
    company: "Company",
    ceo: "Representative",
    address: "Address",
    biz_type: "Business type",
    biz_item: "Business item",
    email: "Email",
    write_date: "Date written",
    supply_amount: "Supply amount",
    tax_amount: "Tax",
    remarks: "Remarks",
    month: "Month",
    day: "Day",
    item: "Item",
    spec: "Spec",
    quantity: "Qty",
    unit_price: "Unit price",
    remark: "Remark",
    total: "Total",
    receipt: "This amount is received",
    claim: "This amount is claimed",
    history: "History",
    waiting: "Other documents waiting for you",
    actions: "Actions",
    issue: "Issue (approve)",
    refuse: "Refuse",
    cancel_issue: "Cancel issue",
    issue_question: "This signs the tax invoice with your registered joint certificate and issues it. It is filed with the NTS the next day.",
    refuse_question: "This refuses to issue the tax invoice. The company that asked receives your reason.",
    cancel_question: "This cancels the issued tax invoice. It can be cancelled only until its filing with the NTS starts.",
    memo: "Memo",
    memo_needed: "Please give the reason for refusing.",
    back: "Back",
    register_certificate: "Register your joint certificate",
    download_pdf: "Download the PDF",
    certificate_required: "Register your joint certificate before issuing.",
    certificate_title: "Register your joint certificate",
    certificate_intro: "Upload signCert.der and signPri.key, or one .pfx file, with the certificate password. Once registered it is used for later issues too.",
    certificate_registered: "Your joint certificate is registered.",
    subject: "Subject",
    not_after: "Valid until",
    sign_cert: "Certificate (signCert.der)",
    sign_key: "Private key (signPri.key)",
    pfx: "Or a PFX file (.pfx)",
    password: "Certificate password",
    upload: "Register",
    conflict_title: "Already done",
    conflict: "This cannot be done to the document in its present state. Open the document again to see where it is.",
    forbidden_title: "Not allowed",
    forbidden: "Your roles do not allow this; nothing changed.",
    too_large_title: "The file is too large",
    too_large: "The upload is over 10 MB and was not accepted; nothing changed. Certificate files are a few KB: check that you chose the right ones.",
    states: [
        "Draft",
        "Issue requested",
        "Request cancelled",
        "Refused",
        "Issued",
        "Sending to the NTS",
        "Filed with the NTS",
        "Filing failed",
        "Issue cancelled",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_a_name_in_each_language() {
        for state in settle_core::tax_invoice::ALL_STATES {
            for lang in [Lang::Ko, Lang::En] {
                assert!(!lang.texts().state_name(state).is_empty());
            }
        }
        assert_eq!(
            Lang::Ko.texts().state_name(TaxInvoiceState::Sent),
            "국세청 전송 완료"
        );
        assert_eq!(
            Lang::En.texts().state_name(TaxInvoiceState::Drafted),
            "Draft"
        );
    }

    #[test]
    fn only_known_languages_parse() {
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse(" ko "), Some(Lang::Ko));
        assert_eq!(Lang::parse("fr"), None);
    }
}
