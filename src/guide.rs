//! The guide: how to use sessionkit, chapter by chapter. Every code block here compiles as a
//! doctest (`cargo test --doc --all-features -p sessionkit`), and every shell command runs
//! in CI (`.ci/commands.py`). The chapters are the files under `docs/` in the repository.
//!
//! | chapter | for |
//! | --- | --- |
//! | [`attributes`] | every `#[session(...)]` key, with its values and default |
//! | [`stateless`] | sessions in a signed or encrypted cookie: the methods and the token formats |
//! | [`database`] | sessions in a store: the manager, concurrency, devices, every store |
//! | [`revocation`] | fast and revocable: the cookie cache of database sessions and the stores' revocation feed |
//! | [`axum`] | extractors, `SetSession`, the guard and `SessionLayer` on axum |
//! | [`actix`] | the same on actix-web |
//! | [`leptos`] | sessions in Leptos 0.8 server functions and SSR |
//! | [`dioxus`] | sessions in Dioxus 0.7 fullstack server functions |
//! | [`sharing`] | cookies shared with a Next.js app, Auth.js, NextAuth.js v4 and iron-session |
//! | [`protection`] | the route guard: rules, answers without a session, cross-origin requests |
//! | [`errors`] | errors and HTTP statuses, and an app error type that wraps them |
//! | [`operations`] | key rotation, purging, logging, running several instances, Redis Cluster |
//! | [`security`] | what is guaranteed, how, and what is not |
//! | [`testing`] | testing an app that uses sessionkit, and this repository's own tests |
//!
//! **Which session do I want?**
//!
//! - A **stateless** session (the [`stateless`] chapter) needs no database and costs one
//!   token check per request; it cannot be ended before it expires, so keep its `ttl`
//!   short or use `max_lifetime`.
//! - A **database** session (the [`database`] chapter) can be revoked, one device or all of
//!   a user's at once, and lists a user's devices; each request reads the store, unless
//!   its cookie carries a cached copy ([`revocation`]).
//! - A cookie **another app owns** (a Next.js app with Auth.js or iron-session, the
//!   [`sharing`] chapter) is read with the same derive and left alone.
//!
//! **Examples** in the repository: `quickstart` (start here), `database` (database sessions
//! on a SQLite file), `store_from_env` (the store chosen by `SESSION_STORE`), `keygen`
//! (prints a `SESSION_SECRET=` line), `nextjs_interop` (verifies a cookie a Next.js app
//! made), and in the `sessionkit-tests` package `app` and `app_actix` (the example web app
//! on axum and actix-web) and `authjs_api` (an axum API reading an Auth.js cookie).
//!
//! The guide is built with every feature, as docs.rs builds it.

#[doc = include_str!("../docs/attributes.md")]
pub mod attributes {}

#[doc = include_str!("../docs/stateless.md")]
pub mod stateless {}

#[doc = include_str!("../docs/database.md")]
pub mod database {}

#[doc = include_str!("../docs/revocation.md")]
pub mod revocation {}

#[doc = include_str!("../docs/axum.md")]
pub mod axum {}

#[doc = include_str!("../docs/actix.md")]
pub mod actix {}

#[doc = include_str!("../docs/leptos.md")]
pub mod leptos {}

#[doc = include_str!("../docs/dioxus.md")]
pub mod dioxus {}

#[doc = include_str!("../docs/sharing.md")]
pub mod sharing {}

#[doc = include_str!("../docs/protection.md")]
pub mod protection {}

#[doc = include_str!("../docs/errors.md")]
pub mod errors {}

#[doc = include_str!("../docs/operations.md")]
pub mod operations {}

#[doc = include_str!("../docs/security.md")]
pub mod security {}

#[doc = include_str!("../docs/testing.md")]
pub mod testing {}
