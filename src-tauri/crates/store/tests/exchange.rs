//! Exchange files (`Store::export_hall` / `Store::import_exchange`): a hall's
//! log carried to a bureau database ends up as the hall's own projections
//! and KPIs; importing is idempotent by event id and all-or-nothing.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use hallq_core::{Actor, Command, HallConfig};
use hallq_store::{
    ExchangeHeader, ExchangeReader, ExchangeWriter, GroupBy, InspectionQuery, KpiQuery, Since, Store, verify_exchange,
};
use uuid::Uuid;

mod common;
use common::{Lcg, MIN, morning};

fn day(offset: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 2).unwrap() + chrono::Duration::days(offset)
}

struct Station {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    store: Store,
    hall: Uuid,
    rng: Lcg,
}

impl Station {
    fn new(code: &str, name: &str, seed: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let store = Store::open(&path.join("hall.db")).unwrap();
        let hall = Uuid::now_v7();
        let mut cfg = HallConfig::default_supply_hall(hall, code, name);
        for i in 1..=3 {
            cfg.staff.push(hallq_core::Staff {
                number: format!("100{i}"),
                name: format!("员工{i}"),
                role: hallq_core::StaffRole::Agent,
                active: true,
                team: None,
            });
        }
        store.create_hall(&cfg, morning(0) - 60 * MIN).unwrap();
        store.set_staff_pin(hall, "1001", "135790").unwrap();
        Self { _dir: dir, dir: path, store, hall, rng: Lcg(seed) }
    }

    /// Days `from..to` of varied traffic (issues of every class, calls,
    /// recalls, no-shows, transfers, pauses, cancels, ratings), one commit a
    /// day, a fresh writer each day.
    fn run_days(&mut self, from: i64, to: i64) {
        for d in from..to {
            let mut w = self.store.bulk(self.hall).unwrap();
            common::traffic(&mut w, d, &mut self.rng);
            w.commit().unwrap();
        }
    }

    /// Exports to a file in the station's folder.
    fn export(&self, name: &str, since: Since) -> PathBuf {
        let path = self.dir.join(name);
        let file = std::fs::File::create(&path).unwrap();
        self.store.export_hall(self.hall, since, morning(30), std::io::BufWriter::new(file)).unwrap();
        path
    }

    fn last_seq(&self) -> u64 {
        self.store.reader().unwrap().last_seq(self.hall).unwrap()
    }
}

fn bureau() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bureau.db")).unwrap();
    (dir, store)
}

/// Everything a database holds of its halls: every projection row and
/// every event, hall by hall.
fn snapshot(store: &Store) -> Vec<String> {
    let r = store.reader().unwrap();
    let mut out = Vec::new();
    for h in r.halls().unwrap() {
        out.extend(r.projection_dump(h.id).unwrap());
        out.extend(r.events_since(h.id, 0, usize::MAX).unwrap().iter().map(|e| format!("{e:?}")));
    }
    out
}

fn kpis(store: &Store, hall: Option<Uuid>, by: GroupBy, to: i64) -> String {
    let q = KpiQuery { hall, from: day(0), to: day(to), by };
    serde_json::to_string(&store.reader().unwrap().kpis(&q).unwrap()).unwrap()
}

fn assert_same_hall(bureau: &Store, station: &Station, days: i64) {
    assert_eq!(
        bureau.reader().unwrap().events_since(station.hall, 0, usize::MAX).unwrap(),
        station.store.reader().unwrap().events_since(station.hall, 0, usize::MAX).unwrap()
    );
    for by in [GroupBy::Total, GroupBy::Service, GroupBy::Counter, GroupBy::Staff, GroupBy::Hour, GroupBy::Day] {
        assert_eq!(
            kpis(bureau, Some(station.hall), by, days),
            kpis(&station.store, Some(station.hall), by, days),
            "{by:?}"
        );
    }
}

#[test]
fn a_hall_carried_to_a_fresh_bureau_has_the_halls_own_projections_and_kpis() {
    let mut station = Station::new("S1", "罗阳供电所", 5);
    station.run_days(0, 3);
    // The station marks the second day as an inspection day (稽查日) after it.
    let mut hall = station.store.reader().unwrap().halls().unwrap().remove(0);
    hall.inspection_days = vec![day(1)];
    let mut w = station.store.bulk(station.hall).unwrap();
    w.execute(Actor::Cli, Command::ConfigureHall { hall }, morning(2) + 600 * MIN).unwrap();
    w.commit().unwrap();
    let file = station.export("s1.hqx", Since::Beginning);
    let (_d, bureau) = bureau();
    let summary = bureau.import_exchange(&file).unwrap();
    assert!(summary.created);
    assert_eq!(summary.hall.code, "S1");
    assert_eq!((summary.first_seq, summary.last_seq), (1, station.last_seq()));
    assert_eq!(summary.new_events, station.last_seq());
    assert_eq!(summary.already_present, 0);
    assert!(summary.new_events > 1000, "real traffic: {summary:?}");

    // The only hall of each database has key 1, so the dumps compare row
    // for row, hall row (day, last seq, config) and tickets included.
    let mine = station.store.reader().unwrap().projection_dump(station.hall).unwrap();
    let theirs = bureau.reader().unwrap().projection_dump(station.hall).unwrap();
    assert!(mine.iter().filter(|l| l.starts_with("tickets:")).count() > 300);
    assert_eq!(mine.len(), theirs.len());
    for (a, b) in mine.iter().zip(&theirs) {
        assert_eq!(a, b);
    }
    assert_same_hall(&bureau, &station, 3);
    let k = bureau.reader().unwrap().kpis(&KpiQuery {
        hall: Some(station.hall),
        from: day(0),
        to: day(3),
        by: GroupBy::Total,
    });
    let served = k.unwrap().total.served;
    assert!(served > 100, "served {served}");
    // The hall's configuration came with it: its inspection days, and so the same comparison.
    assert_eq!(bureau.reader().unwrap().halls().unwrap()[0].inspection_days, [day(1)]);
    let q = InspectionQuery { hall: Some(station.hall), from: day(0), to: day(3) };
    let here = station.store.reader().unwrap().inspection(&q).unwrap();
    assert_eq!(here.halls[0].inspection_days, [day(1)]);
    assert_eq!(bureau.reader().unwrap().inspection(&q).unwrap(), here);

    // Secrets stay home: the PIN was set, but the bureau has none.
    assert!(station.store.has_pin(station.hall, "1001").unwrap());
    assert!(!bureau.has_pin(station.hall, "1001").unwrap());
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&file).unwrap()).read_to_string(&mut text).unwrap();
    assert!(!text.contains("argon2") && !text.contains("pin_hash"), "no PIN hash in the file");

    // The bureau can go on from where the hall's log stands: a restored
    // engine state there equals the station's.
    assert_eq!(bureau.bulk(station.hall).unwrap().state(), station.store.bulk(station.hall).unwrap().state());
}

#[test]
fn importing_twice_or_an_overlapping_export_changes_nothing() {
    let mut station = Station::new("S1", "罗阳供电所", 6);
    station.run_days(0, 3);
    let full = station.export("full.hqx", Since::Beginning);
    let (_d, bureau) = bureau();
    bureau.import_exchange(&full).unwrap();
    let before = snapshot(&bureau);

    let again = bureau.import_exchange(&full).unwrap();
    assert!(!again.created);
    assert_eq!((again.new_events, again.already_present), (0, station.last_seq()));
    assert_eq!(snapshot(&bureau), before);

    let middle = station.last_seq() / 2;
    let tail = station.export("tail.hqx", Since::Seq(middle));
    let s = bureau.import_exchange(&tail).unwrap();
    assert_eq!((s.first_seq, s.new_events, s.already_present), (middle, 0, station.last_seq() - middle + 1));
    assert_eq!(snapshot(&bureau), before);

    let since_day = station.export("day.hqx", Since::Day(day(1)));
    let s = bureau.import_exchange(&since_day).unwrap();
    assert_eq!(s.new_events, 0);
    assert_eq!(snapshot(&bureau), before);
}

#[test]
fn later_exports_continue_the_bureaus_copy_even_when_they_overlap() {
    let mut station = Station::new("S1", "罗阳供电所", 7);
    station.run_days(0, 2);
    let (_d, bureau) = bureau();
    bureau.import_exchange(&station.export("1.hqx", Since::Beginning)).unwrap();
    let held = station.last_seq();

    station.run_days(2, 4);
    // The station changes a setting between exports: the bureau follows.
    let mut s = station.store.reader().unwrap().staff(station.hall).unwrap()[1].clone();
    s.name = "改名的员工".into();
    let mut w = station.store.bulk(station.hall).unwrap();
    w.execute(Actor::Cli, Command::DefineStaff { staff: s }, morning(4)).unwrap();
    w.commit().unwrap();
    drop(w);

    // From the start of day 1: overlaps what the bureau holds.
    let file = station.export("2.hqx", Since::Day(day(1)));
    let summary = bureau.import_exchange(&file).unwrap();
    assert!(summary.first_seq <= held && summary.already_present == held - summary.first_seq + 1, "{summary:?}");
    assert_eq!(summary.new_events, station.last_seq() - held);
    assert_same_hall(&bureau, &station, 4);
    assert_eq!(
        bureau.reader().unwrap().projection_dump(station.hall).unwrap(),
        station.store.reader().unwrap().projection_dump(station.hall).unwrap()
    );
    assert!(bureau.reader().unwrap().staff(station.hall).unwrap().iter().any(|s| s.name == "改名的员工"));
}

#[test]
fn an_export_since_a_day_starts_at_that_days_first_event() {
    let mut station = Station::new("S1", "罗阳供电所", 8);
    station.run_days(0, 3);
    let file = station.export("d.hqx", Since::Day(day(1)));
    let header = verify_exchange(&file).unwrap();
    let mut r = ExchangeReader::open(&file).unwrap();
    let first = r.next_event().unwrap().unwrap();
    assert_eq!(first.seq, header.first_seq);
    let hall = &header.settings.hall;
    assert_eq!(hall.business_day(first.at), day(1));
    let before = station.store.reader().unwrap().events_since(station.hall, first.seq - 2, 1).unwrap();
    assert!(hall.business_day(before[0].at) < day(1));
    let mut n = 1;
    while r.next_event().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, header.events());
    assert_eq!(header.last_seq, station.last_seq());
    assert_eq!(header.settings.staff.len(), 4);
    assert_eq!(header.settings.counters.len(), 4);

    // After the last event: an empty export that still names the hall.
    let empty = station.export("e.hqx", Since::Day(day(10)));
    let h = verify_exchange(&empty).unwrap();
    assert_eq!((h.events(), h.first_seq), (0, station.last_seq() + 1));
}

#[test]
fn two_halls_in_one_bureau_report_side_by_side_with_their_own_figures() {
    let mut a = Station::new("S1", "罗阳供电所", 9);
    let mut b = Station::new("S2", "百丈供电所", 10);
    a.run_days(0, 2);
    b.run_days(0, 3);
    let (_d, bureau) = bureau();
    bureau.import_exchange(&a.export("a.hqx", Since::Beginning)).unwrap();
    bureau.import_exchange(&b.export("b.hqx", Since::Beginning)).unwrap();
    assert_same_hall(&bureau, &a, 3);
    assert_same_hall(&bureau, &b, 3);

    let q = KpiQuery { hall: None, from: day(0), to: day(3), by: GroupBy::Hall };
    let report = bureau.reader().unwrap().kpis(&q).unwrap();
    assert_eq!(report.groups.len(), 2);
    for station in [&a, &b] {
        let own = station.store.reader().unwrap().kpis(&KpiQuery { hall: Some(station.hall), ..q.clone() }).unwrap();
        let code = station.store.resolve_hall(None).unwrap().code;
        let group = report.groups.iter().find(|g| g.key.contains(&code) || g.label.contains(&code));
        let group = group.unwrap_or_else(|| panic!("no group for {code}: {:?}", report.groups));
        assert_eq!(group.kpis, own.total, "{code}");
    }
    assert_ne!(report.groups[0].kpis.issued, report.groups[1].kpis.issued);
    assert_eq!(report.total.issued, report.groups[0].kpis.issued + report.groups[1].kpis.issued);
}

/// A bureau already holding a hall, and a station's good export of another.
fn bureau_with_one_hall() -> (tempfile::TempDir, Store, Station, Vec<String>) {
    let mut other = Station::new("S9", "司前供电所", 11);
    other.run_days(0, 1);
    let (d, bureau) = bureau();
    bureau.import_exchange(&other.export("o.hqx", Since::Beginning)).unwrap();
    let mut station = Station::new("S1", "罗阳供电所", 12);
    station.run_days(0, 2);
    let before = snapshot(&bureau);
    (d, bureau, station, before)
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()).read_to_end(&mut out).unwrap();
    out
}

fn gzip(path: &Path, bytes: &[u8]) {
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(path).unwrap(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap();
}

#[test]
fn damaged_truncated_altered_or_foreign_files_are_refused_and_change_nothing() {
    let (_d, bureau, station, before) = bureau_with_one_hall();
    let good = station.export("good.hqx", Since::Beginning);
    let bytes = std::fs::read(&good).unwrap();
    let dir = &station.dir;
    let mut cases: Vec<(&str, PathBuf, &str)> = Vec::new();

    // A flipped byte in the compressed stream.
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    std::fs::write(dir.join("flipped"), &flipped).unwrap();
    cases.push(("flipped byte", dir.join("flipped"), "exchange_damaged"));

    // Cut short, in the middle and just before the end.
    std::fs::write(dir.join("half"), &bytes[..bytes.len() / 2]).unwrap();
    cases.push(("truncated", dir.join("half"), "exchange_damaged"));
    std::fs::write(dir.join("short"), &bytes[..bytes.len() - 3]).unwrap();
    cases.push(("truncated end", dir.join("short"), "exchange_damaged"));

    // Bytes appended after the stream.
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"more");
    std::fs::write(dir.join("longer"), &longer).unwrap();
    cases.push(("appended", dir.join("longer"), "exchange_damaged"));

    // Altered content, recompressed (gzip's CRC is right again): the
    // SHA-256 catches it.
    let text = String::from_utf8(gunzip(&good)).unwrap();
    let altered = text.replacen("\"A001\"", "\"A999\"", 1);
    assert_ne!(altered, text);
    gzip(&dir.join("altered"), altered.as_bytes());
    cases.push(("altered", dir.join("altered"), "exchange_damaged"));

    // The uncompressed text with its trailer line dropped.
    let lines: Vec<&str> = text.lines().collect();
    gzip(&dir.join("no-trailer"), (lines[..lines.len() - 1].join("\n") + "\n").as_bytes());
    cases.push(("no trailer", dir.join("no-trailer"), "exchange_damaged"));
    // An event line dropped.
    let mut dropped = lines.clone();
    dropped.remove(5);
    gzip(&dir.join("dropped"), (dropped.join("\n") + "\n").as_bytes());
    cases.push(("event dropped", dir.join("dropped"), "exchange_damaged"));

    // Foreign: a HallQ database, a text file, another gzip format, a newer version.
    cases.push(("sqlite", station.store.path().to_path_buf(), "exchange_foreign_format"));
    std::fs::write(dir.join("text"), "seq,id\n1,2\n").unwrap();
    cases.push(("text", dir.join("text"), "exchange_foreign_format"));
    gzip(&dir.join("other"), text.replacen("hallq-exchange", "hallq-backup", 1).as_bytes());
    cases.push(("other format", dir.join("other"), "exchange_foreign_format"));
    gzip(&dir.join("v2"), text.replacen("\"version\":1", "\"version\":2", 1).as_bytes());
    cases.push(("newer", dir.join("v2"), "exchange_newer_version"));

    for (what, path, expected) in cases {
        let e = bureau.import_exchange(&path).unwrap_err();
        assert_eq!(e.code(), expected, "{what}: {e}");
        assert!(!e.message_zh().is_empty() && !e.message_en().is_empty() && e.message_zh() != e.message_en());
        assert_eq!(snapshot(&bureau), before, "{what} changed the bureau");
    }
    // The good file still imports.
    bureau.import_exchange(&good).unwrap();
    assert_same_hall(&bureau, &station, 2);
}

#[test]
fn a_gap_is_refused_and_changes_nothing() {
    let mut station = Station::new("S1", "罗阳供电所", 13);
    station.run_days(0, 1);
    let (_d, bureau) = bureau();
    // An unknown hall must start at its first event.
    let late = station.export("late.hqx", Since::Seq(10));
    let e = bureau.import_exchange(&late).unwrap_err();
    assert_eq!(e.code(), "exchange_gap", "{e}");
    assert!(bureau.halls().unwrap().is_empty());

    bureau.import_exchange(&station.export("1.hqx", Since::Beginning)).unwrap();
    let held = station.last_seq();
    station.run_days(1, 3);
    let before = snapshot(&bureau);
    let e = bureau.import_exchange(&station.export("3.hqx", Since::Day(day(2)))).unwrap_err();
    assert_eq!(e.code(), "exchange_gap", "{e}");
    assert!(e.message_en().contains(&format!("seq {}", held + 1)), "{e}");
    assert_eq!(snapshot(&bureau), before);
    // Exactly from the next seq is fine.
    let s = bureau.import_exchange(&station.export("2.hqx", Since::Seq(held + 1))).unwrap();
    assert_eq!(s.already_present, 0);
    assert_same_hall(&bureau, &station, 3);
}

#[test]
fn a_log_that_disagrees_with_the_bureaus_copy_is_refused() {
    let mut station = Station::new("S1", "罗阳供电所", 14);
    station.run_days(0, 1);
    // The station keeps a backup, goes on, and reports.
    let backup = station.dir.join("backup.db");
    station.store.backup_to(&backup).unwrap();
    station.run_days(1, 2);
    let (_d, bureau) = bureau();
    let good = station.export("good.hqx", Since::Beginning);
    bureau.import_exchange(&good).unwrap();
    let before = snapshot(&bureau);

    // Then its disk dies, the backup is restored and the day is redone
    // differently: the same seqs now hold other events.
    let mut restored = Station {
        _dir: tempfile::tempdir().unwrap(),
        dir: station.dir.clone(),
        store: Store::open(&backup).unwrap(),
        hall: station.hall,
        rng: Lcg(99),
    };
    restored.run_days(1, 2);
    let e = bureau.import_exchange(&restored.export("fork.hqx", Since::Beginning)).unwrap_err();
    assert_eq!(e.code(), "exchange_conflict", "{e}");
    assert_eq!(snapshot(&bureau), before);

    // A known event id with other content (a well-formed, checksummed file).
    let mut reader = ExchangeReader::open(&good).unwrap();
    let header: ExchangeHeader = reader.header().clone();
    let path = station.dir.join("changed.hqx");
    let mut w = ExchangeWriter::new(std::fs::File::create(&path).unwrap(), &header).unwrap();
    while let Some(mut ev) = reader.next_event().unwrap() {
        if ev.seq == 40 {
            ev.at += 1;
        }
        w.event(&ev).unwrap();
    }
    w.finish().unwrap();
    verify_exchange(&path).unwrap();
    let e = bureau.import_exchange(&path).unwrap_err();
    assert_eq!(e.code(), "exchange_conflict", "{e}");
    assert!(e.message_en().contains("same event id"), "{e}");
    assert_eq!(snapshot(&bureau), before);

    // Settings in the header that the events do not produce.
    let mut reader = ExchangeReader::open(&good).unwrap();
    let mut header = reader.header().clone();
    header.settings.staff[0].name = "冒名".into();
    let path = station.dir.join("lying.hqx");
    let mut w = ExchangeWriter::new(std::fs::File::create(&path).unwrap(), &header).unwrap();
    while let Some(ev) = reader.next_event().unwrap() {
        w.event(&ev).unwrap();
    }
    w.finish().unwrap();
    let (_d2, fresh) = self::bureau();
    let e = fresh.import_exchange(&path).unwrap_err();
    assert_eq!(e.code(), "exchange_damaged", "{e}");
    assert!(fresh.halls().unwrap().is_empty());
}

#[test]
fn a_different_hall_with_the_same_code_is_refused() {
    let mut a = Station::new("S1", "罗阳供电所", 15);
    let mut b = Station::new("S1", "另一个所", 16);
    a.run_days(0, 1);
    b.run_days(0, 1);
    let (_d, bureau) = bureau();
    bureau.import_exchange(&a.export("a.hqx", Since::Beginning)).unwrap();
    let before = snapshot(&bureau);
    let e = bureau.import_exchange(&b.export("b.hqx", Since::Beginning)).unwrap_err();
    assert_eq!(e.code(), "exchange_hall_code_taken", "{e}");
    assert_eq!(snapshot(&bureau), before);
}
