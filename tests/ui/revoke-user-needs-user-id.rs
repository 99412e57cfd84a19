// "Log out everywhere" on a session type without `#[session(user_id)]` would end no session:
// it does not compile, and the message says which attribute is missing.
use serde::{Deserialize, Serialize};
use sessionkit::{MemoryStore, Session, SessionManager};

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "sid", ttl = "1h")]
struct Account {
    user_id: String,
}

async fn log_out_everywhere(sessions: &SessionManager<Account, MemoryStore>) {
    let _ = sessions.revoke_user("7").await;
}

fn main() {
    let _ = log_out_everywhere;
}
