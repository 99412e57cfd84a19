//! The example app on Leptos 0.8, server-side rendered: the same accounts, database sessions
//! on SQLite and pages as `examples/app.rs`, with its forms as Leptos server functions
//! (`ActionForm`, which posts as a plain HTML form, so no wasm is needed) and the dashboard
//! read in SSR. Serves on 127.0.0.1:3000 (`SESSIONKIT_APP_ADDR`), database `examples/app.db`
//! (`SESSIONKIT_APP_DB`):
//!
//! ```text
//! cargo run -p sessionkit-tests --example app_leptos --features leptos,sqlite
//! ```
//!
//! Pages: `/` (public), `/signup`, `/login`, and `/dashboard` (protected by the guard), with
//! the device list, "sign out this device", "log out everywhere" and log out.
//!
//! | Next.js guide | here |
//! | --- | --- |
//! | Server Action `signup` / `login` | `#[server]` functions calling `sessionkit::leptos::log_in_db` |
//! | `verifySession` in a server component | `sessionkit::leptos::db_session` in the dashboard's server function |
//! | `deleteSession` | `sessionkit::leptos::revoke` |
//! | `proxy.ts` | `SessionGuard` around the Leptos router |

// The accounts and sessions of the other example apps; their pages are left unused, since
// Leptos renders its own.
#[path = "support/app_core.rs"]
#[allow(dead_code)]
mod app_core;

use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_query_map;
use leptos_router::{SsrMode, path};
use serde::{Deserialize, Serialize};
use sessionkit::leptos::SessionError;
use sessionkit::{CrossOrigin, SessionGuard};

use app_core::{App, Credentials, UserSession};

/// The app's state, as the server functions see it.
fn app() -> Result<App, SessionError> {
    use_context::<App>().ok_or(SessionError::Internal)
}

/// The browser and system the request came from, for the device list.
fn device() -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    let agent = parts.headers.get(axum::http::header::USER_AGENT)?;
    Some(app_core::device_label(agent.to_str().ok()?))
}

#[server(prefix = "/api", endpoint = "signup")]
pub async fn sign_up(email: String, password: String) -> Result<(), SessionError> {
    let app = app()?;
    match app_core::register(&app, &Credentials::new(email, password)).await {
        Ok((user_id, email)) => {
            let session = UserSession { user_id, email };
            let label = device();
            sessionkit::leptos::log_in_db(&app.sessions, &session, label.as_deref()).await?;
            leptos_axum::redirect("/dashboard");
        }
        Err(error) => leptos_axum::redirect(&format!("/signup?error={error:?}")),
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn log_in(email: String, password: String) -> Result<(), SessionError> {
    let app = app()?;
    match app_core::authenticate(&app, &Credentials::new(email, password)).await {
        Some((user_id, email)) => {
            let session = UserSession { user_id, email };
            let label = device();
            sessionkit::leptos::log_in_db(&app.sessions, &session, label.as_deref()).await?;
            leptos_axum::redirect("/dashboard");
        }
        None => leptos_axum::redirect("/login?error=WrongPassword"),
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn log_out() -> Result<(), SessionError> {
    let app = app()?;
    match sessionkit::leptos::optional_db_session::<UserSession>().await? {
        Some(session) => sessionkit::leptos::revoke(&app.sessions, &session).await?,
        None => sessionkit::leptos::log_out::<UserSession>()?,
    }
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout-everywhere")]
pub async fn log_out_everywhere() -> Result<(), SessionError> {
    let app = app()?;
    let session = sessionkit::leptos::db_session::<UserSession>().await?;
    sessionkit::leptos::revoke_user(&app.sessions, &session).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(prefix = "/api", endpoint = "revoke-device")]
pub async fn revoke_device(key: String) -> Result<(), SessionError> {
    let app = app()?;
    let session = sessionkit::leptos::db_session::<UserSession>().await?;
    let key = sessionkit::SessionKey::from_hex(&key).ok_or(SessionError::BadRequest)?;
    app.sessions
        .revoke_session_of(&session.user_id.to_string(), &key)
        .await
        .map_err(|_| SessionError::Unavailable)?;
    leptos_axum::redirect("/dashboard");
    Ok(())
}

/// What the dashboard shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DashboardData {
    email: String,
    created: String,
    expires: String,
    devices: Vec<DeviceRow>,
}

/// One row of "Your sessions".
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeviceRow {
    label: String,
    since: String,
    key: String,
    current: bool,
}

#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn load_dashboard() -> Result<DashboardData, SessionError> {
    let app = app()?;
    let session = sessionkit::leptos::db_session::<UserSession>().await?;
    let devices = app
        .sessions
        .list_sessions(&session.user_id.to_string())
        .await
        .map_err(|_| SessionError::Unavailable)?;
    Ok(DashboardData {
        email: session.email.clone(),
        created: app_core::when(session.created_at()),
        expires: app_core::when(session.expires_at()),
        devices: devices
            .iter()
            .map(|device| DeviceRow {
                label: device
                    .label
                    .clone()
                    .unwrap_or_else(|| "Unknown device".into()),
                since: app_core::when(device.created_at),
                key: device.key.to_hex(),
                current: device.key == session.key(),
            })
            .collect(),
    })
}

fn shell(options: LeptosOptions) -> impl IntoView {
    let _ = options;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <style>{app_core::STYLE}</style>
            </head>
            <body>
                <Pages/>
            </body>
        </html>
    }
}

#[component]
fn Pages() -> impl IntoView {
    view! {
        <Router>
            <main>
                <Routes fallback=|| view! { <h1>"Not found"</h1> }>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/signup") view=SignUpPage/>
                    <Route path=path!("/login") view=LogInPage/>
                    // Rendered whole before the headers leave (`SsrMode::Async`), so that the
                    // response can still carry what the page's server function sets.
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    view! {
        <title>"sessionkit on Leptos"</title>
        <h1>"sessionkit on Leptos"</h1>
        <p>"Database sessions in Leptos server functions."</p>
        <p><a href="/login">"Log in"</a>" or "<a href="/signup">"create an account"</a>"."</p>
    }
}

/// The error named in the query (`?error=Taken`), in words.
fn query_error() -> impl IntoView {
    let query = use_query_map();
    move || {
        let error = query.read().get("error")?;
        let message = match error.as_str() {
            "Invalid" => app_core::AccountError::Invalid.message(),
            "Taken" => app_core::AccountError::Taken.message(),
            "WrongPassword" => app_core::AccountError::WrongPassword.message(),
            _ => app_core::AccountError::Failed.message(),
        };
        Some(view! { <p class="error">{message}</p> })
    }
}

/// The email and password fields of the sign-up and log-in forms, and their button.
fn credential_fields(button: &'static str) -> impl IntoView {
    view! {
        <label>"Email "<input type="email" name="email" required autocomplete="username"/></label>
        <label>"Password "<input type="password" name="password" required minlength="8"/></label>
        <button type="submit">{button}</button>
    }
}

#[component]
fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    view! {
        <title>"Sign up · sessionkit"</title>
        <h1>"Sign up"</h1>
        {query_error()}
        <ActionForm action=action attr:class="stack">{credential_fields("Create account")}</ActionForm>
        <p class="footer">"Already have an account? "<a href="/login">"Log in"</a></p>
    }
}

#[component]
fn LogInPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    view! {
        <title>"Log in · sessionkit"</title>
        <h1>"Log in"</h1>
        {query_error()}
        <ActionForm action=action attr:class="stack">{credential_fields("Log in")}</ActionForm>
        <p class="footer">"New here? "<a href="/signup">"Create an account"</a></p>
    }
}

#[component]
fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_dashboard());
    let log_out = ServerAction::<LogOut>::new();
    let everywhere = ServerAction::<LogOutEverywhere>::new();
    let revoke = ServerAction::<RevokeDevice>::new();
    view! {
        <title>"Dashboard · sessionkit"</title>
        <h1>"Dashboard"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! {
                        <p class="lead">"Signed in as "<strong>{data.email.clone()}</strong>"."</p>
                        <dl>
                            <dt>"Session started"</dt><dd>{data.created.clone()}</dd>
                            <dt>"Expires unless you stay active"</dt><dd>{data.expires.clone()}</dd>
                        </dl>
                        <h2>"Your sessions"</h2>
                        <ul class="devices">
                            {data.devices.into_iter().map(|device| view! {
                                <li class="device">
                                    <div><strong>{device.label}</strong><br/><small>"since "{device.since}</small></div>
                                    {match device.current {
                                        true => view! { <span class="current">"this device"</span> }.into_any(),
                                        false => view! {
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="key" value=device.key/>
                                                <button class="secondary small">"Sign out"</button>
                                            </ActionForm>
                                        }.into_any(),
                                    }}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(_) => view! { <p>"Your session has ended. "<a href="/login">"Log in"</a></p> }.into_any(),
                }
            })}
        </Suspense>
        <div class="actions">
            <ActionForm action=log_out><button id="logout">"Log out"</button></ActionForm>
            <ActionForm action=everywhere>
                <button id="logout-everywhere" class="secondary">"Log out everywhere"</button>
            </ActionForm>
        </div>
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (addr, db_path) = app_core::settings()?;
    let app = App::open(&db_path).await?;
    let options = LeptosOptions::builder()
        .output_name("app_leptos")
        .site_addr(addr)
        .build();
    let routes = generate_route_list(Pages);
    // The guide's proxy in front of every page and server function: it protects the
    // dashboard, sends signed-in users on from the login pages, renews sessions, refuses
    // cross-origin posts, and gives the server functions' `db_session` its manager.
    let guard = SessionGuard::database(app.sessions.clone())
        .protect("/dashboard")
        .public_only("/login")
        .public_only("/signup")
        .login_path("/login")
        .home_path("/dashboard")
        .cross_origin(CrossOrigin::Strict);
    let router = axum::Router::new()
        .leptos_routes_with_context(
            &options,
            routes,
            {
                let app = app.clone();
                move || provide_context(app.clone())
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .layer(guard)
        .with_state(options);

    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router).await?;
    Ok(())
}
