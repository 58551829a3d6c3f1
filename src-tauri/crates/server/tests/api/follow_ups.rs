//! Follow-ups over HTTP: a 不满意 rating at the pad opens a follow-up the
//! board lists with its 15-working-day deadline; the supervisor closes it with
//! a note; a board cannot close it.

use serde_json::json;

use crate::support::{Hall, at};

#[tokio::test]
async fn a_low_rating_opens_a_follow_up_that_the_supervisor_closes() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let counter = hall.pair(&sup, "counter", Some(1)).await;
    let pad = hall.pair(&sup, "rating_pad", Some(1)).await;
    let board = hall.pair(&sup, "board", None).await;
    hall.open_counter(&counter, 1, "1001").await;
    hall.issue(&kiosk, "PAY").await;
    for step in ["call-next", "start", "finish"] {
        hall.post(&counter, &format!("/api/v1/counters/1/{step}"), None).await.expect(200);
    }
    hall.set_time(at(9, 5, 0));
    hall.post(&pad, "/api/v1/counters/1/rating", Some(json!({"level": 1, "reason": "efficiency"}))).await.expect(200);

    let open = hall.get(&board, "/api/v1/follow-ups").await.expect(200);
    let list = open.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let f = &list[0];
    assert_eq!(
        (f["number"].as_str(), f["level"].as_u64(), f["reason"].as_str()),
        (Some("A001"), Some(1), Some("efficiency"))
    );
    assert_eq!(
        (f["counter"].as_u64(), f["staff"].as_str(), f["overdue"].as_bool()),
        (Some(1), Some("1001"), Some(false))
    );
    // Rated on Friday 2026-11-27: 15 working days later is Friday 2026-12-18.
    assert_eq!(f["deadline"], "2026-12-18");

    let path = format!("/api/v1/follow-ups/{}/close", f["ticket"].as_str().unwrap());
    hall.post(&board, &path, Some(json!({"note": "x"}))).await.expect_error(403, "forbidden");
    hall.post(&sup, &path, Some(json!({"note": ""}))).await.expect_error(422, "invalid_text");
    hall.post(&sup, &path, Some(json!({"note": "已电话回访并致歉"}))).await.expect(200);
    hall.post(&sup, &path, Some(json!({"note": "again"}))).await.expect_error(404, "unknown_follow_up");
    assert_eq!(hall.get(&board, "/api/v1/follow-ups").await.expect(200), json!([]));
    let all = hall.get(&board, "/api/v1/follow-ups?from=2026-11-27&to=2026-11-27").await.expect(200);
    assert_eq!(all[0]["note"], "已电话回访并致歉");
    assert!(all[0]["closed_at"].is_i64());
}
