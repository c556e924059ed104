//! The staff pages' words in Korean and English, one value of [`StaffTexts`] per language.

use super::super::i18n::Lang;

/// Every text the staff pages show.
#[allow(missing_docs)]
pub struct StaffTexts {
    pub login_title: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub login: &'static str,
    pub logout: &'static str,
    pub wrong_credentials: &'static str,
    pub locked: &'static str,
    pub account_title: &'static str,
    pub signed_in_as: &'static str,
    pub roles: &'static str,
    pub change_password: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub confirm_password: &'static str,
    pub save: &'static str,
    pub password_changed: &'static str,
    pub wrong_password: &'static str,
    pub weak_password: &'static str,
    pub long_password: &'static str,
    pub mismatch: &'static str,
    pub set_password_title: &'static str,
    pub set_password_intro: &'static str,
    pub link_invalid_title: &'static str,
    pub link_invalid: &'static str,
    pub roles_names: [&'static str; 4],
}

impl Lang {
    /// The staff pages' words.
    pub fn staff(self) -> &'static StaffTexts {
        match self {
            Lang::Ko => &KO,
            Lang::En => &EN,
        }
    }
}

static KO: StaffTexts = StaffTexts {
    login_title: "로그인",
    email: "이메일",
    password: "비밀번호",
    login: "로그인",
    logout: "로그아웃",
    wrong_credentials: "이메일 또는 비밀번호가 올바르지 않습니다.",
    locked: "비밀번호가 여러 번 틀려 계정이 15분 동안 잠겼습니다. 잠시 후 다시 시도해 주세요.",
    account_title: "내 계정",
    signed_in_as: "로그인한 계정",
    roles: "역할",
    change_password: "비밀번호 변경",
    current_password: "현재 비밀번호",
    new_password: "새 비밀번호 (10자 이상)",
    confirm_password: "새 비밀번호 확인",
    save: "저장",
    password_changed: "비밀번호를 바꾸었습니다. 다른 기기의 로그인은 종료되었습니다.",
    wrong_password: "현재 비밀번호가 올바르지 않습니다.",
    weak_password: "비밀번호는 10자 이상이어야 합니다.",
    long_password: "비밀번호는 128자 이하여야 합니다.",
    mismatch: "두 비밀번호가 같지 않습니다.",
    set_password_title: "비밀번호 설정",
    set_password_intro: "이 계정의 비밀번호를 정하면 로그인됩니다. 이 링크는 한 번만 쓸 수 있습니다.",
    link_invalid_title: "쓸 수 없는 링크",
    link_invalid: "이 로그인 링크는 이미 쓰였거나 만료되었습니다. 사용자 관리자에게 새 링크를 요청해 주세요.",
    roles_names: ["사용자 관리자", "청구 관리자", "관리 담당자", "영업 담당자"],
};

static EN: StaffTexts = StaffTexts {
    login_title: "Sign in",
    email: "Email",
    password: "Password",
    login: "Sign in",
    logout: "Sign out",
    wrong_credentials: "The email or the password is wrong.",
    locked: "Too many wrong passwords: the account is locked for 15 minutes. Try again later.",
    account_title: "My account",
    signed_in_as: "Signed in as",
    roles: "Roles",
    change_password: "Change password",
    current_password: "Current password",
    new_password: "New password (10 characters or more)",
    confirm_password: "New password again",
    save: "Save",
    password_changed: "Your password was changed. Sessions on other devices have ended.",
    wrong_password: "The current password is wrong.",
    weak_password: "A password needs at least 10 characters.",
    long_password: "A password has at most 128 characters.",
    mismatch: "The two passwords differ.",
    set_password_title: "Set your password",
    set_password_intro: "Choose a password for this account to sign in. This link works once.",
    link_invalid_title: "This link cannot be used",
    link_invalid: "This login link was used already or has expired. Ask a user admin for a new one.",
    roles_names: ["User admin", "Billing admin", "Admin agent", "Sales agent"],
};
