//! Follow-ups over HTTP: a 不满意 rating at the pad opens a follow-up the
//! board lists with its 15-working-day deadline, and a follow-up case (回访
//! 工单) due the same day; the supervisor closes it with a note, which closes
//! the case; a board cannot close it. Closing the case at the counter closes
//! the follow-up.

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

    // Its case: the FOLLOW_UP type, linked to the ticket, due the same day;
    // the hall has no supervisor among its staff, so the clerk who served
    // has it (the supervisor may reassign it).
    let cases = hall.get(&board, "/api/v1/cases").await.expect(200);
    let case = &cases.as_array().unwrap()[0];
    assert_eq!(cases.as_array().unwrap().len(), 1);
    assert_eq!(
        (case["case_type"].as_str(), case["ticket"].as_str(), case["staff"].as_str(), case["due_day"].as_str()),
        (Some("FOLLOW_UP"), f["ticket"].as_str(), Some("1001"), Some("2026-12-18"))
    );

    let path = format!("/api/v1/follow-ups/{}/close", f["ticket"].as_str().unwrap());
    hall.post(&board, &path, Some(json!({"note": "x"}))).await.expect_error(403, "forbidden");
    hall.post(&sup, &path, Some(json!({"note": ""}))).await.expect_error(422, "invalid_text");
    hall.post(&sup, &path, Some(json!({"note": "已电话回访并致歉"}))).await.expect(200);
    hall.post(&sup, &path, Some(json!({"note": "again"}))).await.expect_error(404, "unknown_follow_up");
    assert_eq!(hall.get(&board, "/api/v1/follow-ups").await.expect(200), json!([]));
    let all = hall.get(&board, "/api/v1/follow-ups?from=2026-11-27&to=2026-11-27").await.expect(200);
    assert_eq!(all[0]["note"], "已电话回访并致歉");
    assert!(all[0]["closed_at"].is_i64());
    let case = hall.get(&board, &format!("/api/v1/cases/{}", case["id"].as_str().unwrap())).await.expect(200);
    assert_eq!((case["case"]["state"].as_str(), case["case"]["outcome"].as_str()), (Some("closed"), Some("resolved")));
    let last = case["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["detail"].as_str()),
        (Some("case_closed"), Some("resolved: 已电话回访并致歉"))
    );

    // The other way: the clerk closes the next follow-up's case at the counter.
    hall.issue(&kiosk, "PAY").await;
    for step in ["call-next", "start", "finish"] {
        hall.post(&counter, &format!("/api/v1/counters/1/{step}"), None).await.expect(200);
    }
    hall.post(&pad, "/api/v1/counters/1/rating", Some(json!({"level": 2}))).await.expect(200);
    let mine = hall.get(&counter, "/api/v1/cases").await.expect(200);
    let id = mine[0]["id"].as_str().unwrap();
    hall.post(&counter, &format!("/api/v1/cases/{id}/close"), Some(json!({"outcome": "resolved"}))).await.expect(200);
    assert_eq!(hall.get(&board, "/api/v1/follow-ups").await.expect(200), json!([]));
}
