//! State behind sessions and logouts, in one table keyed by `pk` with `expires_at` as TTL:
//! sessions under reference tokens, per-user logout times, seen delivery ids, and what a
//! vendor's answer gave for a user that its next call sends back (LiveChat's `entity_id`). The
//! `SessionStore` port has a DynamoDB and an in-memory implementation with the same behaviour.

mod dynamo;
mod memory;

pub use dynamo::DynamoSessionStore;
pub use memory::MemorySessionStore;

use crate::source::BoxFuture;
use chatpass_signing::User;

/// How long a per-user logout time is kept: longer than any identity token lives.
pub const LOGOUT_RETENTION_SECONDS: u64 = 30 * 86_400;
/// How long a delivery id or jti is remembered: far past the 300 s a delivery is accepted.
pub const DELIVERY_RETENTION_SECONDS: u64 = 86_400;

/// How long a value kept for a user (LiveChat's `entity_id`) outlives the last vendor answer
/// that gave it: a year, so a user who comes back within one stays the same customer.
pub const KEPT_RETENTION_SECONDS: u64 = 365 * 86_400;

/// The longest user id, delivery id or session reference the store keys take; longer ones are
/// refused as bad input before they reach the store.
pub const MAX_ID_BYTES: usize = 512;

/// The cookie that carries a session reference in Sprinklr's cookie mode: hash-user sets it,
/// the vendor's server forwards it to user-details.
pub const SESSION_COOKIE: &str = "chatpass_session";

/// A server-side session behind a 128-bit reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub project: String,
    pub reference: String,
    pub user: User,
    pub created_ms: u64,
    /// When the identity behind the session was issued (its token's `iat`): a logout at or after
    /// it ends the session, however late it comes. Without one, any logout of the user ends it.
    pub issued_at: Option<u64>,
    pub expires_at: u64,
}

impl Session {
    /// Which session this is, for the store's keys.
    fn which(&self) -> SessionIn<'_> {
        SessionIn {
            project: &self.project,
            reference: &self.reference,
        }
    }
}

/// What a session lookup found at `now`.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionLookup {
    Active(Box<Session>),
    Unknown,
    Expired,
    /// Ended by a logout of this session (its time).
    Ended(u64),
}

/// What a logout ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logout {
    /// Every session and identity token of the user issued up to `at`.
    User { user_id: String },
    /// One session.
    Session { reference: String },
}

/// Whether a delivery took effect or was seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Done,
    Repeat,
}

/// Which session: one reference in one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionIn<'a> {
    pub project: &'a str,
    pub reference: &'a str,
}

/// Which user: one user id in one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserIn<'a> {
    pub project: &'a str,
    pub user_id: &'a str,
}

/// A logout as one delivery brings it: what it ends in `project`, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogoutDelivery<'a> {
    pub project: &'a str,
    /// The delivery's id: a repeat of it changes nothing.
    pub id: &'a str,
    pub logout: &'a Logout,
    /// When the logout happened (unix seconds).
    pub at: u64,
}

/// Whose kept value: one vendor's, for one user of one project (a project that changes vendor
/// never sends another vendor's value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeptFor<'a> {
    pub project: &'a str,
    pub vendor: &'a str,
    pub user_id: &'a str,
}

/// What a [`SessionStore`] call answers, in time.
pub type StoreFuture<'a, T> = BoxFuture<'a, Result<T, StoreError>>;

/// The store could not be reached or answered badly; the cause is for the log only.
#[derive(Debug, Clone, thiserror::Error)]
#[error("session store unavailable: {0}")]
pub struct StoreError(pub String);

pub trait SessionStore: Send + Sync {
    /// Stores a new session; a reference that exists already is an error, never an overwrite.
    fn put_session<'a>(&'a self, session: &'a Session) -> StoreFuture<'a, ()>;

    /// The session, judged at `now` (unix seconds).
    fn session<'a>(&'a self, which: SessionIn<'a>, now: u64) -> StoreFuture<'a, SessionLookup>;

    /// The user's last logout time (unix seconds), if one is on record.
    fn logged_out_at<'a>(&'a self, whose: UserIn<'a>, now: u64) -> StoreFuture<'a, Option<u64>>;

    /// Applies `delivery`'s logout, received at `now`, once per delivery id: a repeat changes
    /// nothing. A user's logout time only ever moves forward.
    fn apply_logout<'a>(
        &'a self,
        delivery: LogoutDelivery<'a>,
        now: u64,
    ) -> StoreFuture<'a, Applied>;

    /// The value kept for `whose` at `now`, if one is kept and has not expired.
    fn kept<'a>(&'a self, whose: KeptFor<'a>, now: u64) -> StoreFuture<'a, Option<String>>;

    /// Keeps `value` for `whose` from `now` for [`KEPT_RETENTION_SECONDS`], replacing any value
    /// kept before.
    fn keep<'a>(&'a self, whose: KeptFor<'a>, value: &'a str, now: u64) -> StoreFuture<'a, ()>;
}

fn session_key(which: SessionIn<'_>) -> String {
    ["session#", which.project, "#", which.reference].concat()
}

fn logout_key(whose: UserIn<'_>) -> String {
    ["logout#", whose.project, "#", whose.user_id].concat()
}

fn delivery_key(delivery: LogoutDelivery<'_>) -> String {
    ["delivery#", delivery.project, "#", delivery.id].concat()
}

/// The user id comes last: project ids and vendor ids hold no `#`.
fn kept_key(whose: KeptFor<'_>) -> String {
    [
        "kept#",
        whose.project,
        "#",
        whose.vendor,
        "#",
        whose.user_id,
    ]
    .concat()
}

/// A fresh 128-bit session reference, as 32 lowercase hex digits.
pub fn new_reference() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| StoreError(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

#[cfg(any(test, feature = "test-support"))]
pub mod contract {
    //! The behaviour both implementations must show; each runs it against itself.
    use super::*;

    pub fn user(id: &str) -> User {
        User {
            id: id.into(),
            email: Some("alice@example.com".into()),
            ..User::default()
        }
    }

    /// Applies `logout` in project `p` as delivery `delivery`, at `at`, received at `now`.
    async fn apply(
        store: &dyn SessionStore,
        delivery: &str,
        logout: &Logout,
        at: u64,
        now: u64,
    ) -> Applied {
        let delivery = LogoutDelivery {
            project: "p",
            id: delivery,
            logout,
            at,
        };
        store.apply_logout(delivery, now).await.unwrap()
    }

    /// When user `u-1` of `project` logged out, asked at `now`.
    async fn logged_out_at(store: &dyn SessionStore, project: &str, now: u64) -> Option<u64> {
        let whose = UserIn {
            project,
            user_id: "u-1",
        };
        store.logged_out_at(whose, now).await.unwrap()
    }

    /// What the store holds at `reference` of `project`, asked at `now`.
    async fn lookup(
        store: &dyn SessionStore,
        project: &str,
        reference: &str,
        now: u64,
    ) -> SessionLookup {
        let which = SessionIn { project, reference };
        store.session(which, now).await.unwrap()
    }

    /// Every rule below, in turn, on one store (their keys and deliveries do not meet).
    pub async fn every_rule(store: &dyn SessionStore) {
        holds_sessions_until_they_expire(store).await;
        applies_each_logout_once_and_only_moves_forward(store).await;
        ends_one_session(store).await;
        keeps_a_value_per_project_vendor_and_user_until_it_expires(store).await;
    }

    /// Puts session `reference` of `user_id` in project `p`, created at 1,000 s.
    async fn put(
        store: &dyn SessionStore,
        reference: &str,
        user_id: &str,
        (issued_at, expires_at): (Option<u64>, u64),
    ) -> Session {
        let session = Session {
            project: "p".into(),
            reference: reference.into(),
            user: user(user_id),
            created_ms: 1_000_000,
            issued_at,
            expires_at,
        };
        store.put_session(&session).await.unwrap();
        session
    }

    async fn holds_sessions_until_they_expire(store: &dyn SessionStore) {
        let session = put(store, "r1", "u-1", (Some(990), 1_300)).await;
        assert_eq!(
            lookup(store, "p", "r1", 1_299).await,
            SessionLookup::Active(Box::new(session.clone()))
        );
        assert_eq!(
            lookup(store, "p", "r1", 1_300).await,
            SessionLookup::Expired
        );
        assert_eq!(
            lookup(store, "p", "nope", 1_000).await,
            SessionLookup::Unknown
        );
        assert_eq!(
            lookup(store, "other", "r1", 1_000).await,
            SessionLookup::Unknown
        );
        assert!(
            store.put_session(&session).await.is_err(),
            "a reference is never overwritten"
        );
        let unknown_issue = put(store, "r0", "u-0", (None, 1_300)).await;
        assert_eq!(
            lookup(store, "p", "r0", 1_000).await,
            SessionLookup::Active(Box::new(unknown_issue)),
            "a session whose identity has no `iat` keeps none"
        );
    }

    async fn applies_each_logout_once_and_only_moves_forward(store: &dyn SessionStore) {
        let logout = Logout::User {
            user_id: "u-1".into(),
        };
        assert_eq!(logged_out_at(store, "p", 1_000).await, None);
        assert_eq!(
            apply(store, "msg_1", &logout, 1_000, 1_000).await,
            Applied::Done
        );
        assert_eq!(
            apply(store, "msg_1", &logout, 1_500, 1_500).await,
            Applied::Repeat
        );
        assert_eq!(logged_out_at(store, "p", 1_600).await, Some(1_000));
        assert_eq!(
            apply(store, "msg_0", &logout, 900, 1_600).await,
            Applied::Done
        );
        assert_eq!(
            logged_out_at(store, "p", 1_600).await,
            Some(1_000),
            "an older logout does not move it back"
        );
        assert_eq!(
            apply(store, "msg_2", &logout, 2_000, 2_000).await,
            Applied::Done
        );
        assert_eq!(logged_out_at(store, "p", 2_000).await, Some(2_000));
        assert_eq!(
            logged_out_at(store, "q", 2_000).await,
            None,
            "projects are apart"
        );
    }

    async fn ends_one_session(store: &dyn SessionStore) {
        put(store, "r2", "u-2", (Some(1_000), 5_000)).await;
        let logout = Logout::Session {
            reference: "r2".into(),
        };
        assert_eq!(
            apply(store, "msg_9", &logout, 1_100, 1_100).await,
            Applied::Done
        );
        assert_eq!(
            lookup(store, "p", "r2", 1_200).await,
            SessionLookup::Ended(1_100)
        );
        assert_eq!(
            apply(store, "msg_9", &logout, 1_100, 1_100).await,
            Applied::Repeat
        );
        let unknown = Logout::Session {
            reference: "nope".into(),
        };
        assert_eq!(
            apply(store, "msg_10", &unknown, 1_100, 1_100).await,
            Applied::Done
        );
    }

    async fn keeps_a_value_per_project_vendor_and_user_until_it_expires(store: &dyn SessionStore) {
        let alice = KeptFor {
            project: "p",
            vendor: "livechat",
            user_id: "u-kept",
        };
        let kept = |whose, now| async move { store.kept(whose, now).await.unwrap() };
        assert_eq!(kept(alice, 1_000).await, None);
        store.keep(alice, "e-1", 1_000).await.unwrap();
        assert_eq!(kept(alice, 1_000).await.as_deref(), Some("e-1"));
        for other in [
            KeptFor {
                user_id: "u-kept-2",
                ..alice
            },
            KeptFor {
                project: "q",
                ..alice
            },
            KeptFor {
                vendor: "hubspot",
                ..alice
            },
        ] {
            assert_eq!(kept(other, 1_000).await, None, "{other:?} is another's");
        }
        store.keep(alice, "e-2", 2_000).await.unwrap();
        assert_eq!(kept(alice, 2_000).await.as_deref(), Some("e-2"), "replaced");
        let expires = 2_000 + KEPT_RETENTION_SECONDS;
        assert_eq!(kept(alice, expires - 1).await.as_deref(), Some("e-2"));
        assert_eq!(
            kept(alice, expires).await,
            None,
            "expired with its last answer"
        );
    }
}
