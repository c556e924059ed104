//! Roles and the rights they grant. A key may hold several roles; a right is granted when
//! any of its roles grants it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest API key name, in characters.
pub const MAX_KEY_NAME: usize = 100;

/// A tenant staff role, as the billing seed names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users and API keys.
    UserAdmin,
    /// Everything on partners, tax invoices, invoices, payments and rebill approvals.
    BillingAdmin,
    /// Operates partners and tax invoices; reads invoices.
    AdminAgent,
    /// Reads only.
    SalesAgent,
}

/// Something an endpoint or use case needs permission for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Right {
    /// Create, list and revoke API keys.
    ManageKeys,
    /// Invite staff users and change their roles.
    ManageUsers,
    /// Read the tenant's own party data.
    ReadTenant,
    /// Change the tenant's own party data and its NTS link.
    ManageTenant,
    /// Read partners.
    ReadPartners,
    /// Create, edit, import and link partners.
    WritePartners,
    /// Read tax invoices.
    ReadTaxInvoices,
    /// Draft, request, cancel and file tax invoices.
    WriteTaxInvoices,
    /// Read partner invoices, payments and statements.
    ReadInvoices,
    /// Bill, finalize, credit, rebill, record payments.
    WriteInvoices,
    /// Approve another admin's rebill request.
    ApproveRebills,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 4] = [
        Role::UserAdmin,
        Role::BillingAdmin,
        Role::AdminAgent,
        Role::SalesAgent,
    ];

    /// Whether this role alone grants `right`.
    pub fn grants(self, right: Right) -> bool {
        use Right::*;
        match self {
            Role::UserAdmin => matches!(right, ManageKeys | ManageUsers | ReadTenant),
            Role::BillingAdmin => !matches!(right, ManageKeys | ManageUsers),
            Role::AdminAgent => matches!(
                right,
                ReadTenant
                    | ManageTenant
                    | ReadPartners
                    | WritePartners
                    | ReadTaxInvoices
                    | WriteTaxInvoices
                    | ReadInvoices
            ),
            Role::SalesAgent => matches!(
                right,
                ReadTenant | ReadPartners | ReadTaxInvoices | ReadInvoices
            ),
        }
    }

    /// The role's name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::UserAdmin => "user_admin",
            Role::BillingAdmin => "billing_admin",
            Role::AdminAgent => "admin_agent",
            Role::SalesAgent => "sales_agent",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}; expected one of user_admin, billing_admin, admin_agent, sales_agent")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text.trim())
            .ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

/// The set of roles a key holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Roles(Vec<Role>);

impl Roles {
    /// A set of roles, deduplicated and sorted.
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        let mut roles: Vec<Role> = roles.into_iter().collect();
        roles.sort();
        roles.dedup();
        Self(roles)
    }

    /// All four roles (the key `settle tenant create` prints).
    pub fn all() -> Self {
        Self::new(Role::ALL)
    }

    /// Whether any held role grants `right`.
    pub fn allows(&self, right: Right) -> bool {
        self.0.iter().any(|role| role.grants(right))
    }

    /// Whether no role is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The held roles.
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// Comma-separated names, the storage form.
    pub fn to_csv(&self) -> String {
        self.0
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Parses the comma-separated storage form.
    pub fn from_csv(text: &str) -> Result<Self, UnknownRole> {
        text.split(',')
            .filter(|part| !part.trim().is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Role>, _>>()
            .map(Self::new)
    }
}

impl Roles {
    /// Whether these roles see only the partners assigned to their holder: a sales agent
    /// and nothing else. (Any other role reads every partner of the tenant.)
    pub fn sees_assigned_partners_only(&self) -> bool {
        !self.0.is_empty() && self.0.iter().all(|role| *role == Role::SalesAgent)
    }
}

/// Which of the tenant's partners a caller sees.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PartnerScope {
    /// Every partner.
    #[default]
    All,
    /// Only these (a sales agent's assigned partners).
    Assigned(Vec<crate::ids::PartnerId>),
}

impl PartnerScope {
    /// Whether the partner is seen.
    pub fn allows(&self, partner: &crate::ids::PartnerId) -> bool {
        match self {
            PartnerScope::All => true,
            PartnerScope::Assigned(ids) => ids.contains(partner),
        }
    }

    /// The partners seen, when not all are.
    pub fn assigned(&self) -> Option<Vec<crate::ids::PartnerId>> {
        match self {
            PartnerScope::All => None,
            PartnerScope::Assigned(ids) => Some(ids.clone()),
        }
    }
}

/// A stored API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// The key's public id.
    pub id: crate::ids::ApiKeyId,
    /// The tenant it acts for.
    pub tenant_id: crate::ids::TenantId,
    /// Hex SHA-256 of the secret part.
    pub secret_hash: String,
    /// What it may do.
    pub roles: Roles,
    /// A label for people.
    pub name: Option<String>,
    /// When it was made.
    pub created_at: time::OffsetDateTime,
    /// When it was revoked, if it was.
    pub revoked_at: Option<time::OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sales_agent_reads_but_never_writes() {
        let roles = Roles::new([Role::SalesAgent]);
        assert!(roles.allows(Right::ReadPartners));
        assert!(!roles.allows(Right::WritePartners));
        assert!(!roles.allows(Right::ManageKeys));
    }

    #[test]
    fn user_admin_manages_keys_and_users_only() {
        let roles = Roles::new([Role::UserAdmin]);
        assert!(roles.allows(Right::ManageKeys));
        assert!(roles.allows(Right::ManageUsers));
        assert!(!Roles::new([Role::BillingAdmin]).allows(Right::ManageUsers));
        assert!(!roles.allows(Right::ReadPartners));
    }

    #[test]
    fn admin_agent_reads_invoices_but_does_not_bill() {
        let roles = Roles::new([Role::AdminAgent]);
        assert!(roles.allows(Right::WriteTaxInvoices));
        assert!(roles.allows(Right::ReadInvoices));
        assert!(!roles.allows(Right::WriteInvoices));
        assert!(!roles.allows(Right::ApproveRebills));
    }

    #[test]
    fn several_roles_combine() {
        let roles = Roles::new([Role::SalesAgent, Role::UserAdmin, Role::SalesAgent]);
        assert!(roles.allows(Right::ManageKeys) && roles.allows(Right::ReadInvoices));
        assert_eq!(roles.to_csv(), "user_admin,sales_agent");
        assert_eq!(Roles::from_csv(&roles.to_csv()), Ok(roles));
    }

    #[test]
    fn only_a_bare_sales_agent_is_limited_to_assigned_partners() {
        assert!(Roles::new([Role::SalesAgent]).sees_assigned_partners_only());
        assert!(!Roles::new([Role::SalesAgent, Role::AdminAgent]).sees_assigned_partners_only());
        assert!(!Roles::new([]).sees_assigned_partners_only());
        let mine = crate::ids::PartnerId::generate();
        let scope = PartnerScope::Assigned(vec![mine.clone()]);
        assert!(scope.allows(&mine) && !scope.allows(&crate::ids::PartnerId::generate()));
        assert!(PartnerScope::All.allows(&mine));
    }

    #[test]
    fn unknown_role_names_are_rejected() {
        assert!("owner".parse::<Role>().is_err());
        assert!(Roles::from_csv("billing_admin,root").is_err());
    }
}
