//! What reaches the extractors through the request rather than the router's state: each
//! session type's [`Keys`] or manager, put there by a [`SessionLayer`] or by a guard. This
//! is why the extractors work in any router state (`()` included), and why two session
//! types under two secrets can live in one app.
//!
//! The framework adapters only move a [`Provided`] into and out of their request's
//! extensions; which configuration an extractor gets, and what it says when there is none,
//! is decided here once.

use std::any::{Any, TypeId};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::db::manager::OpenedTicket;
use crate::db::{DbSession, SessionManager, SessionStore};
use crate::error::Error;
use crate::keys::Keys;
use crate::session::Session;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Gives each session type its keys or its manager through the request, so that the
/// [`Verified<T>`](crate::Verified) and [`DbSession<T>`] extractors find them in any router
/// state:
///
/// ```text
/// Router::new()
///     .route("/me", get(me))
///     .layer(SessionLayer::new().keys::<AuthJsSession>(auth_keys).keys::<ApiSession>(api_keys))
/// ```
///
/// With axum it is a tower layer (`Router::layer`); with actix-web, middleware
/// (`App::wrap`). A [`SessionGuard`](crate::axum::SessionGuard) does the same for the
/// keys or manager it was built with, so an app with a guard needs a `SessionLayer` only for
/// the other session types. When several layers name the same type, the one nearest the
/// handler wins.
#[derive(Clone, Default)]
pub struct SessionLayer {
    table: Table,
}

impl std::fmt::Debug for SessionLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys are secret and managers are opaque: only the count says anything useful.
        f.debug_struct("SessionLayer")
            .field("entries", &self.table.0.len())
            .finish()
    }
}

impl SessionLayer {
    /// A layer that gives nothing yet: add session types with [`keys`](Self::keys) and
    /// [`manager`](Self::manager).
    pub fn new() -> SessionLayer {
        SessionLayer::default()
    }

    /// The keys that the session type `T`'s stateless extractor
    /// ([`Verified<T>`](crate::Verified)) verifies with.
    pub fn keys<T: Session + 'static>(mut self, keys: Keys) -> SessionLayer {
        self.table.put(KeysOf::<T>::new(keys));
        self
    }

    /// The manager that the session type `T`'s database extractor ([`DbSession<T>`]) loads
    /// with, whatever its store.
    pub fn manager<T, S>(mut self, manager: Arc<SessionManager<T, S>>) -> SessionLayer
    where
        T: Session + Send + Sync + 'static,
        S: SessionStore + 'static,
    {
        self.table.put(Sessions::new(manager));
        self
    }

    /// What this layer puts into each request.
    pub(crate) fn table(&self) -> &Table {
        &self.table
    }
}

/// One layer's entries, keyed by the type of their value; shared by every request.
#[derive(Clone, Default)]
pub(crate) struct Table(Arc<Vec<(TypeId, Arc<dyn Any + Send + Sync>)>>);

impl Table {
    /// Adds `value`, replacing an earlier entry of the same type.
    pub(crate) fn put<V: Any + Send + Sync>(&mut self, value: V) {
        let entries = Arc::make_mut(&mut self.0);
        entries.retain(|(id, _)| *id != TypeId::of::<V>());
        entries.push((TypeId::of::<V>(), Arc::new(value)));
    }

    fn get<V: Any>(&self) -> Option<&V> {
        // A layer holds a few session types: a scan beats hashing.
        self.0
            .iter()
            .find(|(id, _)| *id == TypeId::of::<V>())
            .and_then(|(_, value)| value.downcast_ref())
    }
}

/// The tables of every layer a request went through, nearest the handler first. It lives
/// in the request's extensions.
#[derive(Clone)]
pub(crate) struct Provided {
    table: Table,
    outer: Option<Arc<Provided>>,
}

impl Provided {
    /// `table` in front of what the layers further out gave (`outer`). The common case, one
    /// layer, allocates nothing.
    pub(crate) fn layered(table: &Table, outer: Option<Provided>) -> Provided {
        Provided {
            table: table.clone(),
            outer: outer.map(Arc::new),
        }
    }

    fn get<V: Any>(&self) -> Option<&V> {
        let mut provided = self;
        loop {
            if let Some(value) = provided.table.get() {
                return Some(value);
            }
            provided = provided.outer.as_deref()?;
        }
    }
}

/// The keys of session type `T`, kept apart from every other type's.
pub(crate) struct KeysOf<T> {
    keys: Keys,
    session_type: std::marker::PhantomData<fn() -> T>,
}

impl<T> KeysOf<T> {
    pub(crate) fn new(keys: Keys) -> KeysOf<T> {
        KeysOf {
            keys,
            session_type: std::marker::PhantomData,
        }
    }
}

/// A session type's configuration is missing: the application forgot a layer. The
/// extractor answers `500`, and the log names the call to add.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unconfigured;

/// The keys that `T`'s extractor verifies with: a layer's or the guard's for `T`, else
/// `fallback` (the app's own registration: a router state that is `Keys`, or actix-web's
/// `web::Data<Keys>`).
pub(crate) fn keys_for<'a, T: 'static>(
    provided: Option<&'a Provided>,
    fallback: Option<&'a Keys>,
) -> Result<&'a Keys, Unconfigured> {
    match provided.and_then(|provided| provided.get::<KeysOf<T>>()) {
        Some(of) => Ok(&of.keys),
        None => fallback.ok_or_else(|| {
            tracing::error!(
                session_type = std::any::type_name::<T>(),
                "sessionkit: the Verified<{0}> extractor found no keys for this request; add \
                 `.layer(SessionLayer::new().keys::<{0}>(keys))` (axum) or \
                 `.wrap(SessionLayer::new().keys::<{0}>(keys))` (actix-web), or put a \
                 SessionGuard for the type in front",
                short_name::<T>(),
            );
            Unconfigured
        }),
    }
}

/// The manager that `T`'s database extractor loads with: a layer's or the guard's for `T`,
/// else `fallback` (actix-web's `web::Data<Sessions<T>>`).
pub(crate) fn sessions_for<'a, T: 'static>(
    provided: Option<&'a Provided>,
    fallback: Option<&'a Sessions<T>>,
) -> Result<&'a Sessions<T>, Unconfigured> {
    match provided.and_then(|provided| provided.get::<Sessions<T>>()) {
        Some(sessions) => Ok(sessions),
        None => fallback.ok_or_else(|| {
            tracing::error!(
                session_type = std::any::type_name::<T>(),
                "sessionkit: the DbSession<{0}> extractor found no session manager for this \
                 request; add `.layer(SessionLayer::new().manager(manager))` (axum) or \
                 `.wrap(SessionLayer::new().manager(manager))` (actix-web) with the \
                 SessionManager<{0}, _>, or put SessionGuard::database(manager) in front",
                short_name::<T>(),
            );
            Unconfigured
        }),
    }
}

/// `T`'s name without its module path, as the user writes it in the call to add.
fn short_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    let generic = full.find('<').unwrap_or(full.len());
    match full[..generic].rfind("::") {
        Some(end) => &full[end + 2..],
        None => full,
    }
}

/// The [`SessionManager`] of session type `T` with its store type erased, as the
/// [`DbSession<T>`] extractor uses it. [`SessionLayer::manager`] and the database guard make
/// one; actix-web apps may also register one with
/// `App::app_data(web::Data::new(Sessions::new(manager)))`.
pub struct Sessions<T> {
    loader: Arc<dyn Loader<T>>,
}

impl<T> Clone for Sessions<T> {
    fn clone(&self) -> Self {
        Sessions {
            loader: Arc::clone(&self.loader),
        }
    }
}

impl<T: Session + Send + Sync + 'static> Sessions<T> {
    /// Wraps the manager the extractor loads sessions with.
    pub fn new<S: SessionStore + 'static>(manager: Arc<SessionManager<T, S>>) -> Sessions<T> {
        Sessions { loader: manager }
    }
}

impl<T> Sessions<T> {
    /// Loads the session: from the ticket the guard already opened, or from the cookie.
    pub(crate) fn load<'a>(
        &'a self,
        cookie_header: &'a str,
        opened: Option<OpenedTicket<T>>,
    ) -> BoxFuture<'a, Result<DbSession<T>, Error>> {
        self.loader.load(cookie_header, opened)
    }
}

/// Loading a session, with the store type erased.
trait Loader<T>: Send + Sync {
    fn load<'a>(
        &'a self,
        cookie_header: &'a str,
        opened: Option<OpenedTicket<T>>,
    ) -> BoxFuture<'a, Result<DbSession<T>, Error>>;
}

impl<T: Session + Send + Sync + 'static, S: SessionStore + 'static> Loader<T>
    for SessionManager<T, S>
{
    fn load<'a>(
        &'a self,
        cookie_header: &'a str,
        opened: Option<OpenedTicket<T>>,
    ) -> BoxFuture<'a, Result<DbSession<T>, Error>> {
        Box::pin(async move {
            let now = time::OffsetDateTime::now_utc();
            match opened {
                Some(ticket) => self.load_opened(ticket, now).await,
                None => self.load_at(cookie_header, now).await,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct A;
    struct B;

    #[test]
    fn the_nearest_layer_wins_and_each_type_keeps_its_own_keys() {
        let (outer_a, inner_a, b) = (Keys::generate().0, Keys::generate().0, Keys::generate().0);
        // `a` must be the inner table's entry, not the outer one's.
        let mut outer = Table::default();
        outer.put(KeysOf::<A>::new(outer_a));
        outer.put(KeysOf::<B>::new(b));
        let mut inner = Table::default();
        inner.put(KeysOf::<A>::new(inner_a));
        let provided = Provided::layered(&inner, Some(Provided::layered(&outer, None)));
        let a = keys_for::<A>(Some(&provided), None).unwrap();
        assert!(std::ptr::eq(
            a,
            &provided.table.get::<KeysOf<A>>().unwrap().keys
        ));
        assert!(keys_for::<B>(Some(&provided), None).is_ok());
        assert!(keys_for::<String>(Some(&provided), None).is_err());
        assert!(keys_for::<A>(None, None).is_err());
    }

    #[test]
    fn a_later_entry_for_the_same_type_replaces_the_earlier() {
        let mut table = Table::default();
        table.put(KeysOf::<A>::new(Keys::generate().0));
        table.put(KeysOf::<A>::new(Keys::generate().0));
        assert_eq!(table.0.len(), 1);
    }

    #[test]
    fn short_names_drop_the_module_path() {
        assert_eq!(short_name::<A>(), "A");
        assert_eq!(short_name::<Vec<u8>>(), "Vec<u8>");
    }
}
