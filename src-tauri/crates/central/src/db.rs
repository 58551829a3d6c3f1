//! The centre's PostgreSQL: a connection pool from a `postgres://` URL and
//! the schema's migrations, embedded from `migrations/V<n>__*.sql` and
//! applied at start.
//!
//! Migrations run under a session advisory lock, so two centres starting
//! at once on the same database apply each migration once (refinery itself
//! does not lock). Nothing else here knows about halls or events.

use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::error::{CentralError, Result};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The advisory lock key the migrations run under ("HallQ" in ASCII).
const MIGRATION_LOCK: i64 = 0x48_61_6c_6c_51;

/// Connections the pool keeps at most.
const POOL_SIZE: usize = 16;

/// The tables that hold no hall's data (Citus reference or local tables);
/// every other table is distributed by `hall_id`.
pub const REFERENCE_TABLES: &[&str] = &["enrol_codes", "central_users", "central_sessions", "refinery_schema_history"];

/// Opens a pool on `url` and migrates the schema; fails if PostgreSQL
/// cannot be reached.
pub async fn connect(url: &str) -> Result<Pool> {
    let config = tokio_postgres::Config::from_str(url).map_err(|e| CentralError::BadRequest {
        zh: format!("PostgreSQL 地址无效（{e}）"),
        en: format!("invalid PostgreSQL URL ({e})"),
    })?;
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    let pool = Pool::builder(manager)
        .max_size(POOL_SIZE)
        .build()
        .map_err(|e| CentralError::Internal(format!("building the pool: {e}")))?;
    migrate(&pool).await?;
    // A centre upgraded from V1 holds events its projections have not
    // seen: they are projected before anything reads them.
    let projected = crate::projection::catch_up(&pool).await?;
    if projected > 0 {
        tracing::info!(events = projected, "projected the events the centre's projections had not seen");
    }
    // A centre upgraded from V4 has projections but no KPI parts.
    let built = crate::parts::build_missing(&pool).await?;
    if built > 0 {
        tracing::info!(halls = built, "built the KPI parts of halls projected before them");
    }
    Ok(pool)
}

/// Applies the migrations not yet applied, one centre at a time.
async fn migrate(pool: &Pool) -> Result<()> {
    let mut client = pool.get().await?;
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await?;
    let outcome = embedded::migrations::runner().run_async(&mut **client).await;
    client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await?;
    outcome?;
    Ok(())
}
