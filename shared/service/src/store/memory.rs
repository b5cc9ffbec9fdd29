//! The in-memory session store: `chatpass serve`'s default and the handlers' tests. Same
//! behaviour as the DynamoDB store, expiry checked on every read.

use super::*;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone)]
enum Item {
    Session {
        session: Box<Session>,
        ended_at: Option<u64>,
    },
    Logout {
        at: u64,
        expires_at: u64,
    },
    Delivery {
        expires_at: u64,
    },
    Kept {
        value: String,
        expires_at: u64,
    },
}

#[derive(Debug, Default)]
pub struct MemorySessionStore {
    items: Mutex<HashMap<String, Item>>,
}

impl MemorySessionStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn items(&self) -> std::sync::MutexGuard<'_, HashMap<String, Item>> {
        self.items
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Drops expired items, as DynamoDB's TTL eventually does.
    fn sweep(items: &mut HashMap<String, Item>, now: u64) {
        items.retain(|_, item| {
            let expires_at = match item {
                Item::Session { session, .. } => session.expires_at,
                Item::Logout { expires_at, .. }
                | Item::Delivery { expires_at }
                | Item::Kept { expires_at, .. } => *expires_at,
            };
            expires_at > now
        });
    }
}

impl SessionStore for MemorySessionStore {
    fn put_session<'a>(&'a self, session: &'a Session) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut items = self.items();
            if items.len() > 100_000 {
                Self::sweep(&mut items, session.created_ms / 1000);
            }
            let key = session_key(session.which());
            if items.contains_key(&key) {
                return Err(StoreError("session reference exists already".into()));
            }
            items.insert(
                key,
                Item::Session {
                    session: Box::new(session.clone()),
                    ended_at: None,
                },
            );
            Ok(())
        })
    }

    fn session<'a>(&'a self, which: SessionIn<'a>, now: u64) -> StoreFuture<'a, SessionLookup> {
        Box::pin(async move {
            Ok(match self.items().get(&session_key(which)) {
                Some(Item::Session { session, .. }) if session.expires_at <= now => {
                    SessionLookup::Expired
                }
                Some(Item::Session {
                    ended_at: Some(at), ..
                }) => SessionLookup::Ended(*at),
                Some(Item::Session { session, .. }) => SessionLookup::Active(session.clone()),
                _ => SessionLookup::Unknown,
            })
        })
    }

    fn logged_out_at<'a>(&'a self, whose: UserIn<'a>, now: u64) -> StoreFuture<'a, Option<u64>> {
        Box::pin(async move {
            Ok(match self.items().get(&logout_key(whose)) {
                Some(Item::Logout { at, expires_at }) if *expires_at > now => Some(*at),
                _ => None,
            })
        })
    }

    fn apply_logout<'a>(
        &'a self,
        delivery: LogoutDelivery<'a>,
        now: u64,
    ) -> StoreFuture<'a, Applied> {
        Box::pin(async move {
            let LogoutDelivery {
                project,
                logout,
                at,
                ..
            } = delivery;
            let mut items = self.items();
            let seen = delivery_key(delivery);
            if matches!(items.get(&seen), Some(Item::Delivery { expires_at }) if *expires_at > now)
            {
                return Ok(Applied::Repeat);
            }
            match logout {
                Logout::User { user_id } => {
                    let key = logout_key(UserIn { project, user_id });
                    let newer = !matches!(items.get(&key), Some(Item::Logout { at: known, .. }) if *known >= at);
                    if newer {
                        items.insert(
                            key,
                            Item::Logout {
                                at,
                                expires_at: at + LOGOUT_RETENTION_SECONDS,
                            },
                        );
                    }
                }
                Logout::Session { reference } => {
                    if let Some(Item::Session {
                        ended_at: ended @ None,
                        ..
                    }) = items.get_mut(&session_key(SessionIn { project, reference }))
                    {
                        *ended = Some(at);
                    }
                }
            }
            items.insert(
                seen,
                Item::Delivery {
                    expires_at: now + DELIVERY_RETENTION_SECONDS,
                },
            );
            Ok(Applied::Done)
        })
    }

    fn kept<'a>(&'a self, whose: KeptFor<'a>, now: u64) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            Ok(match self.items().get(&kept_key(whose)) {
                Some(Item::Kept { value, expires_at }) if *expires_at > now => Some(value.clone()),
                _ => None,
            })
        })
    }

    fn keep<'a>(&'a self, whose: KeptFor<'a>, value: &'a str, now: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let kept = Item::Kept {
                value: value.to_owned(),
                expires_at: now + KEPT_RETENTION_SECONDS,
            };
            self.items().insert(kept_key(whose), kept);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::contract;
    use super::MemorySessionStore;

    #[tokio::test]
    async fn keeps_the_session_store_contract() {
        contract::every_rule(&MemorySessionStore::new()).await;
    }
}
