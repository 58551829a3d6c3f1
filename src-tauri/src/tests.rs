//! Mock-runtime smoke tests of the app's setup: the same builder as the real
//! app (without the OS plugins), on Tauri's mock runtime, with a temp config
//! and database.

use std::net::SocketAddr;

use tauri::Manager;
use tauri::test::{mock_builder, mock_context, noop_assets};

use crate::config::{AppConfig, LocalPrinter, Mode, PrinterKind, Role};
use crate::embedded_server::{NewHall, create_hall};
use crate::{Shell, builder};

/// Builds the app on the mock runtime and runs its setup (Tauri runs setup
/// on the first turn of the event loop).
fn start(config: std::path::PathBuf) -> tauri::App<tauri::test::MockRuntime> {
    let mut app =
        builder(mock_builder(), Shell::new(Some(config)).without_tray()).build(mock_context(noop_assets())).unwrap();
    // The one way to run setup without giving the test's thread to the
    // event loop; on the mock runtime one iteration returns at once.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    app
}

fn one_pc(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("hall.db");
    let hall =
        NewHall { name: "测试供电所".into(), services: vec!["PAY".into(), "ASK".into()], pin: "246810".into() };
    create_hall(&db, &hall, 1_700_000_000_000).unwrap();
    let config = AppConfig {
        mode: Mode::OnePc,
        hall_name: "测试供电所".into(),
        db: Some(db),
        port: 0,
        lan: false,
        server: None,
        screens: AppConfig::one_pc_screens(),
        autostart: false,
        printer: Default::default(),
    };
    let path = dir.join("config.json");
    config.save(&path).unwrap();
    path
}

#[test]
fn one_pc_setup_serves_the_hall_on_loopback_and_opens_every_screen_with_a_kept_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = one_pc(dir.path());
    let app = start(path.clone());

    let mut labels: Vec<String> = app.webview_windows().into_keys().collect();
    labels.sort();
    assert_eq!(labels, ["counter-1", "display-0", "kiosk-0", "rate-1"]);

    let shell = app.state::<Shell>();
    let server = shell.embedded().expect("the embedded server runs");
    let addr: SocketAddr = server.addr();
    assert!(addr.ip().is_loopback(), "one-PC serves loopback only: {addr}");
    let health = tauri::async_runtime::block_on(crate::terminal::reachable(&server.base_url()));
    assert!(health, "the embedded server answers");

    // Tokens were minted once and saved; a second start keeps them.
    let saved = AppConfig::load(&path).unwrap().unwrap();
    assert!(saved.screens.iter().all(|s| s.token.is_some()));
    let first: Vec<_> = saved.screens.iter().map(|s| s.token.clone()).collect();
    let now = chrono::Utc::now().timestamp_millis();
    let again: Vec<_> = saved.screens.iter().map(|s| Some(server.token_for(s, now).unwrap())).collect();
    assert_eq!(first, again);

    // The kiosk, display and pad are locked; the counter is not.
    let locks = app.state::<crate::kiosk_lock::KioskLocks>();
    assert!(locks.is_locked("kiosk-0") && locks.is_locked("display-0") && locks.is_locked("rate-1"));
    assert!(!locks.is_locked("counter-1"));
    shell.stop();
}

#[test]
fn first_run_opens_only_the_wizard() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let app = start(path);
    let labels: Vec<String> = app.webview_windows().into_keys().collect();
    assert_eq!(labels, ["wizard"]);
    assert!(app.state::<Shell>().embedded().is_none());
}

/// Builds the app with the real context (its capabilities and the app
/// manifest of build.rs) on the mock runtime, and runs its setup.
fn start_real(config: std::path::PathBuf) -> tauri::App<tauri::test::MockRuntime> {
    let mut app =
        builder(mock_builder(), Shell::new(Some(config)).without_tray()).build(tauri::generate_context!()).unwrap();
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    app
}

/// Calls `cmd` from the window `label` as a page at `url` would: the ACL
/// decides on the window and the page's origin. A refusal by the ACL is a
/// string; a command's own error is `{code, message_zh, message_en, …}`.
fn invoke(
    app: &tauri::App<tauri::test::MockRuntime>,
    label: &str,
    url: &str,
    cmd: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    let window = app.get_webview_window(label).unwrap_or_else(|| panic!("a window {label}"));
    let request = tauri::webview::InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: url.parse().unwrap(),
        body: tauri::ipc::InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: tauri::test::INVOKE_KEY.into(),
    };
    tauri::test::get_ipc_response(&window, request).map(|b| b.deserialize().unwrap())
}

fn refused_by_acl(answer: Result<serde_json::Value, serde_json::Value>) -> bool {
    matches!(answer, Err(serde_json::Value::String(s)) if s.contains("not allowed"))
}

#[test]
fn terminal_kiosk_windows_print_from_the_hall_servers_exact_origin_and_counters_only_their_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let lp0 = dir.path().join("lp0");
    std::fs::write(&lp0, b"").unwrap();
    // A hall server that is not running (port 9 refuses at once): the
    // windows show the unreachable page, the capability is added anyway.
    let server = "http://127.0.0.2:9";
    let screen = |role, counter| crate::config::Screen { role, counter, monitor: 0, token: Some("paired".into()) };
    let config = AppConfig {
        mode: Mode::Terminal,
        hall_name: String::new(),
        db: None,
        port: 0,
        lan: false,
        server: Some(server.into()),
        screens: vec![screen(Role::Kiosk, None), screen(Role::Counter, Some(1))],
        autostart: false,
        printer: LocalPrinter {
            kind: PrinterKind::Usb,
            address: Some(lp0.display().to_string()),
            baud: None,
            paper: 58,
        },
    };
    let path = dir.path().join("config.json");
    config.save(&path).unwrap();
    let app = start_real(path);
    let page = "http://127.0.0.2:9/kiosk?token=paired";
    let job = serde_json::json!({ "bytesBase64": "G0AcJrLiytQKHVYA" });

    assert_eq!(invoke(&app, "kiosk-0", page, "print_escpos", job.clone()), Ok(serde_json::Value::Null));
    assert_eq!(std::fs::read(&lp0).unwrap(), b"\x1b@\x1c&\xb2\xe2\xca\xd4\n\x1dV\x00");
    let status = invoke(&app, "kiosk-0", page, "printer_status", serde_json::json!({})).unwrap();
    assert_eq!(status["state"], "unknown", "a device file cannot report status: {status}");

    // Bad data: the command's own error, coded and bilingual; nothing printed.
    std::fs::write(&lp0, b"").unwrap();
    let error = invoke(&app, "kiosk-0", page, "print_escpos", serde_json::json!({ "bytesBase64": "%%" })).unwrap_err();
    assert_eq!(error["code"], "bad_print_data", "{error}");
    assert!(error["message_zh"].as_str().unwrap().contains("base64"), "{error}");
    assert!(error["message_en"].as_str().unwrap().contains("not valid base64"), "{error}");
    assert!(std::fs::read(&lp0).unwrap().is_empty());

    let error = invoke(&app, "kiosk-0", page, "print_html", serde_json::json!({ "paper": 70 })).unwrap_err();
    assert_eq!(error["code"], "bad_printer_paper", "the HTML ticket may be printed from there too: {error}");

    // Another port or host, another window, another command: refused.
    assert!(refused_by_acl(invoke(&app, "kiosk-0", "http://127.0.0.2:10/kiosk", "print_escpos", job.clone())));
    assert!(refused_by_acl(invoke(&app, "kiosk-0", "http://127.0.0.3:9/kiosk", "print_escpos", job.clone())));
    assert!(refused_by_acl(invoke(&app, "counter-1", "http://127.0.0.2:9/counter", "print_escpos", job.clone())));
    // A counter window prints its case receipts (HTML) from the server's origin, nothing else.
    let error =
        invoke(&app, "counter-1", "http://127.0.0.2:9/counter", "print_html", serde_json::json!({ "paper": 70 }))
            .unwrap_err();
    assert_eq!(error["code"], "bad_printer_paper", "a counter may print its receipt: {error}");
    let paper = serde_json::json!({ "paper": 80 });
    assert!(refused_by_acl(invoke(&app, "counter-1", "http://127.0.0.3:9/counter", "print_html", paper.clone())));
    assert!(refused_by_acl(invoke(&app, "kiosk-0", "http://127.0.0.3:9/kiosk", "print_html", paper)));
    assert!(refused_by_acl(invoke(&app, "kiosk-0", page, "set_fullscreen", serde_json::json!({ "on": false }))));
    assert!(refused_by_acl(invoke(&app, "kiosk-0", page, "wizard_defaults", serde_json::json!({}))));
    assert!(std::fs::read(&lp0).unwrap().is_empty(), "nothing printed by a refused call");
}

#[test]
fn on_loopback_only_kiosk_windows_may_print_and_counters_their_receipts_and_without_a_printer_they_are_told_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = one_pc(dir.path());
    let app = start_real(path);
    let base = app.state::<Shell>().base_url().unwrap();
    let job = serde_json::json!({ "bytesBase64": "G0AcJrLiytQKHVYA" });
    let error = invoke(&app, "kiosk-0", &format!("{base}/kiosk"), "print_escpos", job.clone()).unwrap_err();
    assert_eq!(error["code"], "printer_not_configured", "{error}");
    let status = invoke(&app, "kiosk-0", &format!("{base}/kiosk"), "printer_status", serde_json::json!({})).unwrap();
    assert_eq!(status["state"], "not_checked");
    assert!(refused_by_acl(invoke(&app, "counter-1", &format!("{base}/counter"), "print_escpos", job.clone())));
    // The HTML print: a kiosk window (its ticket) and a counter window (a
    // case receipt) may ask (a paper width no printer has is the command's
    // own, bilingual refusal); no other window may.
    let paper = serde_json::json!({ "paper": 70 });
    for (window, page) in [("kiosk-0", "kiosk"), ("counter-1", "counter")] {
        let error = invoke(&app, window, &format!("{base}/{page}"), "print_html", paper.clone()).unwrap_err();
        assert_eq!(error["code"], "bad_printer_paper", "{window}: {error}");
        assert!(error["message_zh"].as_str().unwrap().contains("纸宽"), "{error}");
    }
    assert!(refused_by_acl(invoke(&app, "display-0", &format!("{base}/display"), "print_html", paper)));
    assert!(refused_by_acl(invoke(
        &app,
        "display-0",
        &format!("{base}/display"),
        "printer_status",
        serde_json::json!({})
    )));
    // A page from elsewhere in a kiosk window gets nothing.
    assert!(refused_by_acl(invoke(&app, "kiosk-0", "http://192.0.2.7:8790/kiosk", "print_escpos", job)));
    app.state::<Shell>().stop();
}

#[test]
fn the_remote_capability_names_the_servers_exact_origin_and_nothing_a_pattern_reads_as_a_wildcard() {
    let origin = |s: &str| crate::remote_origin(s).map_err(|e| e.to_string());
    assert_eq!(origin("http://192.168.1.10:8790").unwrap(), "http://192.168.1.10:8790");
    assert_eq!(origin("http://192.168.1.10:8790/kiosk?x=1").unwrap(), "http://192.168.1.10:8790");
    assert_eq!(origin("http://hall-server.lan").unwrap(), "http://hall-server.lan");
    assert_eq!(origin("https://HALL.lan:443/").unwrap(), "https://hall.lan");
    for bad in ["192.168.1.10:8790", "ftp://hall.lan", "http://a*b:80", "http://a(b).lan", "http://[::1]:8790", ""] {
        let error = origin(bad).unwrap_err();
        assert!(error.contains(" / ") && !error.is_ascii(), "{bad}: {error}");
    }
}

#[test]
fn the_wizards_printer_sets_this_pcs_kiosk_local_for_a_thermal_printer_html_for_a_system_printer_none_for_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = one_pc(dir.path());
    let kiosk_printer = |path: &std::path::Path| {
        let config = AppConfig::load(path).unwrap().unwrap();
        let token = config.screens.iter().find(|s| s.role == Role::Kiosk).unwrap().token.clone().unwrap();
        let store = hallq_store::Store::open(config.db.as_ref().unwrap()).unwrap();
        let now = chrono::Utc::now().timestamp_millis();
        let kiosk = store.terminal_by_token(&token, now).unwrap().unwrap();
        store.kiosk_printer(kiosk.hall, kiosk.id).unwrap().config
    };
    let restart = |printer: LocalPrinter| {
        let mut config = AppConfig::load(&path).unwrap().unwrap();
        config.printer = printer;
        config.save(&path).unwrap();
        let app = start(path.clone());
        app.state::<Shell>().stop();
    };

    // No printer on this PC: nothing to print on, the number on screen
    // (the hall's default, the HTML ticket, would print to nobody: in the
    // desktop app that was the modal print dialog).
    restart(LocalPrinter::default());
    assert_eq!(kiosk_printer(&path).kind, hallq_store::PrinterKind::None);

    // The system's printer: the HTML ticket, printed by the shell.
    restart(LocalPrinter { kind: PrinterKind::System, address: None, baud: None, paper: 58 });
    let html = kiosk_printer(&path);
    assert_eq!((html.kind, html.paper), (hallq_store::PrinterKind::Html, 58));

    // A USB printer on 58 mm paper: the kiosk prints through this PC.
    let usb = LocalPrinter { kind: PrinterKind::Usb, address: Some("/dev/usb/lp0".into()), baud: None, paper: 58 };
    restart(usb);
    let local = kiosk_printer(&path);
    assert_eq!((local.kind, local.address, local.paper), (hallq_store::PrinterKind::Local, None, 58));

    // The printer removed: nothing printed, not left waiting on a printer
    // that is gone.
    restart(LocalPrinter::default());
    assert_eq!(kiosk_printer(&path).kind, hallq_store::PrinterKind::None);

    // A network printer the supervisor set on the server is not this PC's
    // business while it has no printer of its own.
    let config = AppConfig::load(&path).unwrap().unwrap();
    let store = hallq_store::Store::open(config.db.as_ref().unwrap()).unwrap();
    let token = config.screens.iter().find(|s| s.role == Role::Kiosk).unwrap().token.clone().unwrap();
    let kiosk = store.terminal_by_token(&token, chrono::Utc::now().timestamp_millis()).unwrap().unwrap();
    let network = hallq_store::PrinterConfig {
        kind: hallq_store::PrinterKind::Network,
        address: Some("192.0.2.9".into()),
        baud: None,
        paper: 80,
    };
    store.set_kiosk_printer(kiosk.hall, kiosk.id, &network, 1).unwrap();
    restart(LocalPrinter::default());
    assert_eq!(kiosk_printer(&path).kind, hallq_store::PrinterKind::Network);
}

#[test]
fn the_wizard_refuses_a_bad_or_taken_port_in_both_languages_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let app = start_real(path.clone());
    // Another program on the port this hall would take.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = other.local_addr().unwrap().port().to_string();
    let input = |port: &str| {
        serde_json::json!({ "input": {
            "mode": "one_pc", "hall_name": "测试供电所", "services": [], "pin": "246810", "port": port,
            "screens": [{ "role": "counter", "counter": 1 }], "printer": { "kind": "none", "paper": 80 },
        }})
    };
    for (port, code) in
        [("80", "bad_port"), ("70000", "bad_port"), ("8790a", "bad_port"), (taken.as_str(), "port_in_use")]
    {
        let error = invoke(&app, "wizard", "tauri://localhost/index.html", "wizard_save", input(port)).unwrap_err();
        assert_eq!(error["code"], code, "{port}: {error}");
        let (zh, en) = (error["message_zh"].as_str().unwrap(), error["message_en"].as_str().unwrap());
        assert!(zh.contains("端口") && en.contains("port") && en.is_ascii(), "{error}");
        assert!(zh.contains(port) && en.contains(port), "the port is named: {error}");
    }
    assert!(!path.exists(), "nothing saved");
}

#[test]
fn the_app_adds_webkits_hall_pc_settings_unless_the_user_set_them() {
    let names = |m: Vec<(&str, String)>| m.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>();
    let env = |set: &'static [(&'static str, &'static str)]| {
        move |name: &str| set.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    };
    assert_eq!(
        names(crate::missing_webkit_env(env(&[]), Some("/dev/dri/renderD128".into()))),
        [
            "WEBKIT_DISABLE_COMPOSITING_MODE=1",
            "JSC_useJIT=0",
            "MALLOC_ARENA_MAX=2",
            "MALLOC_MMAP_THRESHOLD_=131072",
            "MALLOC_TRIM_THRESHOLD_=131072",
            "GDK_GL=disable",
            "WEBKIT_DISABLE_DMABUF_RENDERER=1",
            "WEBKIT_WEB_RENDER_DEVICE_FILE=/dev/dri/renderD128",
        ]
    );
    assert!(
        names(crate::missing_webkit_env(env(&[]), None)).contains(&"WEBKIT_WEB_RENDER_DEVICE_FILE=/dev/null".into()),
        "a PC without a render node names one the web process never opens"
    );
    assert_eq!(
        names(crate::missing_webkit_env(env(&[("WEBKIT_DISABLE_COMPOSITING_MODE", "1"), ("JSC_useJIT", "1")]), None)),
        [
            "MALLOC_ARENA_MAX=2",
            "MALLOC_MMAP_THRESHOLD_=131072",
            "MALLOC_TRIM_THRESHOLD_=131072",
            "GDK_GL=disable",
            "WEBKIT_DISABLE_DMABUF_RENDERER=1",
            "WEBKIT_WEB_RENDER_DEVICE_FILE=/dev/null",
        ],
        "a variable the user set is left as it is"
    );
    assert_eq!(
        names(crate::missing_webkit_env(env(&[("WEBKIT_DISABLE_COMPOSITING_MODE", "0")]), None)),
        ["JSC_useJIT=0", "MALLOC_ARENA_MAX=2", "MALLOC_MMAP_THRESHOLD_=131072", "MALLOC_TRIM_THRESHOLD_=131072"],
        "with compositing turned back on, GL stays available"
    );
    let all: &'static [(&str, &str)] = &[
        ("WEBKIT_DISABLE_COMPOSITING_MODE", "yes"),
        ("JSC_useJIT", "0"),
        ("MALLOC_ARENA_MAX", "4"),
        ("MALLOC_MMAP_THRESHOLD_", "1"),
        ("MALLOC_TRIM_THRESHOLD_", "1"),
        ("GDK_GL", "always"),
        ("WEBKIT_DISABLE_DMABUF_RENDERER", "0"),
        ("WEBKIT_WEB_RENDER_DEVICE_FILE", "/dev/dri/renderD129"),
    ];
    assert!(crate::missing_webkit_env(env(all), None).is_empty());
}
