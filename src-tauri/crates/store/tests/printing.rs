//! Kiosk printers and print jobs on a real database file: defaults, bad
//! settings change nothing, pending jobs follow a kiosk's new printer, a job
//! is final once printed, and print rows survive a rebuild untouched.

use chrono::NaiveDate;
use hallq_core::HallConfig;
use hallq_store::{
    NewPrintJob, PrintDelivery, PrintFault, PrintJobFilter, PrintJobState, PrintJobUpdate, PrintReason, PrinterConfig,
    PrinterKind, Store,
};
use serde_json::json;
use uuid::Uuid;

fn hall() -> (tempfile::TempDir, Store, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hall.db")).unwrap();
    let id = Uuid::from_u128(0x77);
    store.create_hall(&HallConfig::default_supply_hall(id, "T1", "测试营业厅"), 0).unwrap();
    (dir, store, id)
}

fn network(addr: &str) -> PrinterConfig {
    PrinterConfig { kind: PrinterKind::Network, address: Some(addr.into()), baud: None, paper: 80 }
}

fn job(kiosk: Uuid, printer: PrinterConfig, number: &str) -> NewPrintJob {
    NewPrintJob {
        ticket: Uuid::now_v7(),
        number: number.into(),
        kiosk: Some(kiosk),
        reason: PrintReason::Issue,
        printer,
        content: json!({"number": number}),
        business_day: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
    }
}

#[test]
fn a_kiosk_prints_html_until_configured_and_bad_settings_change_nothing() {
    let (_dir, store, id) = hall();
    let (b, _) = store.create_terminal(id, "kiosk", None, "B 取号机", 1, None).unwrap();
    let (a, _) = store.create_terminal(id, "kiosk", None, "A 取号机", 2, None).unwrap();
    let (counter, _) = store.create_terminal(id, "counter", Some(1), "窗口", 3, None).unwrap();
    let (gone, _) = store.create_terminal(id, "kiosk", None, "C 已撤销", 4, None).unwrap();
    store.revoke_terminal(id, gone.id, 5).unwrap();

    let kiosks = store.kiosk_printers(id).unwrap();
    let names: Vec<_> = kiosks.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["A 取号机", "B 取号机"], "live kiosks only, by name");
    assert!(kiosks.iter().all(|k| k.config == PrinterConfig::default()));

    let set = store.set_kiosk_printer(id, a.id, &network("192.168.1.50"), 10).unwrap();
    assert_eq!(set.address.as_deref(), Some("192.168.1.50:9100"));
    assert_eq!(store.kiosk_printer(id, a.id).unwrap().config, set);

    let bad = PrinterConfig { paper: 76, ..network("10.0.0.9") };
    assert_eq!(store.set_kiosk_printer(id, a.id, &bad, 11).unwrap_err().code(), "invalid_printer_config");
    assert_eq!(store.kiosk_printer(id, a.id).unwrap().config, set, "unchanged");
    for not_kiosk in [counter.id, gone.id, Uuid::now_v7()] {
        assert_eq!(store.set_kiosk_printer(id, not_kiosk, &network("h"), 12).unwrap_err().code(), "not_a_kiosk");
    }
    assert_eq!(store.kiosk_printer(id, b.id).unwrap().config, PrinterConfig::default());
}

#[test]
fn pending_jobs_follow_the_kiosks_new_printer_and_stay_in_order() {
    let (_dir, store, id) = hall();
    let (k, _) = store.create_terminal(id, "kiosk", None, "取号机", 1, None).unwrap();
    let first = store.add_print_job(id, &job(k.id, network("10.0.0.1"), "A001"), 100).unwrap();
    let second = store.add_print_job(id, &job(k.id, network("10.0.0.1"), "A002"), 200).unwrap();
    assert_eq!((first.state, first.deliver, first.attempts), (PrintJobState::Pending, PrintDelivery::Server, 0));

    let fault =
        PrintFault { code: "printer_paper_out".into(), message_zh: "缺纸".into(), message_en: "out of paper".into() };
    let failed = store.update_print_job(id, first.id, &PrintJobUpdate::Failed(fault.clone()), 150).unwrap();
    assert_eq!((failed.state, failed.attempts, failed.last_error), (PrintJobState::Pending, 1, Some(fault)));

    // The supervisor points the kiosk at another printer: the pending jobs go there.
    store.set_kiosk_printer(id, k.id, &network("10.0.0.2:9101"), 300).unwrap();
    let pending = store.pending_print_jobs(id).unwrap();
    let numbers: Vec<_> = pending.iter().map(|j| j.number.as_str()).collect();
    assert_eq!(numbers, ["A001", "A002"], "oldest first");
    assert!(pending.iter().all(|j| j.printer.address.as_deref() == Some("10.0.0.2:9101")));
    // "none" prints nothing new but drops nothing pending.
    let none = PrinterConfig { kind: PrinterKind::None, address: None, baud: None, paper: 80 };
    store.set_kiosk_printer(id, k.id, &none, 310).unwrap();
    assert_eq!(store.pending_print_jobs(id).unwrap().len(), 2);
    assert_eq!(store.add_print_job(id, &job(k.id, none, "A003"), 320).unwrap_err().code(), "invalid_printer_config");

    let printed = store.update_print_job(id, second.id, &PrintJobUpdate::Printed, 400).unwrap();
    assert_eq!((printed.state, printed.printed_at, printed.attempts), (PrintJobState::Printed, Some(400), 1));
    let again = store.update_print_job(id, second.id, &PrintJobUpdate::Printed, 500).unwrap();
    assert_eq!(again.printed_at, Some(400), "a repeated report changes nothing");
    let e = store.update_print_job(id, second.id, &PrintJobUpdate::Cancelled, 500).unwrap_err();
    assert_eq!(e.code(), "print_job_closed");
    assert_eq!(store.print_job(id, second.id).unwrap().state, PrintJobState::Printed);

    let counts = store.pending_print_counts(id, NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()).unwrap();
    assert_eq!(counts, [(k.id, 1)]);
    let listed = store.print_jobs(id, &PrintJobFilter::default()).unwrap();
    assert_eq!(listed.iter().map(|j| j.number.as_str()).collect::<Vec<_>>(), ["A002", "A001"], "newest first");
    let printed_only = PrintJobFilter { state: Some(PrintJobState::Printed), ..PrintJobFilter::default() };
    assert_eq!(store.print_jobs(id, &printed_only).unwrap().len(), 1);
    assert_eq!(store.print_job(id, Uuid::now_v7()).unwrap_err().code(), "unknown_print_job");
}

#[test]
fn print_jobs_survive_reopening_and_a_rebuild() {
    let (dir, store, id) = hall();
    let (k, _) = store.create_terminal(id, "kiosk", None, "取号机", 1, None).unwrap();
    let j = store.add_print_job(id, &job(k.id, network("10.0.0.1"), "A001"), 100).unwrap();
    store.rebuild(id).unwrap();
    drop(store);
    let store = Store::open(&dir.path().join("hall.db")).unwrap();
    assert_eq!(store.pending_print_jobs(id).unwrap(), [j]);
}
