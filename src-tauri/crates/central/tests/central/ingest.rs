//! Pushing batches: the exchange import's exactly-once rules at the centre
//! — a batch twice changes nothing, a gap and a divergent log are refused
//! with the seq that matters, garbage stores nothing.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use hallq_central::ingest::{MAX_BATCH_BYTES, MAX_BATCH_EVENTS, encode_batch};
use reqwest::StatusCode;

use crate::support::{Centre, DemoHall, Enrolled, acknowledged, assert_log, assert_refused, enrolled};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[tokio::test]
async fn the_same_batch_twice_changes_nothing() {
    let Enrolled { centre, header, events, key } = enrolled("TS01", 2, 4).await;
    for _ in 0..2 {
        let (status, body) = centre.push(&key, &events[..1000]).await;
        assert_eq!((status, acknowledged(&body)), (StatusCode::OK, 1000), "{body}");
    }
    assert_log(&centre.pool, header.settings.hall.id, &events[..1000]).await;
    // A batch that overlaps what the centre holds stores only what is new.
    let (status, body) = centre.push(&key, &events[499..1500]).await;
    assert_eq!((status, acknowledged(&body)), (StatusCode::OK, 1500), "{body}");
    // A batch of old events only answers the centre's cursor.
    let (status, body) = centre.push(&key, &events[9..20]).await;
    assert_eq!((status, acknowledged(&body)), (StatusCode::OK, 1500), "{body}");
    let (status, body) = centre.push(&key, &[]).await;
    assert_eq!((status, acknowledged(&body)), (StatusCode::OK, 1500), "{body}");
    assert_log(&centre.pool, header.settings.hall.id, &events[..1500]).await;
}

#[tokio::test]
async fn a_gap_is_refused_naming_the_seq_expected() {
    let Enrolled { centre, header, events, key } = enrolled("TS01", 1, 4).await;
    centre.push_all(&key, &events[..100], 100).await;
    let answer = centre.push(&key, &events[200..300]).await;
    assert_refused(&answer, StatusCode::CONFLICT, "sequence_gap");
    assert!(answer.1["message_en"].as_str().unwrap().contains("expects seq 101"), "{}", answer.1);
    assert!(answer.1["message_zh"].as_str().unwrap().contains("101"), "{}", answer.1);
    assert_log(&centre.pool, header.settings.hall.id, &events[..100]).await;
}

#[tokio::test]
async fn a_divergent_log_is_refused_and_the_centre_keeps_its_events() {
    // The hall pushes its second day; then, restored from the backup of
    // its first day, it pushes another: the same seqs, other events.
    let (hall, restored) = DemoHall::diverged("TS01");
    let (header, events) = hall.log();
    let (_, other) = restored.log();
    let first_day = events.iter().zip(&other).take_while(|(a, b)| a == b).count();
    assert!(first_day > 100 && first_day < events.len(), "the logs share their first day only");

    let centre = Centre::start().await;
    let key = centre.enrol(&header).await;
    centre.push_all(&key, &events, 1000).await;
    let held = events.len();
    let diverges = first_day as u64 + 1;

    assert!(other.len() > held, "the restored hall's log grew past the centre's");
    // From before the divergence, from it, and from the centre's last
    // event (a batch that repeats the acknowledged event, as a forwarder
    // should, so that a divergence behind it is caught too).
    for from in [first_day - 50, first_day, held - 1] {
        let answer = centre.push(&key, &other[from..other.len().min(from + 500)]).await;
        assert_refused(&answer, StatusCode::CONFLICT, "divergent_log");
        let en = answer.1["message_en"].as_str().unwrap();
        let first = diverges.max(from as u64 + 1);
        assert!(en.contains(&format!("at seq {first}")), "{en}");
        assert!(en.contains(&format!("1–{held}")), "{en}");
    }
    assert_log(&centre.pool, header.settings.hall.id, &events).await;
    let (status, body) = centre.cursor(&key).await;
    assert_eq!((status, acknowledged(&body)), (StatusCode::OK, held as u64));
}

#[tokio::test]
async fn garbage_batches_store_nothing() {
    let Enrolled { centre, header, events, key } = enrolled("TS01", 5, 4).await;
    assert!(events.len() > MAX_BATCH_EVENTS, "enough events for an oversized batch");
    let good: Vec<u8> = String::from_utf8(flate2_decode(&encode_batch(&events[..20]))).unwrap().into_bytes();

    // Not gzip at all.
    assert_refused(&centre.push_raw(&key, good.clone()).await, StatusCode::BAD_REQUEST, "bad_batch");
    // gzip cut short.
    let whole = gzip(&good);
    assert_refused(
        &centre.push_raw(&key, whole[..whole.len() / 2].to_vec()).await,
        StatusCode::BAD_REQUEST,
        "bad_batch",
    );
    // Valid lines, then one that is not JSON.
    let mut bad_json = good.clone();
    bad_json.extend_from_slice(b"{\"seq\": 21, \"id\": \n");
    assert_refused(&centre.push_raw(&key, gzip(&bad_json)).await, StatusCode::BAD_REQUEST, "bad_batch");
    // A real event whose kind no HallQ knows.
    let text = String::from_utf8(good.clone()).unwrap();
    let kind = format!("\"kind\":\"{}\"", events[10].data.kind());
    let unknown = text.replacen(&kind, "\"kind\":\"teleported\"", 1);
    assert_ne!(unknown, text);
    let answer = centre.push_raw(&key, gzip(unknown.as_bytes())).await;
    assert_refused(&answer, StatusCode::BAD_REQUEST, "bad_batch");
    assert!(answer.1["message_en"].as_str().unwrap().contains("teleported"), "{}", answer.1);
    // Out of seq order.
    let mut swapped = events[..20].to_vec();
    swapped.swap(3, 4);
    assert_refused(&centre.push(&key, &swapped).await, StatusCode::BAD_REQUEST, "bad_batch");
    // Too many events; too many bytes once uncompressed; too many bytes sent.
    let answer = centre.push(&key, &events[..MAX_BATCH_EVENTS + 1]).await;
    assert_refused(&answer, StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large");
    let bomb = gzip(&vec![b' '; MAX_BATCH_BYTES + 1]);
    assert_refused(&centre.push_raw(&key, bomb).await, StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large");
    let mut huge = vec![0x1f, 0x8b];
    huge.extend((0..MAX_BATCH_BYTES + 10).map(|i| (i * 7919 % 251) as u8));
    assert_refused(&centre.push_raw(&key, huge).await, StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large");

    assert_log(&centre.pool, header.settings.hall.id, &[]).await;
    // The largest batch allowed is taken whole.
    let (status, body) = centre.push(&key, &events[..MAX_BATCH_EVENTS]).await;
    assert_eq!((status, acknowledged(&body)), (StatusCode::OK, MAX_BATCH_EVENTS as u64), "{body}");
    assert_log(&centre.pool, header.settings.hall.id, &events[..MAX_BATCH_EVENTS]).await;
}

fn flate2_decode(gz: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz), &mut out).unwrap();
    out
}
