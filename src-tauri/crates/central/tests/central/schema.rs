//! The schema's distribution rules, read from PostgreSQL's catalogue: a
//! province that outgrows one PostgreSQL runs the same schema on Citus,
//! distributed by hall id, only if every table but the reference ones is
//! keyed by `hall_id` first and no foreign key crosses halls.

use hallq_central::db::{self, REFERENCE_TABLES};

use crate::postgres::cluster;

#[tokio::test]
async fn every_table_but_the_reference_ones_is_keyed_by_hall_first() {
    let url = cluster().database().await;
    // Two centres starting at once migrate once; a third finds nothing to do.
    let (a, b) = tokio::join!(db::connect(&url), db::connect(&url));
    let pool = a.and(b).expect("connect and migrate");
    db::connect(&url).await.expect("migrate again");
    let client = pool.get().await.unwrap();

    let tables: Vec<String> = client
        .query("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let projections = [
        "hall_states",
        "tickets",
        "counter_sessions",
        "services",
        "staff",
        "counters",
        "follow_ups",
        "case_types",
        "cases",
        "staff_sessions",
        "kpi_parts",
    ];
    for table in ["halls", "events", "enrol_codes"].into_iter().chain(projections) {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
    }
    let distributed: Vec<&String> = tables.iter().filter(|t| !REFERENCE_TABLES.contains(&t.as_str())).collect();
    assert!(distributed.len() >= 13, "{distributed:?}");

    for table in &distributed {
        // Every unique index (primary keys and unique constraints included)
        // starts with hall_id; every table has a primary key.
        let rows = client
            .query(
                "SELECT i.indexrelid::regclass::text, i.indisprimary, a.attname::text
                 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                 WHERE i.indrelid = $1::text::regclass AND i.indisunique",
                &[table],
            )
            .await
            .unwrap();
        assert!(rows.iter().any(|r| r.get::<_, bool>(1)), "{table} has a primary key");
        for r in &rows {
            let (index, first): (String, String) = (r.get(0), r.get(2));
            assert_eq!(first, "hall_id", "{table}'s unique index {index} must start with hall_id");
        }
        let first_column: String = client
            .query_one(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = $1 AND ordinal_position = 1",
                &[table],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(first_column, "hall_id", "{table}'s first column");
    }
    // No foreign key between distributed tables (or anywhere but to a
    // reference table).
    let foreign: Vec<String> = client
        .query(
            "SELECT conname::text, confrelid::regclass::text FROM pg_constraint
             WHERE contype = 'f' AND connamespace = 'public'::regnamespace",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .filter(|r| !REFERENCE_TABLES.contains(&r.get::<_, String>(1).as_str()))
        .map(|r| r.get(0))
        .collect();
    assert!(foreign.is_empty(), "foreign keys between distributed tables: {foreign:?}");
    // The event log's key is (hall_id, seq) and its ids are unique per hall.
    let keys: Vec<String> = client
        .query(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype IN ('p', 'u') ORDER BY contype",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(keys, ["PRIMARY KEY (hall_id, seq)", "UNIQUE (hall_id, id)"]);
}
