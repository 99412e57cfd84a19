//! What the README's Security section says is wiped, checked where an allocator can see it:
//! every heap buffer freed while a token is made and opened, and while keys are dropped, is
//! searched for the secret, the derived keys and the claims' plaintext.
//!
//! The allocator below reads each buffer as it is freed, which needs `unsafe` (a
//! `GlobalAlloc` is an unsafe trait); it lives in this test only. It sees the heap, not the
//! stack or registers: copies there are outside what this test (or the README) claims.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use sessionkit::{Algorithm, Keys, Session, derive_content_key, derive_signing_key};

/// The byte strings no freed buffer may hold while armed, and how many freed buffers did.
struct Watch {
    armed: AtomicBool,
    found: AtomicUsize,
    freed: AtomicUsize,
}

static WATCH: Watch = Watch {
    armed: AtomicBool::new(false),
    found: AtomicUsize::new(0),
    freed: AtomicUsize::new(0),
};
/// Set before arming and never reallocated while armed.
static MARKERS: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

struct Checking;

// SAFETY: every call is forwarded to the system allocator unchanged; `dealloc` only reads
// the buffer it is handed, which is valid for `layout.size()` bytes until it is freed.
unsafe impl GlobalAlloc for Checking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // Disarmed while searching, so that the search's own work is not searched.
        if WATCH.armed.swap(false, Ordering::SeqCst) {
            let freed = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            WATCH.freed.fetch_add(1, Ordering::SeqCst);
            if let Ok(markers) = MARKERS.try_lock() {
                if markers.iter().any(|marker| {
                    freed
                        .windows(marker.len())
                        .any(|window| window == &marker[..])
                }) {
                    WATCH.found.fetch_add(1, Ordering::SeqCst);
                }
            }
            WATCH.armed.store(true, Ordering::SeqCst);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Checking = Checking;

/// A payload whose JSON holds a marker that its Rust value does not: the number's digits
/// exist only as text, in the claims' plaintext.
#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "wiped", ttl = "1h")]
struct Sealed {
    account: u64,
}

#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "wiped-signed", ttl = "1h", algorithm = "HS512")]
struct Signed {
    account: u64,
}

/// Claims several times longer than the first buffer they are written into, so that the
/// buffer grows while it holds plaintext.
#[derive(Serialize, Deserialize, Session)]
#[session(cookie = "wiped", ttl = "1h")]
struct Large {
    accounts: Vec<u64>,
}

/// The same payload in Auth.js's token and in an iron seal, whose ciphers (AES-CBC) and
/// key derivations (HKDF with the cookie name; PBKDF2 per seal) are their own.
#[derive(Serialize, Deserialize, Session)]
#[session(format = "authjs", cookie = "authjs.session-token")]
struct AuthJs {
    account: u64,
}

#[derive(Serialize, Deserialize, Session)]
#[session(format = "iron", cookie = "iron-session")]
struct Iron {
    account: u64,
}

const ACCOUNT: u64 = 8_237_461_923_847_561_923;
const SECRET: &[u8] = b"WIPE-MARKER-secret-0123456789-abcdefghijklmnop";

/// Runs `work` with the allocator armed and returns how many freed buffers held a marker.
fn freed_with_markers(work: impl FnOnce()) -> (usize, usize) {
    WATCH.found.store(0, Ordering::SeqCst);
    WATCH.freed.store(0, Ordering::SeqCst);
    WATCH.armed.store(true, Ordering::SeqCst);
    work();
    WATCH.armed.store(false, Ordering::SeqCst);
    (
        WATCH.found.load(Ordering::SeqCst),
        WATCH.freed.load(Ordering::SeqCst),
    )
}

// One test, so that no other test's allocations run while the allocator is armed.
#[test]
fn no_freed_buffer_keeps_a_secret_a_derived_key_or_decrypted_claims() {
    {
        let mut markers = MARKERS.lock().unwrap();
        markers.push(SECRET.to_vec());
        markers.push(ACCOUNT.to_string().into_bytes());
        markers.push(derive_content_key(SECRET, "wiped").to_vec());
        markers.push(derive_signing_key(SECRET, Algorithm::Hs512, "wiped-signed").to_vec());
        markers.reserve(0);
    }

    let (found, freed) = freed_with_markers(|| {
        let keys = Keys::new(SECRET).expect("a valid secret");
        let token = Sealed { account: ACCOUNT }.encrypt(&keys).expect("seals");
        let opened = Sealed::decrypt(&token, &keys).expect("opens");
        assert_eq!(opened.account, ACCOUNT);
        // A signed token's claims are readable in the token itself, so their JSON is not
        // wiped (the README says so): its payload holds no marker. Its key still must not
        // be left behind.
        let signed = Signed { account: 1 }.encrypt(&keys).expect("signs");
        let verified = Signed::decrypt(&signed, &keys).expect("verifies");
        assert_eq!(verified.account, 1);
        let large = Large {
            accounts: vec![ACCOUNT; 60],
        }
        .encrypt(&keys)
        .expect("seals");
        assert_eq!(
            Large::decrypt(&large, &keys).expect("opens").accounts.len(),
            60
        );
        drop(large);
        let authjs = AuthJs { account: ACCOUNT }.encrypt(&keys).expect("seals");
        assert_eq!(
            AuthJs::decrypt(&authjs, &keys).expect("opens").account,
            ACCOUNT
        );
        let iron = Iron { account: ACCOUNT }.encrypt(&keys).expect("seals");
        assert_eq!(Iron::decrypt(&iron, &keys).expect("opens").account, ACCOUNT);
        drop((authjs, iron));
        // A refused token (the wrong type's key) must not leave anything behind either.
        assert!(Sealed::decrypt(&signed, &keys).is_err());
        drop((token, opened, signed, verified, keys));
    });
    assert!(
        freed > 5,
        "the allocator saw the work ({freed} buffers freed)"
    );
    assert_eq!(
        found, 0,
        "{found} of {freed} freed buffers still held a secret, a key or plaintext"
    );

    // The check can fail: a buffer that is not wiped is seen.
    let (found, _) = freed_with_markers(|| drop(ACCOUNT.to_string()));
    assert_eq!(found, 1, "the allocator sees an unwiped buffer");
}
