//! The example app of `examples/app.rs`, on actix-web: sign up, log in, the dashboard with
//! "Your sessions", log out, log out everywhere, and the guard's cross-origin protection on POST. The logic and
//! the pages are shared (`examples/support/app_core.rs`); this file only routes.
//!
//! ```text
//! cargo run -p sessionkit-tests --example app_actix --features actix,sqlite
//! ```
//!
//! Like the axum app it needs no setup and listens on <http://127.0.0.1:3000>, with the same
//! `SESSION_SECRET`, `SESSIONKIT_APP_ADDR` and `SESSIONKIT_APP_DB` variables.

#[path = "support/app_core.rs"]
mod app_core;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, LOCATION};
use actix_web::{App as ActixApp, HttpRequest, HttpResponse, HttpServer, web};
use app_core::{App, Credentials, Device, Reply, UserSession};
use sessionkit::CrossOrigin;
use sessionkit::DbSession;
use sessionkit::actix::{SessionGuard, Sessions, SetSession};

/// A shared reply as an actix-web response.
fn respond(reply: Reply, request: &HttpRequest) -> HttpResponse {
    use actix_web::Responder;
    match reply {
        Reply::Page(status, html) => HttpResponse::build(status_code(status))
            .content_type("text/html; charset=utf-8")
            .body(html),
        Reply::Redirect(to, cookie) => {
            let redirect = HttpResponse::SeeOther()
                .insert_header((LOCATION, to))
                .finish();
            match cookie {
                Some(cookie) => SetSession(cookie).with(redirect).respond_to(request),
                None => redirect,
            }
        }
        Reply::Status(status) => HttpResponse::new(status_code(status)),
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn user_agent(request: &HttpRequest) -> Option<&str> {
    request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|agent| agent.to_str().ok())
}

async fn signup(
    app: web::Data<App>,
    form: web::Form<Credentials>,
    request: HttpRequest,
) -> HttpResponse {
    respond(
        app_core::signup(&app, form.into_inner(), user_agent(&request)).await,
        &request,
    )
}

async fn login(
    app: web::Data<App>,
    form: web::Form<Credentials>,
    request: HttpRequest,
) -> HttpResponse {
    respond(
        app_core::login(&app, form.into_inner(), user_agent(&request)).await,
        &request,
    )
}

async fn dashboard(
    app: web::Data<App>,
    session: Option<DbSession<UserSession>>,
    request: HttpRequest,
) -> HttpResponse {
    respond(app_core::dashboard(&app, session).await, &request)
}

async fn logout(
    app: web::Data<App>,
    session: Option<DbSession<UserSession>>,
    request: HttpRequest,
) -> HttpResponse {
    respond(app_core::logout(&app, session).await, &request)
}

async fn logout_everywhere(
    app: web::Data<App>,
    session: DbSession<UserSession>,
    request: HttpRequest,
) -> HttpResponse {
    respond(app_core::logout_everywhere(&app, session).await, &request)
}

async fn revoke_device(
    app: web::Data<App>,
    session: DbSession<UserSession>,
    form: web::Form<Device>,
    request: HttpRequest,
) -> HttpResponse {
    respond(
        app_core::revoke_device(&app, session, form.into_inner()).await,
        &request,
    )
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (addr, db_path) = app_core::settings()?;
    let app = App::open(&db_path).await?;
    let sessions = web::Data::new(Sessions::new(app.sessions.clone()));
    let manager = app.sessions.clone();
    let app = web::Data::new(app);
    let server = HttpServer::new(move || {
        ActixApp::new()
            .app_data(app.clone())
            .app_data(sessions.clone())
            .route(
                "/",
                web::get().to(|| async {
                    HttpResponse::SeeOther()
                        .insert_header((LOCATION, "/dashboard"))
                        .finish()
                }),
            )
            .route(
                "/signup",
                web::get().to(|request: HttpRequest| async move {
                    respond(app_core::signup_page(), &request)
                }),
            )
            .route("/signup", web::post().to(signup))
            .route(
                "/login",
                web::get().to(|request: HttpRequest| async move {
                    respond(app_core::login_page(), &request)
                }),
            )
            .route("/login", web::post().to(login))
            .route("/dashboard", web::get().to(dashboard))
            .route("/logout", web::post().to(logout))
            .route("/logout-everywhere", web::post().to(logout_everywhere))
            .route("/sessions/revoke", web::post().to(revoke_device))
            .wrap(
                SessionGuard::database(manager.clone())
                    .protect("/dashboard")
                    .public_only("/login")
                    .public_only("/signup")
                    .login_path("/login")
                    .home_path("/dashboard")
                    .cross_origin(CrossOrigin::Strict),
            )
    })
    .workers(1)
    .bind(addr)?;
    let bound = server.addrs()[0];
    println!("listening on http://{bound}");
    server.run().await?;
    Ok(())
}
