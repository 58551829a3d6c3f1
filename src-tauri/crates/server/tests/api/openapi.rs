//! The OpenAPI document is true: every documented route answers (not 404 or
//! 405), every other method on a documented path is 405, and paths it does
//! not document are 404. The document itself is whole: every `$ref` in it
//! points at a schema it holds. (That the router serves nothing undocumented is
//! also true by construction: the guard answers 405 for any route missing
//! from the document; see the unit test in `lib.rs`.)

use reqwest::Method;
use serde_json::json;

use crate::support::Hall;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

#[tokio::test]
async fn every_documented_route_answers_and_nothing_else_does() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let doc = hall.send(Method::GET, "/api/v1/openapi.json", None, None).await.expect(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for m in item.as_object().unwrap().keys() {
            documented.push((m.to_uppercase(), path.clone()));
        }
    }
    // Ending the session last: it revokes the token the others use.
    documented.sort_by_key(|(m, p)| (m == "DELETE" && p == "/api/v1/session", p.clone(), m.clone()));
    for (method, path) in &documented {
        let concrete = path
            .replace("{counter}", "1")
            .replace("{ticket}", "A001")
            .replace("{id}", "00000000-0000-7000-8000-000000000000")
            .replace("{code}", "PAY")
            .replace("{number}", "1");
        let body = (method == "POST" || method == "PUT").then(|| json!({"__probe": true}));
        let a = hall.send(Method::from_bytes(method.as_bytes()).unwrap(), &concrete, Some(&sup), body).await;
        // A documented route may say "no such ticket" (404), never "no such route".
        assert!(a.status != 405 && a.code() != "no_route", "{method} {path} is documented but answers {}", a.body);
        assert!(a.status < 500, "{method} {path}: {}", a.body);
        for other in METHODS.iter().filter(|m| !paths[path].as_object().unwrap().contains_key(&m.to_lowercase())) {
            let a = hall.send(Method::from_bytes(other.as_bytes()).unwrap(), &concrete, None, None).await;
            a.expect_error(405, "method_not_allowed");
        }
    }
    for path in ["/api/v1", "/api/v1/", "/api/v1/ticket", "/api/v1/admin", "/api/v2/tickets", "/"] {
        hall.send(Method::GET, path, Some(&sup), None).await.expect_error(404, "no_route");
    }
}

/// Every `$ref` in `value` (a JSON pointer into the document), with where it was found.
fn refs<'a>(value: &'a serde_json::Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push((at.clone(), r)),
                    _ => refs(v, format!("{at}/{k}"), out),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                refs(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_ref_in_the_document_resolves() {
    let hall = Hall::start().await;
    let doc = hall.send(Method::GET, "/api/v1/openapi.json", None, None).await.expect(200);
    let mut found = Vec::new();
    refs(&doc, String::new(), &mut found);
    assert!(found.len() > 50, "the document uses references: {}", found.len());
    let broken: Vec<String> = found
        .iter()
        .filter(|(_, r)| r.strip_prefix('#').is_none_or(|pointer| doc.pointer(pointer).is_none()))
        .map(|(at, r)| format!("{at} -> {r}"))
        .collect();
    assert!(broken.is_empty(), "references that point nowhere:\n{}", broken.join("\n"));
}

#[tokio::test]
async fn files_are_sent_with_a_content_type_the_document_declares() {
    // The export was documented as application/octet-stream and sent as
    // text/csv or XLSX: a client generated from the document (and
    // schemathesis' content-type check) would have refused it.
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let doc = hall.send(Method::GET, "/api/v1/openapi.json", None, None).await.expect(200);
    let http = reqwest::Client::new();
    for (path, query) in [
        ("/api/v1/reports/export", "?format=csv&by=staff"),
        ("/api/v1/reports/export", "?format=xlsx"),
        ("/api/v1/openapi.json", ""),
    ] {
        let res = http.get(format!("{}{path}{query}", hall.base)).bearer_auth(&sup).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}{query}");
        let sent = res.headers()["content-type"].to_str().unwrap().to_string();
        // The media type without its parameters (`; charset=utf-8`).
        let essence = sent.split(';').next().unwrap().trim();
        let declared = doc["paths"][path]["get"]["responses"]["200"]["content"].as_object().unwrap();
        assert!(
            declared.contains_key(essence),
            "{path}{query} is sent as {sent}, the document declares {:?}",
            declared.keys().collect::<Vec<_>>()
        );
    }
}
