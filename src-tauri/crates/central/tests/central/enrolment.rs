//! Enrolment and keys: a one-time code gives a hall its key; the key pushes
//! only its own hall's events; a revoked key is refused.

use hallq_central::enrol::{self, create_code};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::support::{Centre, DemoHall, Enrolled, acknowledged, assert_log, assert_refused, enrolled, now};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[tokio::test]
async fn an_enrolled_hall_pushes_its_log_and_reads_its_cursor() {
    let Enrolled { centre, header, events, key } = enrolled("TS01", 2, 4).await;
    let (status, body) = centre.cursor(&key).await;
    assert_eq!((status, acknowledged(&body)), (StatusCode::OK, 0));

    centre.push_all(&key, &events, 1000).await;
    let (status, body) = centre.cursor(&key).await;
    assert_eq!((status, acknowledged(&body)), (StatusCode::OK, events.len() as u64));
    assert_log(&centre.pool, header.settings.hall.id, &events).await;

    // Only hashes are stored: the key's SHA-256, never the key.
    let client = centre.pool.get().await.unwrap();
    let row = client.query_one("SELECT key_hash, county, code FROM halls", &[]).await.unwrap();
    assert_eq!(row.get::<_, Vec<u8>>(0), Sha256::digest(key.as_bytes()).to_vec());
    assert_eq!(row.get::<_, Option<String>>(1).as_deref(), Some("罗阳县"));
    assert_eq!(row.get::<_, String>(2), "TS01");
}

#[tokio::test]
async fn a_code_enrols_once_within_seven_days_and_only_its_own_hall() {
    let hall = DemoHall::new("TS01", 1, 4);
    let (header, _) = hall.log();
    let centre = Centre::start().await;

    assert_refused(&centre.enrol_raw("AAAA-BBBB-CCCC", &header).await, StatusCode::FORBIDDEN, "enrol_code_unknown");

    let code = centre.code("TS01", now()).await;
    // Typed in lower case with spaces: the same code.
    let typed = code.to_lowercase().replace('-', " ");
    let (status, body) = centre.enrol_raw(&typed, &header).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_refused(&centre.enrol_raw(&code, &header).await, StatusCode::FORBIDDEN, "enrol_code_used");

    let old = centre.code("TS01", now() - 8 * DAY_MS).await;
    assert_refused(&centre.enrol_raw(&old, &header).await, StatusCode::FORBIDDEN, "enrol_code_expired");
    let last_day = centre.code("TS01", now() - 6 * DAY_MS).await;
    assert_eq!(centre.enrol_raw(&last_day, &header).await.0, StatusCode::OK);

    let other = centre.code("TS02", now()).await;
    assert_refused(&centre.enrol_raw(&other, &header).await, StatusCode::FORBIDDEN, "enrol_code_other_hall");
    // Another hall (another id) cannot take a code that a hall holds.
    let mut twin = header.clone();
    twin.settings.hall.id = uuid::Uuid::from_u128(7);
    let code = centre.code("TS01", now()).await;
    assert_refused(&centre.enrol_raw(&code, &twin).await, StatusCode::CONFLICT, "hall_code_taken");

    // Codes are stored hashed, never in clear.
    let client = centre.pool.get().await.unwrap();
    for row in client.query("SELECT code_hash FROM enrol_codes", &[]).await.unwrap() {
        assert_eq!(row.get::<_, Vec<u8>>(0).len(), 32);
    }
    let plain = code.replace('-', "");
    let query = "SELECT count(*) FROM enrol_codes e WHERE strpos(e::text, $1) > 0 OR strpos(e::text, $2) > 0";
    let stored = client.query_one(query, &[&code, &plain]).await.unwrap();
    assert_eq!(stored.get::<_, i64>(0), 0, "a code in clear");
    assert_log(&centre.pool, header.settings.hall.id, &[]).await;
}

#[tokio::test]
async fn a_revoked_key_is_refused_and_a_new_enrolment_pushes_on() {
    let Enrolled { centre, header, events, key } = enrolled("TS01", 2, 4).await;
    let half = events.len() / 2;
    centre.push_all(&key, &events[..half], 500).await;

    enrol::revoke(&centre.pool, "TS01", now()).await.expect("revoke");
    assert_refused(&centre.push(&key, &events[half..]).await, StatusCode::UNAUTHORIZED, "key_revoked");
    assert_refused(&centre.cursor(&key).await, StatusCode::UNAUTHORIZED, "key_revoked");
    assert_log(&centre.pool, header.settings.hall.id, &events[..half]).await;

    let new_key = centre.enrol(&header).await;
    assert_ne!(new_key, key);
    assert_refused(&centre.push(&key, &events[half..]).await, StatusCode::UNAUTHORIZED, "unauthorized");
    centre.push_all(&new_key, &events[half..], 500).await;
    assert_log(&centre.pool, header.settings.hall.id, &events).await;
}

#[tokio::test]
async fn a_key_pushes_only_its_own_halls_events() {
    let (a, b) = (DemoHall::new("TS01", 1, 4), DemoHall::new("TS02", 1, 5));
    let ((ha, ea), (hb, eb)) = (a.log(), b.log());
    let centre = Centre::start().await;
    let key_a = centre.enrol(&ha).await;
    let key_b = centre.enrol(&hb).await;

    assert_refused(&centre.push(&key_a, &eb[..100]).await, StatusCode::FORBIDDEN, "foreign_hall");
    // One of B's events among A's: the whole batch is refused.
    let mut mixed = ea[..100].to_vec();
    mixed[50] = eb[50].clone();
    assert_refused(&centre.push(&key_a, &mixed).await, StatusCode::FORBIDDEN, "foreign_hall");
    assert_log(&centre.pool, ha.settings.hall.id, &[]).await;
    assert_log(&centre.pool, hb.settings.hall.id, &[]).await;

    // No key, a made-up key, a key that is not even base64.
    let garbage = hallq_central::ingest::encode_batch(&ea[..10]);
    let response = centre.http.post(format!("{}/central/v1/events", centre.base)).body(garbage.clone()).send().await;
    let response = response.unwrap();
    let status = response.status();
    assert_refused(&(status, response.json().await.unwrap()), StatusCode::UNAUTHORIZED, "unauthorized");
    let forged = format!("{}{}", &key_a[..22], "A".repeat(key_a.len() - 22));
    assert_refused(&centre.push_raw(&forged, garbage.clone()).await, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_refused(&centre.push_raw("not a key!", garbage).await, StatusCode::UNAUTHORIZED, "unauthorized");

    centre.push_all(&key_a, &ea, 1000).await;
    centre.push_all(&key_b, &eb, 1000).await;
    assert_log(&centre.pool, ha.settings.hall.id, &ea).await;
    assert_log(&centre.pool, hb.settings.hall.id, &eb).await;
}

#[tokio::test]
async fn codes_last_seven_days() {
    let centre = Centre::start().await;
    let made = create_code(&centre.pool, " TS01 ", None, 1_000).await.expect("a code");
    assert_eq!(made.expires_at, 1_000 + 7 * DAY_MS);
    assert_eq!(made.hall_code, "TS01");
    assert_eq!(made.code.len(), 14, "{}", made.code);
    assert!(create_code(&centre.pool, "  ", None, 1_000).await.is_err());
}
