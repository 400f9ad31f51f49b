//! Property tests of the readers: arbitrary bytes never make `read_file` panic (raw, and
//! behind a CSV or JSON prefix so the generator reaches the row and cell layers); the cell
//! parsers never panic on arbitrary strings; a valid Intune CSV row with arbitrary printable
//! values survives a CSV round trip. Case counts stay modest: the suite runs in debug.

use fleetstate::ingest::value::{
    clean, clean_serial, parse_bool, parse_date, parse_guid, parse_link_guid, DateCell, DateOrder,
};
use fleetstate::ingest::{self, ReadOptions, Records};
use fleetstate::model::Source;
use proptest::prelude::*;
use std::path::Path;

const CASES: u32 = 256;

/// Bytes that matter to the readers, so random files are mostly almost-valid.
const ALPHABET: &[u8] = b",;\t\"\r\n {}[]:\\0123456789-./TZ+aeINxnulltrue\x00\xff\xfe\xef\xbb\xbf";

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1024),
        prop::collection::vec(prop::sample::select(ALPHABET), 0..1024),
    ]
}

const CSV_PREFIXES: &[&str] = &[
    "Device ID,Device name,Managed by,Ownership,OS,Last check-in,Azure AD Device ID\n",
    "displayName;joinType (trustType);deviceId;objectId;registrationTime\r\n",
    "ResourceID\tName0\tClient0\tAADDeviceID\tLastActiveTime\n",
    "#TYPE Selected.System.Management.Automation.PSCustomObject\nDevice Serial Number,Hardware Hash,Group Tag\n",
];

const JSON_PREFIXES: &[&str] = &[
    "{\"value\":[{\"id\":\"a\",\"deviceName\":\"x\",\"managementAgent\":\"mdm\",\"lastSyncDateTime\":\"",
    "[{\"deviceId\":\"11111111-1111-4111-8111-111111111111\",\"trustType\":\"AzureAd\",\"physicalIds\":[\"",
    "{\"time\":\"2026-03-01T00:00:00Z\",\"category\":\"Devices\",\"properties\":{\"DeviceId\":\"a\",\"DeviceName\":\"",
    "{\"serialNumber\":\"S1\",\"enrollmentState\":\"enrolled\"}\n{\"serialNumber\":",
];

/// Reads `body` as a file: must not panic; when it reads, every row is accounted for.
fn read_never_panics(path: &Path, body: &[u8], forced: Option<Source>) {
    std::fs::write(path, body).expect("write");
    if let Ok(i) = ingest::read_file(path, forced, &ReadOptions::default()) {
        assert_eq!(
            i.rows_read,
            i.rows_used() + i.rows_rejected() + i.rows_skipped()
        );
        assert_eq!(i.rows_used(), i.records.len() as u64);
        assert_eq!(i.size, body.len() as u64);
    }
}

fn forced() -> impl Strategy<Value = Option<Source>> {
    prop_oneof![
        4 => Just(None),
        1 => Just(Some(Source::Intune)),
        1 => Just(Some(Source::Entra)),
        1 => Just(Some(Source::ConfigMgr)),
        1 => Just(Some(Source::Autopilot)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn arbitrary_bytes_never_panic(body in bytes(), forced in forced()) {
        let dir = tempfile::tempdir().unwrap();
        read_never_panics(&dir.path().join("f"), &body, forced);
    }

    #[test]
    fn arbitrary_bytes_after_a_csv_header_never_panic(
        prefix in prop::sample::select(CSV_PREFIXES),
        body in bytes(),
        forced in forced(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut data = prefix.as_bytes().to_vec();
        data.extend_from_slice(&body);
        read_never_panics(&dir.path().join("f.csv"), &data, forced);
    }

    #[test]
    fn arbitrary_bytes_inside_json_never_panic(
        prefix in prop::sample::select(JSON_PREFIXES),
        body in bytes(),
        forced in forced(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut data = prefix.as_bytes().to_vec();
        data.extend_from_slice(&body);
        read_never_panics(&dir.path().join("f.json"), &data, forced);
    }

    #[test]
    fn date_parser_never_panics(
        s in prop_oneof![any::<String>(), "[0-9/.:+ TZAPMapm-]{0,40}"],
    ) {
        if let Ok(DateCell::Slash(d)) = parse_date(&s) {
            let _ = d.resolve(DateOrder::Mdy);
            let _ = d.resolve(DateOrder::Dmy);
        }
    }

    #[test]
    fn guid_parser_never_panics_and_round_trips(
        s in prop_oneof![any::<String>(), "[{]?[0-9a-fA-F-]{30,40}[}]?"],
    ) {
        match parse_guid(&s) {
            Ok(g) => {
                prop_assert_eq!(parse_guid(&g.to_string()), Ok(g));
                prop_assert_eq!(parse_link_guid(&s), Ok((!g.is_zero()).then_some(g)));
            }
            Err(_) => prop_assert!(parse_link_guid(&s).is_err()),
        }
    }

    #[test]
    fn bool_and_empty_parsers_never_panic(
        s in prop_oneof![any::<String>(), "[ \t]{0,2}(?i:true|false|yes|no|1|0|-1|null|maybe)[ \t]{0,2}"],
    ) {
        if let Ok(b) = parse_bool(&s) {
            let t = s.trim().to_ascii_lowercase();
            prop_assert_eq!(b, matches!(t.as_str(), "true" | "yes" | "1" | "-1"));
        }
        let _ = clean(Some(&s));
        let _ = clean_serial(&s);
    }

    #[test]
    fn intune_row_survives_a_csv_round_trip(
        name in "[\\PC\",\n\r]{0,40}",
        managed_by in "[\\PC\",\n\r]{0,20}",
        notes in "[\\PC\",;\t\n\r]{0,40}",
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intune.csv");
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        w.write_record(["Device ID", "Device name", "Managed by", "Ownership", "OS", "Notes"]).unwrap();
        w.write_record(["d1", name.as_str(), managed_by.as_str(), "Corporate", "Windows", notes.as_str()]).unwrap();
        w.flush().unwrap();
        let second_at = w.get_ref().len();
        w.write_record(["d2", "PC-2", "Intune", "Corporate", "Windows", ""]).unwrap();
        let bytes = w.into_inner().unwrap();
        std::fs::write(&path, &bytes).unwrap();

        let i = ingest::read_file(&path, None, &ReadOptions::default()).expect("readable");
        prop_assert_eq!(i.rows_read, 2);
        prop_assert_eq!(i.rows_rejected(), 0);
        let Records::Intune(v) = &i.records else { panic!("not Intune") };
        prop_assert_eq!(v.len(), 2);
        prop_assert_eq!(v[0].name.as_deref(), clean(Some(&name)));
        prop_assert_eq!(v[1].name.as_deref(), Some("PC-2"));
        // The second row's physical line: CRLF, LF and a lone CR each end a line.
        let mut breaks = 0;
        for (k, &b) in bytes[..second_at].iter().enumerate() {
            if b == b'\n' || (b == b'\r' && bytes.get(k + 1) != Some(&b'\n')) {
                breaks += 1;
            }
        }
        prop_assert_eq!(v[1].line, breaks + 1);
    }
}
