//! The routes behind the centre's page: the report as a workbook or CSV
//! (`/central/v1/reports/kpis/export`, read back and compared with the
//! JSON reports: the groupings, by county when the viewer sees several
//! counties, the commitments) and the upload of an exchange file (`/central/v1/import`:
//! the same exactly-once rules as `hallq central import`, and who may
//! upload which hall's file).

use std::io::Cursor;

use calamine::{Data, Reader as _, Xlsx};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Centre, DemoHall, assert_log, assert_refused, hallq_with, read_export};

const PASSWORD: &str = "correct horse 9";
const RANGE: &str = "from=2026-03-01&to=2026-03-31";

impl Centre {
    /// A user made with `hallq central user add`, logged in: their token.
    async fn user(&self, name: &str, county: Option<&str>) -> String {
        let mut args = vec!["central", "--postgres", &self.url, "user", "add", "--name", name, "--role"];
        match county {
            Some(c) => args.extend(["county", "--county", c]),
            None => args.push("province"),
        }
        hallq_with(&[("HALLQ_CENTRAL_PASSWORD", PASSWORD)], &args);
        let r = self
            .http
            .post(format!("{}/central/v1/login", self.base))
            .json(&json!({"name": name, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    }

    /// `POST /central/v1/import` with `body`: status and JSON.
    async fn upload(&self, token: Option<&str>, body: Vec<u8>) -> (StatusCode, Value) {
        let mut request = self.http.post(format!("{}/central/v1/import", self.base)).body(body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let r = request.send().await.unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    }

    /// A GET with a user's token: status, content type and body.
    async fn fetch(&self, token: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
        let r = self.http.get(format!("{}{path}", self.base)).bearer_auth(token).send().await.unwrap();
        let kind = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        (r.status(), kind, r.bytes().await.unwrap().to_vec())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uploaded_file_is_imported_once_and_a_damaged_one_stores_nothing() {
    let hall = DemoHall::new("PA", 2, 41);
    let file = hall.export("pa.hqx");
    let (header, events) = read_export(&file);
    let centre = Centre::start().await;
    let province = centre.user("li", None).await;
    let bytes = std::fs::read(&file).unwrap();

    assert_refused(&centre.upload(None, bytes.clone()).await, StatusCode::UNAUTHORIZED, "session_unknown");
    let mut damaged = bytes.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x55;
    assert_refused(&centre.upload(Some(&province), damaged).await, StatusCode::BAD_REQUEST, "exchange_damaged");
    assert_log(&centre.pool, header.settings.hall.id, &[]).await;
    // Past a push's 8 MiB limit the upload is still read whole, then refused
    // for what it is.
    let garbage = vec![b'x'; 9 * 1024 * 1024];
    let (status, body) = centre.upload(Some(&province), garbage).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("exchange_foreign_format")), "{body}");

    let (status, done) = centre.upload(Some(&province), bytes.clone()).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["hall_code"], "PA");
    assert_eq!((done["new_events"].as_u64(), done["already_present"].as_u64()), (Some(events.len() as u64), Some(0)));
    assert_eq!(done["registered"], true);
    let (status, again) = centre.upload(Some(&province), bytes).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!((again["new_events"].as_u64(), again["already_present"].as_u64()), (Some(0), Some(events.len() as u64)));
    assert_log(&centre.pool, header.settings.hall.id, &events).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_county_manager_uploads_their_county_s_halls_and_new_ones_only() {
    let ours = DemoHall::new("CA", 1, 42);
    let theirs = DemoHall::new("CB", 1, 43);
    let centre = Centre::start().await;
    // CB is known at the centre, in another county.
    hallq_central::import::import_file(&centre.pool, &theirs.export("cb.hqx"), Some("东山县"), 1).await.unwrap();
    let zhang = centre.user("zhang", Some("罗阳县")).await;

    let theirs_file = theirs.export("cb2.hqx");
    let (header, events) = read_export(&theirs_file);
    // (The county's name is in both messages: `assert_refused` would take
    // it for Chinese in the English one.)
    let (status, refused) = centre.upload(Some(&zhang), std::fs::read(&theirs_file).unwrap()).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("other_county")), "{refused}");
    assert!(refused["message_zh"].as_str().unwrap().contains("营业厅 CB 属于“东山县”"), "{refused}");
    assert!(refused["message_en"].as_str().unwrap().contains("hall CB is in county '东山县'"), "{refused}");
    assert_log(&centre.pool, header.settings.hall.id, &events).await;

    // A hall the centre did not know joins the uploader's county, and is
    // then in their reports.
    let (status, done) = centre.upload(Some(&zhang), std::fs::read(ours.export("ca.hqx")).unwrap()).await;
    assert_eq!((status, done["registered"].as_bool()), (StatusCode::OK, Some(true)), "{done}");
    let client = centre.pool.get().await.unwrap();
    let county: Option<String> =
        client.query_one("SELECT county FROM halls WHERE code = 'CA'", &[]).await.unwrap().get(0);
    assert_eq!(county.as_deref(), Some("罗阳县"));
    let (status, _, body) = centre.fetch(&zhang, &format!("/central/v1/reports/kpis?{RANGE}&by=hall")).await;
    let report: Value = serde_json::from_slice(&body).unwrap();
    let keys: Vec<&str> = report["groups"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!((status, keys), (StatusCode::OK, vec!["CA"]));
}

/// A cell of `sheet` by its row's key and its column's header.
fn cell(book: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str, row: &str, header: &str) -> Data {
    let range = book.worksheet_range(sheet).unwrap();
    let mut rows = range.rows();
    let head: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    let at = |name: &str| head.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {head:?}"));
    let (key, col) = (at("键\nKey"), at(header));
    rows.find(|r| r[key] == row).unwrap_or_else(|| panic!("no row {row} in {sheet}"))[col].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_workbook_and_the_csv_hold_the_json_report_s_figures() {
    let (a, b) = (DemoHall::new("XA", 2, 44), DemoHall::new("XB", 2, 45));
    let centre = Centre::start().await;
    for (hall, name, county) in [(&a, "xa.hqx", Some("罗阳县")), (&b, "xb.hqx", None)] {
        hallq_central::import::import_file(&centre.pool, &hall.export(name), county, 1).await.unwrap();
    }
    let li = centre.user("li", None).await;
    let zhang = centre.user("zhang", Some("罗阳县")).await;
    let (_, _, cases) = centre.fetch(&li, &format!("/central/v1/reports/cases?{RANGE}")).await;
    let cases: Value = serde_json::from_slice(&cases).unwrap();
    let xa_cases = cases["by_hall"].as_array().unwrap().iter().find(|g| g["key"] == "XA").expect("XA's cases");
    let opened = xa_cases["kpis"]["opened"].as_u64().unwrap();
    assert!(opened > 0, "{xa_cases}");

    let (_, _, json) = centre.fetch(&li, &format!("/central/v1/reports/kpis?{RANGE}&by=hall")).await;
    let report: Value = serde_json::from_slice(&json).unwrap();
    let (_, _, targets) = centre.fetch(&li, "/central/v1/targets").await;
    assert_eq!(serde_json::from_slice::<Value>(&targets).unwrap()["within_target_wait"], 0.8);
    let xa = report["groups"].as_array().unwrap().iter().find(|g| g["key"] == "XA").expect("XA in the report");
    let served = xa["kpis"]["served"].as_u64().unwrap();
    assert!(served > 0, "{xa}");

    let (status, kind, xlsx) = centre.fetch(&li, &format!("/central/v1/reports/kpis/export?{RANGE}&by=hall")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&xlsx));
    assert_eq!(kind, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "汇总 Summary",
            "按营业厅 By hall",
            "按业务 By service",
            "按窗口 By counter",
            "按员工 By staff",
            "按时段 By hour",
            "按星期 By weekday",
            "按日 By day",
            "按县 By county",
            "工单时限 Cases"
        ]
    );
    let header = "办结笔数\nserved (legs)";
    let in_book = cell(&mut book, "按营业厅 By hall", "XA", header);
    assert_eq!(in_book.to_string(), served.to_string(), "{in_book:?}");
    // By county: 罗阳县 is XA alone, the other hall has none; not ranked.
    assert_eq!(cell(&mut book, "按县 By county", "罗阳县", header).to_string(), served.to_string());
    assert!(cell(&mut book, "按县 By county", "~", header).to_string().parse::<u64>().unwrap() > 0);
    let county_head = book.worksheet_range("按县 By county").unwrap().rows().next().unwrap()[0].to_string();
    assert_eq!(county_head, "键\nKey", "no rank column by county");
    assert_eq!(cell(&mut book, "工单时限 Cases", "XA", "开单\nopened").to_string(), opened.to_string());

    // Asked by county, the county sheet comes first; a county manager
    // sees one county: no county sheet.
    let (_, _, xlsx) = centre.fetch(&li, &format!("/central/v1/reports/kpis/export?{RANGE}&by=county")).await;
    let book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    assert_eq!(book.sheet_names()[..3], ["汇总 Summary", "按县 By county", "按营业厅 By hall"]);
    let (_, _, xlsx) = centre.fetch(&zhang, &format!("/central/v1/reports/kpis/export?{RANGE}&by=hall")).await;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    let names = book.sheet_names();
    assert!(!names.iter().any(|n| n == "按县 By county") && names.iter().any(|n| n == "工单时限 Cases"), "{names:?}");
    assert_eq!(cell(&mut book, "工单时限 Cases", "XA", "开单\nopened").to_string(), opened.to_string());

    let (status, kind, csv) =
        centre.fetch(&li, &format!("/central/v1/reports/kpis/export?{RANGE}&by=county&format=csv")).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "text/csv; charset=utf-8"));
    let csv = String::from_utf8(csv).unwrap();
    let no_county = csv.lines().find(|l| l.starts_with("~,")).unwrap_or_else(|| panic!("{csv}"));
    assert!(no_county.contains("未填县"), "{no_county}");

    let (status, _, body) = centre.fetch(&li, &format!("/central/v1/reports/kpis/export?{RANGE}&format=pdf")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(&body));
    // A range the hall would refuse, refused as the hall refuses it.
    for route in ["kpis", "kpis/export"] {
        let (status, _, body) =
            centre.fetch(&li, &format!("/central/v1/reports/{route}?from=2026-03-31&to=2026-03-01")).await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_refused(&(status, body), StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");
    }
}
