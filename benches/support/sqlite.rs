//! The SQLite pool every benchmark gives both libraries' stores alike: a WAL file in a
//! directory of this run's own.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

pub async fn sqlite_pool(name: &str) -> sqlx::SqlitePool {
    let dir = std::env::temp_dir().join(format!("sessionkit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.join(name))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    SqlitePoolOptions::new()
        .connect_with(options)
        .await
        .unwrap()
}
