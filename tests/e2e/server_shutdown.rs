//! Stopping the hall server: SIGTERM (a service manager, `systemctl stop`,
//! the desktop app closing) ends `hallq serve` within 5 s with status 0,
//! even while the heaviest what-if simulations the API accepts are running
//! or waiting for their turn.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::server_support::LiveHall;

/// How long a service manager waits after SIGTERM before it SIGKILLs.
const STOP_LIMIT: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_the_server_within_five_seconds_during_the_heaviest_what_ifs() {
    let mut live = LiveHall::start().await;
    // The biggest inputs `POST /reports/simulate` accepts: 2,000 arrivals
    // an hour (the most) for 10 hours (arrivals × hours at most 20,000),
    // 4-hour handling (the most) at one counter, so the queue holds
    // almost everyone and each call looks through thousands; and the same
    // customers spread over 24 hours. One runs, the others wait for the
    // hall's simulation slot.
    let heaviest = [
        json!({"arrivals_per_hour": 2000.0, "handling_minutes": 240.0, "counters": 1, "hours": 10, "seed": 1}),
        json!({"arrivals_per_hour": 2000.0, "handling_minutes": 240.0, "counters": 1, "hours": 10, "seed": 2}),
        json!({"arrivals_per_hour": 833.0, "handling_minutes": 240.0, "counters": 1, "hours": 24, "seed": 3}),
        json!({"arrivals_per_hour": 833.0, "handling_minutes": 240.0, "counters": 2, "hours": 24, "seed": 4,
               "target_wait_minutes": 240}),
    ];
    let requests: Vec<_> = heaviest
        .into_iter()
        .map(|body| {
            let (api, sup) = (live.api.clone(), live.sup.clone());
            tokio::spawn(async move {
                let answer =
                    api.try_send(Method::POST, "/api/v1/reports/simulate", Some(&sup), Some(&body), None).await;
                (answer.map(|a| (a.status, a.body)), Instant::now())
            })
        })
        .collect();
    // Long enough for the first to be running, well short of its work
    // budget (2–3 s of a debug build).
    tokio::time::sleep(Duration::from_millis(400)).await;

    let term = Instant::now();
    live.server.terminate();
    let status = tokio::task::block_in_place(|| live.server.wait_exit(STOP_LIMIT));
    let took = term.elapsed();
    let log = std::fs::read_to_string(live.hall.serve_log()).unwrap_or_default();
    let status = status.unwrap_or_else(|| panic!("hallq serve still runs {STOP_LIMIT:?} after SIGTERM; log:\n{log}"));
    println!("hallq serve stopped {took:?} after SIGTERM ({status})");
    assert!(status.success(), "hallq serve ended with {status} after SIGTERM; log:\n{log}");
    assert!(!log.contains("panicked"), "{log}");

    // The test measured a stop under load only if a simulation was still
    // unanswered when the signal went.
    let mut in_flight = 0;
    for request in requests {
        let (answer, at) = request.await.expect("the request task");
        match answer {
            Err(_) => in_flight += 1,
            Ok((status, body)) => {
                assert_ne!(status, 500, "{body}");
                if at > term {
                    in_flight += 1;
                }
            }
        }
    }
    assert!(in_flight > 0, "every simulation had been answered before SIGTERM: the test measured an idle server");
}
