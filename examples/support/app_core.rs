//! The example app's logic, shared by its axum and actix-web binaries: the session type,
//! the users table, sign-up and log-in with argon2, the dashboard with "Your sessions", log
//! out, log out everywhere, and every page's HTML. A handler here returns a
//! [`Reply`]; each binary only routes requests here and turns replies into its responses.

use std::net::SocketAddr;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};
use sessionkit::{Cookie, DbSession, Keys, Session, SessionKey, SessionManager, SqliteStore};
use sqlx::SqlitePool;

/// The session: who is signed in. It lives in the database; the cookie holds its sealed id.
/// `secure = false` only because this demo serves plain http on 127.0.0.1; behind HTTPS,
/// drop it (and prefer `cookie = "__Host-sid"`).
#[derive(Debug, Clone, Serialize, Deserialize, Session)]
#[session(
    cookie = "sid",
    ttl = "1h",
    renew_within = "15m",
    max_lifetime = "7d",
    secure = false
)]
pub struct UserSession {
    #[session(user_id)]
    pub user_id: i64,
    pub email: String,
}

/// The app's state: the sessions and the users table.
#[derive(Clone)]
pub struct App {
    pub sessions: Arc<SessionManager<UserSession, SqliteStore>>,
    pub db: SqlitePool,
}

/// A submitted sign-up or log-in form.
#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

/// A submitted "Sign out" on one row of "Your sessions".
#[derive(Deserialize)]
pub struct Device {
    key: String,
}

/// What a handler answers, for the framework to send.
pub enum Reply {
    /// An HTML page with this status.
    Page(u16, String),
    /// A `303 See Other`, setting the session cookie on the way when there is one.
    Redirect(&'static str, Option<Cookie<'static>>),
    /// A bare status.
    Status(u16),
}

/// Where the app listens, and its database: from the environment, with defaults that need
/// no setup.
pub fn settings() -> Result<(SocketAddr, String), Box<dyn std::error::Error>> {
    // The examples live in the repository's `examples/` directory, one up from the
    // `sessionkit-tests` package that builds them (`tests/`, whose own `examples/` does not
    // exist: a default there failed with "unable to open database file").
    let db_path = std::env::var("SESSIONKIT_APP_DB")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/app.db").to_owned());
    let addr: SocketAddr = std::env::var("SESSIONKIT_APP_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()?;
    Ok((addr, db_path))
}

impl App {
    /// Opens the database (creating the users table) and the session manager.
    pub async fn open(db_path: &str) -> Result<App, Box<dyn std::error::Error>> {
        let keys = match std::env::var_os("SESSION_SECRET") {
            Some(_) => Keys::from_env("SESSION_SECRET")?,
            None => {
                eprintln!(
                    "SESSION_SECRET is not set: using a key for this run only (sessions end at restart)"
                );
                Keys::generate().0
            }
        };
        let store = SqliteStore::open(db_path).await?;
        let db = store.pool().clone();
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS users (
                id INTEGER PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL
            )",
        )
        .execute(&db)
        .await?;
        dummy_hash(); // made before the first login, so that no login pays for it
        Ok(App {
            sessions: Arc::new(SessionManager::new(store, keys)),
            db,
        })
    }
}

pub fn signup_page() -> Reply {
    Reply::Page(
        200,
        page(
            "Sign up",
            &form(
                "/signup",
                "Create account",
                "Already have an account? <a href=\"/login\">Log in</a>",
                None,
            ),
        ),
    )
}

pub fn login_page() -> Reply {
    Reply::Page(
        200,
        page(
            "Log in",
            &form(
                "/login",
                "Log in",
                "New here? <a href=\"/signup\">Create an account</a>",
                None,
            ),
        ),
    )
}

pub async fn signup(app: &App, credentials: Credentials, user_agent: Option<&str>) -> Reply {
    match register(app, &credentials).await {
        Ok((user_id, email)) => start_session(app, user_id, email, user_agent).await,
        Err(error) => Reply::Page(
            error.status(),
            page(
                "Sign up",
                &form("/signup", "Create account", "", Some(error.message())),
            ),
        ),
    }
}

pub async fn login(app: &App, credentials: Credentials, user_agent: Option<&str>) -> Reply {
    match authenticate(app, &credentials).await {
        Some((user_id, email)) => start_session(app, user_id, email, user_agent).await,
        None => Reply::Page(
            401,
            page(
                "Log in",
                &form(
                    "/login",
                    "Log in",
                    "",
                    Some(AccountError::WrongPassword.message()),
                ),
            ),
        ),
    }
}

/// Why a sign-up or log-in failed, in words for the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountError {
    Invalid,
    Taken,
    WrongPassword,
    Failed,
}

impl AccountError {
    pub fn message(self) -> &'static str {
        match self {
            AccountError::Invalid => "Use a valid email and a password of at least 8 characters.",
            AccountError::Taken => "That email is already registered.",
            AccountError::WrongPassword => "Wrong email or password.",
            AccountError::Failed => "Something went wrong; try again.",
        }
    }

    fn status(self) -> u16 {
        match self {
            AccountError::Invalid => 422,
            AccountError::Taken => 409,
            AccountError::WrongPassword => 401,
            AccountError::Failed => 500,
        }
    }
}

impl Credentials {
    /// The fields of a submitted form, for a framework that reads them itself.
    #[allow(dead_code)] // only the Leptos app builds credentials itself
    pub fn new(email: String, password: String) -> Credentials {
        Credentials { email, password }
    }
}

/// A new account: its user id and normalised email.
pub async fn register(app: &App, credentials: &Credentials) -> Result<(i64, String), AccountError> {
    let email = credentials.email.trim().to_lowercase();
    if !email.contains('@') || credentials.password.len() < 8 {
        return Err(AccountError::Invalid);
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(credentials.password.as_bytes(), &salt)
        .map_err(|_| AccountError::Failed)?;
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (email, password_hash) VALUES (?, ?) RETURNING id",
    )
    .bind(&email)
    .bind(hash.to_string())
    .fetch_one(&app.db)
    .await
    .map(|user_id| (user_id, email))
    .map_err(|_| AccountError::Taken)
}

/// The account these credentials open, if the password is right.
pub async fn authenticate(app: &App, credentials: &Credentials) -> Option<(i64, String)> {
    let email = credentials.email.trim().to_lowercase();
    let user: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE email = ?")
            .bind(&email)
            .fetch_optional(&app.db)
            .await
            .unwrap_or(None);
    // An unknown email costs the same argon2 verification as a known one, against a hash
    // that no password matches, so the response time does not tell which emails exist.
    let (user_id, stored_hash) = match &user {
        Some((user_id, hash)) => (Some(*user_id), hash.as_str()),
        None => (None, dummy_hash()),
    };
    let password_ok = PasswordHash::new(stored_hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(credentials.password.as_bytes(), &hash)
            .is_ok()
    });
    user_id
        .filter(|_| password_ok)
        .map(|user_id| (user_id, email))
}

/// A real argon2 hash, with the same parameters as every user's, of a random password
/// nobody knows: made once, at startup.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let password = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_str().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

/// createSession: a fresh session (a new id, so nothing planted before login survives it),
/// labelled with the browser and system it came from, for the "Your sessions" list.
async fn start_session(app: &App, user_id: i64, email: String, user_agent: Option<&str>) -> Reply {
    let label = device_label(user_agent.unwrap_or_default());
    let payload = UserSession { user_id, email };
    match app.sessions.create_labeled(&payload, &label).await {
        Ok(cookie) => Reply::Redirect("/dashboard", Some(cookie)),
        Err(_) => Reply::Status(503),
    }
}

/// verifySession: the extractor checked the seal and the row before this runs. A cookie
/// whose session was revoked elsewhere is sent to log in again, and removed.
pub async fn dashboard(app: &App, session: Option<DbSession<UserSession>>) -> Reply {
    let Some(session) = session else {
        return Reply::Redirect("/login", Some(UserSession::removal_cookie()));
    };
    let devices = match app
        .sessions
        .list_sessions(&session.user_id.to_string())
        .await
    {
        Ok(devices) => devices,
        Err(_) => return Reply::Status(503),
    };
    let rows: String = devices
        .iter()
        .map(|device| {
            let action = match device.key == session.key() {
                true => "<span class=\"current\">this device</span>".to_owned(),
                false => format!(
                    "<form method=\"post\" action=\"/sessions/revoke\">\
                     <input type=\"hidden\" name=\"key\" value=\"{key}\">\
                     <button class=\"secondary small\">Sign out</button></form>",
                    key = device.key.to_hex()
                ),
            };
            format!(
                "<li class=\"device\"><div><strong>{label}</strong><br><small>since {since}</small></div>{action}</li>",
                label = escape(device.label.as_deref().unwrap_or("Unknown device")),
                since = when(device.created_at),
            )
        })
        .collect();
    let body = format!(
        "<p class=\"lead\">Signed in as <strong>{email}</strong>.</p>
         <dl>
           <dt>Session started</dt><dd>{created}</dd>
           <dt>Expires unless you stay active</dt><dd>{expires}</dd>
         </dl>
         <h2>Your sessions</h2>
         <ul class=\"devices\">{rows}</ul>
         <div class=\"actions\">
           <form method=\"post\" action=\"/logout\"><button id=\"logout\">Log out</button></form>
           <form method=\"post\" action=\"/logout-everywhere\"><button id=\"logout-everywhere\" class=\"secondary\">Log out everywhere</button></form>
         </div>",
        email = escape(&session.email),
        created = when(session.created_at()),
        expires = when(session.expires_at()),
    );
    Reply::Page(200, page("Dashboard", &body))
}

/// "Sign out" on one row of "Your sessions": ends that session if it is one of the signed-in
/// user's own. A key that is malformed or names somebody else's session ends nothing.
pub async fn revoke_device(app: &App, session: DbSession<UserSession>, device: Device) -> Reply {
    let Some(key) = SessionKey::from_hex(&device.key) else {
        return Reply::Status(400);
    };
    match app
        .sessions
        .revoke_session_of(&session.user_id.to_string(), &key)
        .await
    {
        Ok(_) => Reply::Redirect("/dashboard", None),
        Err(_) => Reply::Status(503),
    }
}

/// deleteSession.
pub async fn logout(app: &App, session: Option<DbSession<UserSession>>) -> Reply {
    let removal = match session {
        Some(session) => app.sessions.revoke(&session).await.ok(),
        None => None,
    };
    Reply::Redirect(
        "/login",
        Some(removal.unwrap_or_else(UserSession::removal_cookie)),
    )
}

pub async fn logout_everywhere(app: &App, session: DbSession<UserSession>) -> Reply {
    match app.sessions.revoke_user(&session.user_id.to_string()).await {
        Ok(_) => Reply::Redirect("/login", Some(UserSession::removal_cookie())),
        Err(_) => Reply::Status(503),
    }
}

/// A short label for the device a login came from: its browser and system, as its
/// `User-Agent` names them.
pub fn device_label(agent: &str) -> String {
    let find = |names: &[(&'static str, &'static str)]| {
        names
            .iter()
            .find(|(needle, _)| agent.contains(needle))
            .map(|(_, name)| *name)
    };
    // Order matters: Edge and Chrome also say "Safari", and Android also says "Linux".
    let browser = find(&[
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]);
    let system = find(&[
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(name), None) | (None, Some(name)) => name.to_owned(),
        (None, None) => "Unknown device".to_owned(),
    }
}

fn form(action: &str, button: &str, footer: &str, error: Option<&str>) -> String {
    let error = error
        .map(|error| format!("<p class=\"error\">{}</p>", escape(error)))
        .unwrap_or_default();
    format!(
        "{error}<form method=\"post\" action=\"{action}\" class=\"stack\">
           <label>Email <input type=\"email\" name=\"email\" required autocomplete=\"username\"></label>
           <label>Password <input type=\"password\" name=\"password\" required minlength=\"8\"></label>
           <button type=\"submit\">{button}</button>
         </form>
         <p class=\"footer\">{footer}</p>"
    )
}

/// The pages' style sheet, shared by every framework's pages.
pub const STYLE: &str = "
  body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1d2433; margin: 0; }
  main { max-width: 26rem; margin: 4rem auto; background: #fff; padding: 2rem 2.25rem; border-radius: 12px;
         box-shadow: 0 2px 12px rgba(20, 30, 60, .08); }
  h1 { margin-top: 0; font-size: 1.5rem; }
  .stack { display: grid; gap: .9rem; }
  label { display: grid; gap: .3rem; font-size: .9rem; color: #4a5468; }
  input { font: inherit; padding: .55rem .7rem; border: 1px solid #c9cfdb; border-radius: 8px; }
  button { font: inherit; padding: .6rem 1rem; border: 0; border-radius: 8px; background: #3b5bdb; color: #fff; cursor: pointer; }
  button.secondary { background: #e8ebf3; color: #1d2433; }
  .actions { display: flex; gap: .6rem; margin-top: 1.5rem; }
  .error { background: #fff0f0; color: #a61e1e; padding: .6rem .8rem; border-radius: 8px; }
  .footer { font-size: .9rem; color: #4a5468; }
  dt { font-size: .8rem; color: #6b7488; } dd { margin: 0 0 .7rem; }
  h2 { font-size: 1rem; margin: 1.4rem 0 .5rem; }
  .devices { list-style: none; padding: 0; margin: 0; display: grid; gap: .5rem; }
  .device { display: flex; justify-content: space-between; align-items: center; padding: .5rem .7rem;
            border: 1px solid #e3e7ef; border-radius: 8px; }
  .device small, .current { color: #6b7488; font-size: .8rem; }
  button.small { padding: .35rem .7rem; font-size: .85rem; }
";

pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>{title} · sessionkit</title>
<style>{STYLE}</style></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"
    )
}

pub fn when(time: sessionkit::time::OffsetDateTime) -> String {
    format!(
        "{} {:02}:{:02} UTC",
        time.date(),
        time.hour(),
        time.minute()
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
