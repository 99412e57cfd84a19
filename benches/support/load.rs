//! The load generator behind the whole-request benchmarks: keep-alive HTTP/1.1 clients on
//! tokio, the answer check, and interleaved rounds reported as medians and ratios.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::sessions::USER;

/// Connections kept open at once.
pub const CONNECTIONS: usize = 32;

/// A contender: its name, where it listens, and the `Cookie:` header of a signed-in user.
pub struct Contender {
    pub name: &'static str,
    pub addr: SocketAddr,
    pub cookie: Option<String>,
}

pub async fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

/// The bytes of `GET path` with the cookie, made once per connection: the client's own work
/// is overhead that every contender shares, and a long cookie should not cost it more.
pub fn request_head(path: &str, cookie: Option<&str>) -> Vec<u8> {
    let cookie = cookie
        .map(|cookie| format!("cookie: {cookie}\r\n"))
        .unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nhost: bench\r\n{cookie}\r\n").into_bytes()
}

/// One HTTP/1.1 request on a kept-alive connection: the status, the headers and the body.
pub async fn request(
    stream: &mut TcpStream,
    path: &str,
    cookie: Option<&str>,
) -> (u16, String, String) {
    let mut buffer = Vec::with_capacity(1024);
    let (status, header_end, length) =
        exchange(stream, &request_head(path, cookie), &mut buffer).await;
    let headers = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let body = String::from_utf8_lossy(&buffer[header_end..header_end + length]).into_owned();
    (status, headers, body)
}

/// Sends `head` and reads the whole response into `buffer`: the status, where the headers
/// end and the body's length.
pub async fn exchange(
    stream: &mut TcpStream,
    head: &[u8],
    buffer: &mut Vec<u8>,
) -> (u16, usize, usize) {
    stream.write_all(head).await.unwrap();
    buffer.clear();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let read = stream.read(&mut chunk).await.unwrap();
        assert!(read > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let headers = std::str::from_utf8(&buffer[..header_end]).unwrap();
    let status = headers[9..12].parse().unwrap();
    let length: usize = header(headers, "content-length").map_or(0, |value| value.parse().unwrap());
    while buffer.len() < header_end + length {
        let read = stream.read(&mut chunk).await.unwrap();
        assert!(read > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..read]);
    }
    (status, header_end, length)
}

/// The value of the first header `name` (matched without regard to case).
pub fn header<'h>(headers: &'h str, name: &str) -> Option<&'h str> {
    headers.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// Signs in through a peer's `/login` once and returns its session cookie as a `Cookie:`
/// value (`name=value`), for the timed requests to carry.
pub async fn login_cookie(addr: SocketAddr, peer: &str) -> String {
    let (_, headers, _) = request(&mut connect(addr).await, "/login", None).await;
    let set_cookie = header(&headers, "set-cookie")
        .unwrap_or_else(|| panic!("{peer} sets its cookie at /login"));
    set_cookie.split(';').next().unwrap().to_owned()
}

/// 200 with the right id with the cookie, 401 without: checked before anything is timed.
pub async fn check(contender: &Contender) {
    let mut stream = connect(contender.addr).await;
    let (status, _, body) = request(&mut stream, "/me", contender.cookie.as_deref()).await;
    assert_eq!((status, body.as_str()), (200, USER), "{}", contender.name);
    if contender.cookie.is_some() {
        let (status, _, _) = request(&mut stream, "/me", None).await;
        assert_eq!(status, 401, "{} without a cookie", contender.name);
    }
}

/// Requests per second over `CONNECTIONS` keep-alive connections for `length`.
pub async fn round(contender: &Contender, length: Duration) -> f64 {
    let done = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for _ in 0..CONNECTIONS {
        let mut stream = connect(contender.addr).await;
        let (done, count) = (Arc::clone(&done), Arc::clone(&count));
        let head = request_head("/me", contender.cookie.as_deref());
        clients.push(tokio::spawn(async move {
            let mut buffer = Vec::with_capacity(1024);
            while !done.load(Ordering::Relaxed) {
                let (status, _, _) = exchange(&mut stream, &head, &mut buffer).await;
                debug_assert_eq!(status, 200);
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let start = Instant::now();
    tokio::time::sleep(length).await;
    done.store(true, Ordering::Relaxed);
    let elapsed = start.elapsed();
    for client in clients {
        client.await.unwrap();
    }
    count.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64()
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    // A contender left out by `REQUESTS_ONLY` has no rounds.
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Checks every contender, runs the interleaved rounds and prints each one's median
/// requests per second and its ratio to each of `baselines` (contender names; a baseline
/// that is not in the run gets no column).
pub async fn measure(contenders: &[Contender], baselines: &[&str]) {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and wants a quick
    // check, not a measurement.
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let rounds = if measuring {
        env_number("REQUESTS_ROUNDS", 15)
    } else {
        1
    };
    let length = Duration::from_millis(if measuring {
        env_number("REQUESTS_ROUND_MS", 400)
    } else {
        50
    });
    for contender in contenders {
        check(contender).await;
    }
    // For profiling one contender: `REQUESTS_ONLY=HS256` keeps the names that contain it.
    let only = std::env::var("REQUESTS_ONLY").ok();
    let timed: Vec<bool> = contenders
        .iter()
        .map(|contender| {
            only.as_deref()
                .is_none_or(|only| contender.name.contains(only))
        })
        .collect();
    let mut results: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    for index in 0..rounds as usize {
        // A different order each round, so no contender always runs first.
        for offset in 0..contenders.len() {
            let which = (index + offset) % contenders.len();
            if timed[which] {
                results[which].push(round(&contenders[which], length).await);
            }
        }
    }
    let medians: Vec<f64> = results.iter_mut().map(|values| median(values)).collect();
    let baselines: Vec<(&str, f64)> = baselines
        .iter()
        .filter_map(|name| {
            let index = contenders
                .iter()
                .position(|contender| contender.name == *name)?;
            Some((*name, medians[index]))
        })
        .collect();
    println!(
        "GET /me, {CONNECTIONS} keep-alive connections, {rounds} interleaved rounds of {} ms",
        length.as_millis()
    );
    print!("{:<40} {:>12}", "contender", "median req/s");
    for (name, _) in &baselines {
        print!("  / {name}");
    }
    println!();
    for (contender, median) in contenders.iter().zip(&medians) {
        print!("{:<40} {:>12.0}", contender.name, median);
        for (name, baseline) in &baselines {
            print!("  {:>w$.2}x", median / baseline, w = name.len() + 1);
        }
        println!();
    }
}
