//! The languages settle writes documents and messages in.

use crate::named_enum;

named_enum!(
    /// A language of documents and messages; Korean unless a partner asks for English.
    Language {
        /// 한국어.
        Ko = "ko",
        /// English.
        En = "en",
    }
);
