//! Property test ("fuzz") of the localStorage record, index and journal decoders (SPEC §11):
//! whatever another tab, an older version, an extension or a disk error left in storage, the
//! decoders never panic; what they accept is what the encoders wrote; a damaged encoding
//! decodes to nothing or to a well-formed value, never to a different key.
//!
//! Cases per property: `FRESHET_FUZZ_CASES` (default 500, so `scripts/test.sh` stays quick).
#![cfg(not(target_arch = "wasm32"))]

use freshet::store::codec::{
    decode_head, decode_index, decode_index_line, decode_journal, decode_overrides, decode_record,
    decode_record_head, encodable, encode_index, encode_overrides, encode_record, index_lines,
    journal_header, push_journal_line, IndexEntry, JournalLine, Meta, Record,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn cases() -> u32 {
    std::env::var("FRESHET_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

/// Text that is mostly plausible: the format's own separators and magic words mixed with noise.
fn soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("freshet:1".to_owned()),
        Just("freshet-index:1".to_owned()),
        Just("freshet-journal:1".to_owned()),
        Just("freshet-overrides:1".to_owned()),
        Just("\t".to_owned()),
        Just("\n".to_owned()),
        Just("\u{1f}".to_owned()),
        Just("+".to_owned()),
        Just("-".to_owned()),
        Just("/studio/api/scenes/s1".to_owned()),
        Just("reading".to_owned()),
        Just("ffffffffffffffffff".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("-1".to_owned()),
        Just("{\"a\":1}".to_owned()),
        "\\PC{0,12}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|parts| parts.concat())
}

fn field() -> impl Strategy<Value = String> {
    "[a-z0-9:/_.\"-]{1,20}"
}

fn meta() -> impl Strategy<Value = Meta> {
    (
        field(),
        prop::collection::vec(field(), 0..4),
        any::<[u64; 4]>(),
        any::<u64>(),
        any::<bool>(),
        prop::option::of(field()),
        prop::option::of(field()),
    )
        .prop_map(
            |(page_type, tags, mut times, fingerprint, json, etag, last_modified)| Meta {
                page_type,
                tags,
                // Arrival, fresh-until and expiry in order (the decoder insists on it);
                // the server's time may be anything.
                server_time: times[3],
                received_at: {
                    times[..3].sort_unstable();
                    times[0]
                },
                stale_at: times[1],
                expires_at: times[2],
                fingerprint,
                json,
                etag,
                last_modified,
            },
        )
}

fn record() -> impl Strategy<Value = Record> {
    (field(), meta(), "\\PC{0,200}").prop_map(|(key, meta, body)| Record { key, meta, body })
}

proptest! {
    #![proptest_config(Config { cases: cases(), ..Config::default() })]

    #[test]
    fn decoders_never_panic_on_any_text(text in soup()) {
        let _ = decode_record(&text);
        let _ = decode_record_head(&text);
        let _ = decode_head(&text);
        let _ = decode_index(&text);
        let _ = decode_journal(&text);
        let _ = decode_record(&format!("freshet:1\n{text}"));
        let _ = decode_index(&format!("freshet-index:1\n{text}"));
        let _ = decode_journal(&format!("{}{text}", journal_header()));
        let _ = decode_overrides(&text);
        let _ = decode_overrides(&format!("freshet-overrides:1\n{text}"));
        for with_header in [text.clone(), format!("freshet-index:1\n{text}")] {
            // What opening's split keeps is exactly what decoding keeps, key for key.
            let mut split: Vec<(String, usize)> = Vec::new();
            for (key, size, line) in index_lines(&with_header).into_iter().flatten() {
                if let Some((k, e)) = decode_index_line(line) {
                    prop_assert_eq!(k.as_str(), key);
                    prop_assert_eq!(e.size, size);
                    split.push((k, size));
                }
            }
            let decoded: Vec<(String, usize)> = decode_index(&with_header)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, e)| (k, e.size))
                .collect();
            prop_assert_eq!(split, decoded);
        }
    }

    #[test]
    fn records_round_trip(record in record()) {
        prop_assume!(encodable(&record.key, &record.meta));
        let text = encode_record(&record);
        prop_assert!(text.is_some());
        let text = text.unwrap_or_default();
        prop_assert_eq!(decode_record(&text), Some(record.clone()));
        let head = decode_record_head(&text);
        prop_assert_eq!(head.map(|(k, m, _)| (k.to_owned(), m)), Some((record.key.clone(), record.meta.clone())));
    }

    #[test]
    fn a_damaged_record_never_decodes_under_another_key(
        record in record(),
        cut in any::<prop::sample::Index>(),
        noise in "\\PC{0,4}",
    ) {
        prop_assume!(encodable(&record.key, &record.meta));
        let text = encode_record(&record).unwrap_or_default();
        let mut at = cut.index(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        for damaged in [format!("{}{noise}", &text[..at]), format!("{noise}{}", &text[at..])] {
            if let Some(decoded) = decode_record(&damaged) {
                // Damage inside the body or a field may survive decoding, but the record still
                // names a clean key, and only its own key unless the noise rewrote the head.
                prop_assert!(!decoded.key.is_empty());
                prop_assert!(encodable(&decoded.key, &decoded.meta));
            }
        }
    }

    #[test]
    fn indexes_and_journals_round_trip(
        entries in prop::collection::vec((field(), meta(), 0usize..1_000_000), 0..8),
    ) {
        let entries: Vec<(String, IndexEntry)> = entries
            .into_iter()
            .filter(|(k, m, _)| encodable(k, m))
            .map(|(key, meta, size)| (key, IndexEntry { meta, size }))
            .collect();
        let text = encode_index(entries.iter().map(|(k, e)| (k.as_str(), e)));
        prop_assert_eq!(decode_index(&text), Some(entries.clone()));
        let overrides = encode_overrides(entries.iter().map(|(k, e)| (k.as_str(), e)));
        prop_assert_eq!(decode_overrides(&overrides), Some(entries.clone()));
        prop_assert_eq!(decode_index(&overrides), None);
        let mut journal = journal_header();
        let mut lines = Vec::new();
        for (i, (key, entry)) in entries.into_iter().enumerate() {
            let line = if i % 3 == 2 { JournalLine::Remove(key) } else { JournalLine::Upsert(key, entry) };
            push_journal_line(&mut journal, &line);
            lines.push(line);
        }
        prop_assert_eq!(decode_journal(&journal), Some(lines));
    }
}
