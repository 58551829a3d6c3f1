//! The screens' server side: the UI's pages (built or not, never blank)
//! and the display's spoken call, which only speaks called tickets and only
//! to the roles that voice calls.

use reqwest::Method;

use crate::support::Hall;

#[tokio::test]
async fn every_page_answers_html_built_or_not() {
    let hall = Hall::start().await;
    for page in ["/kiosk", "/counter", "/display", "/rate", "/board", "/reports", "/settings"] {
        let a = hall.send(Method::GET, page, None, None).await;
        assert!(a.status == 200 || a.status == 503, "{page}: {}", a.status);
        let html = a.body.as_str().unwrap_or_default().to_lowercase();
        assert!(html.starts_with("<!doctype html>"), "{page}: {html}");
        if a.status == 503 {
            assert!(html.contains("界面尚未构建") && html.contains("has not been built"), "bilingual: {html}");
        }
    }
    hall.send(Method::GET, "/assets/no-such-file.js", None, None).await.expect_error(404, "no_route");
}

#[tokio::test]
async fn the_spoken_call_is_a_wav_for_display_board_and_supervisor_only() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let display = hall.pair(&sup, "display", None).await;
    let counter = hall.pair(&sup, "counter", Some(1)).await;
    let ticket = hall.issue(&kiosk, "PAY").await;
    let id = ticket["id"].as_str().unwrap();
    let path = format!("/api/v1/voice/calls/{id}");

    // Not called yet: there is nothing to say.
    hall.get(&display, &path).await.expect_error(422, "invalid_request");

    hall.open_counter(&counter, 1, "1001").await;
    hall.post(&counter, "/api/v1/counters/1/call-next", None).await.expect(200);
    let a = hall.get(&display, &path).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.as_str().unwrap_or_default().starts_with("RIFF"), "a WAV");
    // Cached on the server: the second answer is the same file. Never in
    // the display's browser: a lobby TV would keep every call's WAV, and a
    // number called again at another counter says another counter.
    assert_eq!(a.cache_control.as_deref(), Some("no-store"));
    assert_eq!(hall.get(&display, &path).await.body, a.body);
    // By number too; never for a kiosk or a counter.
    assert_eq!(
        hall.get(&sup, &format!("/api/v1/voice/calls/{}", ticket["number"].as_str().unwrap())).await.status,
        200
    );
    hall.get(&kiosk, &path).await.expect_error(403, "forbidden");
    hall.get(&counter, &path).await.expect_error(403, "forbidden");
    hall.get(&display, "/api/v1/voice/calls/Z999").await.expect_error(404, "unknown_ticket");
}
