//! An axum API behind a Next.js app that signs users in with Auth.js: `GET /me` answers
//! with the signed-in user, read from the app's own Auth.js session cookie.
//!
//! ```text
//! AUTH_SECRET=... cargo run -p sessionkit-tests --example authjs_api --features axum
//! ```
//!
//! Give it the Next.js app's `AUTH_SECRET` (the one `npx auth secret` wrote to `.env.local`)
//! and put it behind the same site, so that the browser sends it the
//! `authjs.session-token` cookie. It listens on <http://127.0.0.1:3000>
//! (`SESSIONKIT_APP_ADDR` to change it). Without a Next.js app at hand,
//! `GET /demo-login` sets a session cookie the way Auth.js would, which Auth.js itself reads:
//!
//! ```text
//! curl -c jar -b jar http://127.0.0.1:3000/demo-login
//! curl -b jar http://127.0.0.1:3000/me
//! ```
//!
//! A large session (the `jwt` callback can add a lot) arrives in chunks,
//! `authjs.session-token.0`, `.1`, ...: the type is `chunked`, so the extractor joins them.
//!
//! The cookie is the Next.js app's: an Auth.js type is `shared` by default, so the
//! `SessionGuard` in front of `/me` reads it and never writes it. It does not renew it (Auth.js
//! does, on the Next.js side), and a refused one (expired, or made under a secret this side
//! does not have yet) gets `401` without a `Set-Cookie`, so the user stays signed in there.

use axum::Router;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use sessionkit::axum::SetSessionCookies;
use sessionkit::{Keys, Session, SessionGuard, Verified};

/// Auth.js's default session claims. Over https, Auth.js names the cookie
/// `__Secure-authjs.session-token`, which is also the key's salt: use that name (and
/// `secure`) in production.
#[derive(Debug, Serialize, Deserialize, Session)]
#[session(
    format = "authjs",
    cookie = "authjs.session-token",
    secure = false,
    chunked
)]
struct AuthJsSession {
    name: Option<String>,
    email: Option<String>,
    picture: Option<String>,
    sub: Option<String>,
}

#[derive(Clone)]
struct AppState {
    keys: Keys,
}

/// What `/me` answers: the user, as the frontend's `auth()` would see them.
#[derive(Serialize)]
struct Me<'a> {
    id: Option<&'a str>,
    name: Option<&'a str>,
    email: Option<&'a str>,
    expires: String,
}

/// The signed-in user, or `401` (the guard and the extractor refuse a missing, expired,
/// tampered or foreign cookie, and leave it where it is: it is the Next.js app's).
async fn me(session: Verified<AuthJsSession>) -> axum::Json<serde_json::Value> {
    let me = Me {
        id: session.sub.as_deref(),
        name: session.name.as_deref(),
        email: session.email.as_deref(),
        expires: session.expires_at().to_string(),
    };
    axum::Json(serde_json::to_value(me).unwrap_or_default())
}

/// Signs in a demo user with a cookie exactly as Auth.js would set it.
async fn demo_login(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<SetSessionCookies, sessionkit::Error> {
    let session = AuthJsSession {
        name: Some("Ada Lovelace".into()),
        email: Some("ada@example.com".into()),
        picture: None,
        sub: Some("user-1815".into()),
    };
    Ok(SetSessionCookies(session.cookies(&state.keys)?))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let keys = Keys::from_env("AUTH_SECRET")?;
    let app = Router::new()
        .route(
            "/",
            get(|| async {
                "GET /me answers with the Auth.js session's user; GET /demo-login signs one in\n"
            }),
        )
        .route("/me", get(me))
        .route("/demo-login", get(demo_login))
        // Reads the Auth.js cookie on `/me` and hands it (and its keys) to the extractor;
        // never renews or removes it. An API: a request without a session gets `401`.
        .layer(SessionGuard::stateless::<AuthJsSession>(keys.clone()).protect("/me"))
        .with_state(AppState { keys });
    let address =
        std::env::var("SESSIONKIT_APP_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
