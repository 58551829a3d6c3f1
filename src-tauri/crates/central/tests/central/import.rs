//! Exchange files at the centre: `hallq central import` stores a station's
//! export under the push's rules; the same events pushed afterwards are
//! not stored twice.

use reqwest::StatusCode;

use crate::support::{Centre, DemoHall, acknowledged, assert_log, read_export};

#[tokio::test]
async fn an_imported_export_then_an_overlapping_push_stores_each_event_once() {
    let hall = DemoHall::new("TS01", 2, 4);
    let file = hall.export("first.hqx");
    let (header, exported) = read_export(&file);
    let centre = Centre::start().await;

    let imported = hallq_central::import::import_file(&centre.pool, &file, None, 1).await.expect("import");
    assert!(imported.registered);
    assert_eq!((imported.new_events, imported.acknowledged_seq), (exported.len() as u64, exported.len() as u64));
    assert_log(&centre.pool, header.settings.hall.id, &exported).await;
    // Again: nothing new.
    let again = hallq_central::import::import_file(&centre.pool, &file, None, 2).await.expect("import again");
    assert!(!again.registered);
    assert_eq!((again.new_events, again.already_present), (0, exported.len() as u64));

    // The hall works on, enrols, and pushes its whole log from seq 1.
    hall.demo(1, 5, "2026-03-04");
    let (header, events) = hall.log();
    let key = centre.enrol(&header).await;
    let (status, body) = centre.cursor(&key).await;
    assert_eq!((status, acknowledged(&body)), (StatusCode::OK, exported.len() as u64));
    centre.push_all(&key, &events, 1000).await;
    assert_log(&centre.pool, header.settings.hall.id, &events).await;
    let client = centre.pool.get().await.unwrap();
    assert_eq!(client.query_one("SELECT count(*) FROM halls", &[]).await.unwrap().get::<_, i64>(0), 1);

    // An older export after the push: nothing new either.
    let old = hallq_central::import::import_file(&centre.pool, &file, None, 3).await.expect("an older file");
    assert_eq!((old.new_events, old.acknowledged_seq), (0, events.len() as u64));
    assert_log(&centre.pool, header.settings.hall.id, &events).await;
}

#[tokio::test]
async fn a_damaged_or_divergent_file_stores_nothing() {
    let (hall, restored) = DemoHall::diverged("TS01");
    let file = hall.export("hall.hqx");
    let other = restored.export("restored.hqx");
    let (header, events) = read_export(&file);
    let centre = Centre::start().await;

    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    let damaged = file.with_file_name("damaged.hqx");
    std::fs::write(&damaged, &bytes).unwrap();
    let refused = hallq_central::import::import_file(&centre.pool, &damaged, None, 1).await.expect_err("damaged");
    assert_eq!(refused.code(), "exchange_damaged", "{refused}");
    assert_log(&centre.pool, header.settings.hall.id, &[]).await;

    hallq_central::import::import_file(&centre.pool, &file, None, 1).await.expect("import");
    let refused = hallq_central::import::import_file(&centre.pool, &other, None, 2).await.expect_err("divergent");
    assert_eq!(refused.code(), "divergent_log", "{refused}");
    assert_log(&centre.pool, header.settings.hall.id, &events).await;
}
