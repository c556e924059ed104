//! Where a partner's payouts go, and the checks on it.

use serde::Deserialize;

use crate::validation::{Checker, FieldError};

/// Longest account holder name.
pub const MAX_HOLDER: usize = 60;

/// A partner's bank account (the number is stored sealed).
#[derive(Clone, PartialEq, Eq)]
pub struct BankAccount {
    /// The bank's three-digit code (금융기관 코드, e.g. `004`).
    pub bank_code: String,
    /// The account number, digits only.
    pub account: String,
    /// The account holder (예금주).
    pub holder: String,
}

impl std::fmt::Debug for BankAccount {
    // The number stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BankAccount")
            .field("bank_code", &self.bank_code)
            .field("account", &format!("…{}", self.last4()))
            .field("holder", &self.holder)
            .finish()
    }
}

impl BankAccount {
    /// The last four digits, to show which account it is.
    pub fn last4(&self) -> &str {
        &self.account[self.account.len().saturating_sub(4)..]
    }
}

/// A bank account as a client sends it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BankAccountInput {
    /// Three digits.
    pub bank_code: Option<String>,
    /// Digits, hyphens allowed (dropped).
    pub account: Option<String>,
    /// The holder's name.
    pub holder: Option<String>,
}

impl BankAccountInput {
    /// Checks it, reporting every problem.
    pub fn validate(self) -> Result<BankAccount, Vec<FieldError>> {
        let mut check = Checker::new("bank_account");
        let bank_code = check.required("bank_code", self.bank_code, 3);
        if !bank_code.is_empty()
            && (bank_code.len() != 3 || !bank_code.bytes().all(|b| b.is_ascii_digit()))
        {
            check.fail(
                "invalid_bank_code",
                "bank_code",
                "bank_code is three digits",
            );
        }
        let account = check.required("account", self.account, 40);
        let digits: String = account.chars().filter(|c| *c != '-').collect();
        if !account.is_empty()
            && (!(6..=20).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()))
        {
            check.fail(
                "invalid_account",
                "account",
                "account is 6 to 20 digits (hyphens allowed)",
            );
        }
        let holder = check.required("holder", self.holder, MAX_HOLDER);
        check.finish(BankAccount {
            bank_code,
            account: digits,
            holder,
        })
    }
}
