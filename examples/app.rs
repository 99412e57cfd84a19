//! A small but real web app on axum: sign up, log in, a dashboard with "Your sessions", log
//! out, and "log out everywhere", with database sessions in SQLite.
//!
//! ```text
//! cargo run -p sessionkit-tests --example app --features axum,sqlite
//! ```
//!
//! It needs no setup: the database is `examples/app.db`, created on first run, and it
//! listens on <http://127.0.0.1:3000>. Set `SESSION_SECRET` to keep sessions across restarts,
//! `SESSIONKIT_APP_ADDR` to listen elsewhere (port 0 picks a free one) and `SESSIONKIT_APP_DB`
//! to use another database file. `examples/app_actix.rs` is the same app on actix-web: the
//! logic and the pages are shared (`examples/support/app_core.rs`); this file only routes.
//!
//! The parts of the Next.js guide, and what replaces them here:
//! - `createSession` → `SessionManager::create_labeled` returned as `SetSession`;
//! - `updateSession` → the `SessionGuard` layer's rolling refresh (a new token, not only a
//!   longer cookie);
//! - `deleteSession` → `SessionManager::revoke` returning the removal cookie;
//! - the proxy → `SessionGuard` (optimistic redirects from the cookie alone);
//! - `verifySession` in the data access layer → the `DbSession<UserSession>` extractor.

#[path = "support/app_core.rs"]
mod app_core;

use app_core::{App, Credentials, Device, Reply, UserSession};
use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sessionkit::{CrossOrigin, DbSession, SessionGuard, SetSession};

/// A shared reply as an axum response.
fn respond(reply: Reply) -> Response {
    match reply {
        Reply::Page(status, html) => (status_code(status), Html(html)).into_response(),
        Reply::Redirect(to, Some(cookie)) => (SetSession(cookie), Redirect::to(to)).into_response(),
        Reply::Redirect(to, None) => Redirect::to(to).into_response(),
        Reply::Status(status) => status_code(status).into_response(),
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|agent| agent.to_str().ok())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (addr, db_path) = app_core::settings()?;
    let app = App::open(&db_path).await?;
    // The guard also gives the `DbSession` extractors behind it their manager.
    let guard = SessionGuard::database(app.sessions.clone())
        .protect("/dashboard")
        .public_only("/login")
        .public_only("/signup")
        .login_path("/login")
        .home_path("/dashboard")
        // Every POST must come from this site's own pages: the guard refuses cross-origin
        // ones (Fetch Metadata, then Origin against Host), and in strict mode also those
        // that carry neither header.
        .cross_origin(CrossOrigin::Strict);

    let router = Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route(
            "/signup",
            get(|| async { respond(app_core::signup_page()) }).post(
                |State(app): State<App>, headers: HeaderMap, Form(form): Form<Credentials>| async move {
                    respond(app_core::signup(&app, form, user_agent(&headers)).await)
                },
            ),
        )
        .route(
            "/login",
            get(|| async { respond(app_core::login_page()) }).post(
                |State(app): State<App>, headers: HeaderMap, Form(form): Form<Credentials>| async move {
                    respond(app_core::login(&app, form, user_agent(&headers)).await)
                },
            ),
        )
        .route(
            "/dashboard",
            get(
                |State(app): State<App>, session: Option<DbSession<UserSession>>| async move {
                    respond(app_core::dashboard(&app, session).await)
                },
            ),
        )
        .route(
            "/logout",
            post(
                |State(app): State<App>, session: Option<DbSession<UserSession>>| async move {
                    respond(app_core::logout(&app, session).await)
                },
            ),
        )
        .route(
            "/logout-everywhere",
            post(
                |State(app): State<App>, session: DbSession<UserSession>| async move {
                    respond(app_core::logout_everywhere(&app, session).await)
                },
            ),
        )
        .route(
            "/sessions/revoke",
            post(
                |State(app): State<App>, session: DbSession<UserSession>, Form(device): Form<Device>| async move {
                    respond(app_core::revoke_device(&app, session, device).await)
                },
            ),
        )
        .layer(guard)
        .with_state(app);

    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router).await?;
    Ok(())
}
