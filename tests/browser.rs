//! The example app in a real browser: headless Chromium driven over WebDriver.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them), so the test is
//! `#[ignore]`d (cargo counts it as ignored, not passed) and runs with `-- --ignored`;
//! asked to run without them, it fails.
#![cfg(all(feature = "axum", feature = "sqlite"))]

#[path = "support/app.rs"]
mod app;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use app::{Framework, RunningApp};
use fantoccini::{ClientBuilder, Locator};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free loopback port; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start listening"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The test is `#[ignore]`d, so it runs only when asked for; then a missing browser is a
/// failure, never a quiet pass.
fn assert_browser_installed() {
    assert!(
        Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists(),
        "{CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)"
    );
}

/// The same journey through the axum app and the actix-web app, one after the other (they
/// would share the browser profile and driver port if run at once).
#[tokio::test]
#[ignore = "needs Chromium: `apt-get install chromium chromium-driver`, then run with `-- --ignored`"]
async fn log_in_through_the_form_in_chromium() {
    assert_browser_installed();
    for framework in [Framework::Axum, Framework::Actix] {
        log_in_on(framework).await;
    }
}

async fn log_in_on(framework: Framework) {
    let app = RunningApp::start(framework);
    // The account to log in with, made over plain HTTP.
    let signup = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.at("/signup"))
        .header("origin", &app.url)
        .form(&[
            ("email", "ada@example.com"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), reqwest::StatusCode::SEE_OTHER);

    let browser = Browser::start().await;
    let client = &browser.client;

    // 1. Log in through the real form.
    client.goto(&app.at("/login")).await.unwrap();
    submit_credentials(client, "ada@example.com", "correct horse battery").await;
    wait_for_path(client, "/dashboard").await;
    let page = client.source().await.unwrap();
    assert!(page.contains("ada@example.com"), "{page}");

    // 2. The browser stored the cookie HttpOnly, SameSite=Lax, Path=/.
    assert_session_cookie_stored(client).await;

    // 3. Page scripts cannot read it.
    let visible = client
        .execute("return document.cookie", vec![])
        .await
        .unwrap();
    assert!(
        !visible.as_str().unwrap_or_default().contains("sid="),
        "document.cookie = {visible}"
    );

    // 4a. Another origin (a second port on 127.0.0.1: same-site, so the Lax cookie rides
    // along) posts to the app while the user is signed in: a `fetch` and an auto-submitted
    // form, both to "log out everywhere". The guard refuses both (Sec-Fetch-Site:
    // same-site), so the session survives.
    let attacker = AttackerPage::serve(&app.at("/logout-everywhere"));
    client.goto(&attacker.url("fetch")).await.unwrap();
    wait_for_title(client, "fetch-settled").await;
    client.goto(&app.at("/dashboard")).await.unwrap();
    wait_for_path(client, "/dashboard").await;
    client.goto(&attacker.url("form")).await.unwrap();
    wait_for_path(client, "/logout-everywhere").await;
    let refused = client.source().await.unwrap();
    assert!(
        refused.contains("cross-origin request refused"),
        "the cross-origin form was not refused: {refused}"
    );
    client.goto(&app.at("/dashboard")).await.unwrap();
    wait_for_path(client, "/dashboard").await;
    assert!(client.source().await.unwrap().contains("ada@example.com"));

    // 6. A screenshot of the dashboard, for a person to look at.
    let screenshot = client.screenshot().await.unwrap();
    // The workspace's target directory, one up from this package (`tests/`).
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    std::fs::create_dir_all(&target).unwrap();
    let name = format!("dashboard-{}.png", format!("{framework:?}").to_lowercase());
    std::fs::write(target.join(name), &screenshot).unwrap();
    assert!(screenshot.starts_with(b"\x89PNG"));

    // 4. Reloading keeps the session.
    client.refresh().await.unwrap();
    wait_for_path(client, "/dashboard").await;

    // 5. Logging out lands on /login, and the dashboard is closed again.
    log_out_and_find_the_dashboard_closed(client, &app).await;

    browser.close().await;
}

/// Headless Chromium under chromedriver, with a profile of its own.
struct Browser {
    client: fantoccini::Client,
    profile: std::path::PathBuf,
    _driver: Driver,
}

impl Browser {
    async fn start() -> Browser {
        let driver = Driver::start();
        let profile = std::env::temp_dir().join(format!(
            "sessionkit-chromium-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1000,800",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.as_object().unwrap().clone())
            .connect(&driver.url)
            .await
            .expect("a Chromium session");
        Browser {
            client,
            profile,
            _driver: driver,
        }
    }

    async fn close(self) {
        self.client.close().await.unwrap();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The browser holds the session cookie as the app set it: HttpOnly, SameSite=Lax, Path=/.
async fn assert_session_cookie_stored(client: &fantoccini::Client) {
    let cookies = client.get_all_cookies().await.unwrap();
    let sid = cookies
        .iter()
        .find(|cookie| cookie.name() == "sid")
        .expect("the session cookie is stored");
    assert_eq!(sid.http_only(), Some(true));
    assert_eq!(sid.same_site(), Some(cookie::SameSite::Lax));
    assert_eq!(sid.path(), Some("/"));
}

/// Clicks the element `locator` finds.
async fn click(client: &fantoccini::Client, locator: Locator<'_>) {
    client.find(locator).await.unwrap().click().await.unwrap();
}

/// Logs out with the dashboard's button: the browser lands on `/login`, and the dashboard
/// sends it back there.
async fn log_out_and_find_the_dashboard_closed(client: &fantoccini::Client, app: &RunningApp) {
    click(client, Locator::Id("logout")).await;
    wait_for_path(client, "/login").await;
    client.goto(&app.at("/dashboard")).await.unwrap();
    wait_for_path(client, "/login").await;
}

/// Fills the form on the current page and submits it.
async fn submit_credentials(client: &fantoccini::Client, email: &str, password: &str) {
    for (field, value) in [("email", email), ("password", password)] {
        client
            .find(Locator::Css(&format!("input[name={field}]")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    click(client, Locator::Css("button[type=submit]")).await;
}

/// The Leptos app in Chromium: sign up through its server-function form (a plain HTML form:
/// no wasm), reload, see a second device and sign it out, log out, and find the dashboard
/// closed while signed out.
#[cfg(feature = "leptos")]
#[tokio::test]
#[ignore = "needs Chromium: `apt-get install chromium chromium-driver`, then run with `-- --ignored`"]
async fn the_leptos_app_in_chromium() {
    assert_browser_installed();
    let app = RunningApp::start(Framework::Leptos);
    let browser = Browser::start().await;
    let client = &browser.client;

    // 1. Sign up through the form: the server function sets the cookie and redirects.
    client.goto(&app.at("/signup")).await.unwrap();
    submit_credentials(client, "grace@example.com", "correct horse battery").await;
    wait_for_path(client, "/dashboard").await;
    assert!(client.source().await.unwrap().contains("grace@example.com"));
    assert_session_cookie_stored(client).await;

    // 2. Reloading keeps the session.
    client.refresh().await.unwrap();
    wait_for_path(client, "/dashboard").await;
    assert!(client.source().await.unwrap().contains("grace@example.com"));

    // 3. A second device logs in over HTTP; the browser sees it and signs it out.
    let other = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = other
        .post(app.at("/api/login"))
        .header("origin", &app.url)
        .header("accept", "text/html")
        .header("referer", app.at("/login"))
        .form(&[
            ("email", "grace@example.com"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.headers()["location"], "/dashboard");
    let other_sid = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let other_dashboard = || {
        other
            .get(app.at("/dashboard"))
            .header("cookie", &other_sid)
            .header("accept", "text/html")
            .send()
    };
    assert_eq!(other_dashboard().await.unwrap().status(), 200);
    client.refresh().await.unwrap();
    wait_for_path(client, "/dashboard").await;
    assert!(client.source().await.unwrap().contains("Unknown device"));
    click(client, Locator::Css("li.device form button")).await;
    // The form posts and comes back to the same path: wait for the new page, not the path.
    wait_until_gone(client, "Unknown device").await;
    // The revoked device is refused, and its cookie removed.
    let refused = other_dashboard().await.unwrap();
    assert_eq!(refused.status(), 401);
    let removal = refused.headers()["set-cookie"].to_str().unwrap();
    assert!(
        removal.starts_with("sid=;") && removal.contains("Max-Age=0"),
        "{removal}"
    );
    // The browser's own session is untouched.
    client.refresh().await.unwrap();
    wait_for_path(client, "/dashboard").await;
    assert!(client.source().await.unwrap().contains("grace@example.com"));

    // 4. Log out, and the dashboard is closed again.
    log_out_and_find_the_dashboard_closed(client, &app).await;
    browser.close().await;
}

/// A page on another origin (its own port on 127.0.0.1) that posts to `target`: with
/// `fetch` at `/fetch` (setting the title once it settles), with an auto-submitted form at
/// `/form`. Served by a thread until the test ends.
struct AttackerPage {
    port: u16,
}

impl AttackerPage {
    fn serve(target: &str) -> AttackerPage {
        use std::io::{Read, Write};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let fetch = format!(
            "<!doctype html><title>fetching</title><script>\
             fetch({target:?}, {{method: 'POST', credentials: 'include', \
             body: new URLSearchParams({{x: '1'}})}})\
             .finally(() => {{ document.title = 'fetch-settled'; }});</script>"
        );
        let form = format!(
            "<!doctype html><title>form</title><form id=f method=post action={target:?}>\
             <input type=hidden name=x value=1></form>\
             <script>document.getElementById('f').submit();</script>"
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = [0u8; 4096];
                let read = stream.read(&mut request).unwrap_or(0);
                let request = String::from_utf8_lossy(&request[..read]);
                let body = match request.starts_with("GET /form") {
                    true => &form,
                    false => &fetch,
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        AttackerPage { port }
    }

    fn url(&self, page: &str) -> String {
        format!("http://127.0.0.1:{}/{page}", self.port)
    }
}

async fn wait_for_title(client: &fantoccini::Client, title: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = client.title().await.unwrap();
        if now == title {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected the title {title}, still {now}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_until_gone(client: &fantoccini::Client, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page = client.source().await.unwrap();
        if !page.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{text:?} is still on the page: {page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_for_path(client: &fantoccini::Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = client.current_url().await.unwrap();
        if url.path() == path {
            return;
        }
        assert!(Instant::now() < deadline, "expected {path}, still at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
