//! The record format. Plain text rather than JSON so that reading a record costs one split
//! before the body, which is kept exactly as the server sent it (never re-stringified).
//!
//! ```text
//! record  = "freshet:1\n" key "\n" meta "\n" body
//! meta    = page_type TAB received_at TAB server_time TAB stale_at TAB expires_at TAB
//!           fingerprint(hex) TAB kind("j"|"t") TAB etag TAB last_modified TAB tags(joined by US)
//! index   = "freshet-index:1\n" *(key TAB size TAB meta "\n")
//! segment = "freshet-journal:1\n" *("+" key TAB size TAB meta "\n" / "-" key "\n")
//!           (one journal segment per flush, under `…:j:<n>`)
//! overrides = "freshet-overrides:1\n" *(key TAB size TAB meta "\n")
//!           (index lines newer than their record's head, under `…:o`)
//! ```
//!
//! Decoding never panics: anything that is not exactly this shape is `None`, and the tier
//! deletes it and treats it as a miss.

use crate::core::text::{push_decimal, push_hex};
use crate::core::Millis;

/// Format version of records, index and journal; bumping it makes older data foreign.
pub const FORMAT: u32 = 1;
const RECORD_MAGIC: &str = "freshet:1";
const INDEX_MAGIC: &str = "freshet-index:1";
const JOURNAL_MAGIC: &str = "freshet-journal:1";
const OVERRIDES_MAGIC: &str = "freshet-overrides:1";
/// Separates tags inside the meta line (tags never hold control characters).
const TAG_SEPARATOR: char = '\u{1f}';

/// Everything known about a persisted entry besides its body; the index holds one per entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// Page type name (names survive a reordering of the page type table; ids would not).
    pub page_type: String,
    /// Entity tags.
    pub tags: Vec<String>,
    /// Client time the data arrived (or was last confirmed).
    pub received_at: Millis,
    /// When the server produced it.
    pub server_time: Millis,
    /// Fresh until this time.
    pub stale_at: Millis,
    /// Never served from this time on.
    pub expires_at: Millis,
    /// Hash of the body, to tell a record that belongs to this index line from a stale one.
    pub fingerprint: u64,
    /// Whether the body is JSON (else it is served as text).
    pub json: bool,
    /// `ETag` validator.
    pub etag: Option<String>,
    /// `Last-Modified` validator.
    pub last_modified: Option<String>,
}

/// One persisted entry: its request key, meta and body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The request key (repeated inside the record so a record moved under another key is foreign).
    pub key: String,
    /// Times, tags, validators.
    pub meta: Meta,
    /// The body as received.
    pub body: String,
}

/// An index line: meta plus the bytes the record takes in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// Meta of the record.
    pub meta: Meta,
    /// Bytes of the record's key and value.
    pub size: usize,
}

/// One change recorded in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalLine {
    /// The entry was written or its meta changed.
    Upsert(String, IndexEntry),
    /// The entry was removed.
    Remove(String),
}

fn clean(field: &str) -> bool {
    !field.contains(['\n', '\t', TAG_SEPARATOR])
}

/// Whether `key` and `meta` can be encoded (no field holds a separator, and the times are in
/// the order the decoder insists on).
pub fn encodable(key: &str, meta: &Meta) -> bool {
    meta.received_at <= meta.stale_at
        && meta.stale_at <= meta.expires_at
        && !key.is_empty()
        && clean(key)
        && clean(&meta.page_type)
        && !meta.page_type.is_empty()
        && meta.tags.iter().all(|t| clean(t) && !t.is_empty())
        && meta.etag.as_deref().is_none_or(clean)
        && meta.last_modified.as_deref().is_none_or(clean)
}

fn encode_meta(meta: &Meta, out: &mut String) {
    out.push_str(&meta.page_type);
    for time in [
        meta.received_at,
        meta.server_time,
        meta.stale_at,
        meta.expires_at,
    ] {
        out.push('\t');
        push_decimal(out, time, 0);
    }
    out.push('\t');
    push_hex(out, meta.fingerprint);
    for field in [
        if meta.json { "j" } else { "t" },
        meta.etag.as_deref().unwrap_or(""),
        meta.last_modified.as_deref().unwrap_or(""),
    ] {
        out.push('\t');
        out.push_str(field);
    }
    out.push('\t');
    for (i, tag) in meta.tags.iter().enumerate() {
        if i > 0 {
            out.push(TAG_SEPARATOR);
        }
        out.push_str(tag);
    }
}

fn decode_meta(line: &str) -> Option<Meta> {
    let mut fields = line.split('\t');
    let page_type = fields.next().filter(|p| !p.is_empty())?.to_owned();
    let mut number = || fields.next()?.parse::<Millis>().ok();
    let (received_at, server_time, stale_at, expires_at) =
        (number()?, number()?, number()?, number()?);
    let fingerprint = u64::from_str_radix(fields.next()?, 16).ok()?;
    let json = match fields.next()? {
        "j" => true,
        "t" => false,
        _ => return None,
    };
    let optional = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let etag = optional(fields.next()?);
    let last_modified = optional(fields.next()?);
    let tags_field = fields.next()?;
    if fields.next().is_some() || !(received_at <= stale_at && stale_at <= expires_at) {
        return None;
    }
    let tags = if tags_field.is_empty() {
        Vec::new()
    } else {
        tags_field.split(TAG_SEPARATOR).map(str::to_owned).collect()
    };
    if tags.iter().any(String::is_empty) {
        return None;
    }
    Some(Meta {
        page_type,
        tags,
        received_at,
        server_time,
        stale_at,
        expires_at,
        fingerprint,
        json,
        etag,
        last_modified,
    })
}

/// Encodes a record; `None` when a field holds a separator (such an entry stays memory-only).
///
/// ```
/// use freshet::store::codec::{decode_record, encode_record, Meta, Record};
/// let meta = Meta { page_type: "reading".into(), tags: vec!["story:1".into()], received_at: 1,
///     server_time: 1, stale_at: 2, expires_at: 3, fingerprint: 0xab, json: true,
///     etag: Some("\"x\"".into()), last_modified: None };
/// let record = Record { key: "/a".into(), meta, body: "{\"a\":\n1}".into() };
/// let text = encode_record(&record).unwrap();
/// assert_eq!(decode_record(&text), Some(record));
/// assert_eq!(decode_record("{\"foreign\":true}"), None);
/// ```
pub fn encode_record(record: &Record) -> Option<String> {
    encode_record_parts(&record.key, &record.meta, &record.body)
}

/// [`encode_record`] from borrowed parts (the body is copied once, into the record).
pub fn encode_record_parts(key: &str, meta: &Meta, body: &str) -> Option<String> {
    if !encodable(key, meta) {
        return None;
    }
    let mut out = String::with_capacity(body.len() + key.len() + 96);
    out.push_str(RECORD_MAGIC);
    out.push('\n');
    out.push_str(key);
    out.push('\n');
    encode_meta(meta, &mut out);
    out.push('\n');
    out.push_str(body);
    Some(out)
}

/// Decodes a record; `None` for anything of another shape or version.
pub fn decode_record(text: &str) -> Option<Record> {
    let rest = text.strip_prefix(RECORD_MAGIC)?.strip_prefix('\n')?;
    let (key, rest) = rest.split_once('\n')?;
    let (meta, body) = rest.split_once('\n')?;
    if key.is_empty() || key.contains('\t') {
        return None;
    }
    Some(Record {
        key: key.to_owned(),
        meta: decode_meta(meta)?,
        body: body.to_owned(),
    })
}

/// Decodes only the head of a record (key and meta), leaving the body unread.
pub fn decode_record_head(text: &str) -> Option<(&str, Meta, &str)> {
    let rest = text.strip_prefix(RECORD_MAGIC)?.strip_prefix('\n')?;
    let (key, rest) = rest.split_once('\n')?;
    let (meta, body) = rest.split_once('\n')?;
    if key.is_empty() || key.contains('\t') {
        return None;
    }
    Some((key, decode_meta(meta)?, body))
}

/// Decodes a record's head alone (the text before the body's newline): key and meta.
pub fn decode_head(head: &str) -> Option<(&str, Meta)> {
    let rest = head.strip_prefix(RECORD_MAGIC)?.strip_prefix('\n')?;
    let (key, meta) = rest.split_once('\n')?;
    if key.is_empty() || key.contains('\t') || meta.contains('\n') {
        return None;
    }
    Some((key, decode_meta(meta)?))
}

fn encode_index_line(key: &str, entry: &IndexEntry, out: &mut String) {
    out.push_str(key);
    out.push('\t');
    push_decimal(out, u64::try_from(entry.size).unwrap_or(u64::MAX), 0);
    out.push('\t');
    encode_meta(&entry.meta, out);
    out.push('\n');
}

/// Decodes one index line (`key TAB size TAB meta`, without its newline).
pub fn decode_index_line(line: &str) -> Option<(String, IndexEntry)> {
    let (key, rest) = line.split_once('\t')?;
    let (size, meta) = rest.split_once('\t')?;
    if key.is_empty() {
        return None;
    }
    Some((
        key.to_owned(),
        IndexEntry {
            meta: decode_meta(meta)?,
            size: size.parse().ok()?,
        },
    ))
}

/// Encodes a whole index.
pub fn encode_index<'a>(entries: impl Iterator<Item = (&'a str, &'a IndexEntry)>) -> String {
    encode_lines(INDEX_MAGIC, entries)
}

/// Decodes an index; `None` when its header is wrong. Bad lines are skipped (their records are
/// then unindexed and get swept).
pub fn decode_index(text: &str) -> Option<Vec<(String, IndexEntry)>> {
    decode_lines(INDEX_MAGIC, text)
}

/// Encodes the overrides list: index lines that are newer than their record's head (a 304 or
/// another change of times that did not rewrite the record).
pub fn encode_overrides<'a>(entries: impl Iterator<Item = (&'a str, &'a IndexEntry)>) -> String {
    encode_lines(OVERRIDES_MAGIC, entries)
}

/// Decodes the overrides list; `None` when its header is wrong. Bad lines are skipped (their
/// records' own heads are then served, which at worst holds older times).
pub fn decode_overrides(text: &str) -> Option<Vec<(String, IndexEntry)>> {
    decode_lines(OVERRIDES_MAGIC, text)
}

/// `magic`, then one index line per entry: the shape of the index and of the overrides.
fn encode_lines<'a>(
    magic: &str,
    entries: impl Iterator<Item = (&'a str, &'a IndexEntry)>,
) -> String {
    let mut out = String::from(magic);
    out.push('\n');
    for (key, entry) in entries {
        encode_index_line(key, entry, &mut out);
    }
    out
}

/// The entries of a text written by [`encode_lines`] with `magic`; bad lines are skipped.
fn decode_lines(magic: &str, text: &str) -> Option<Vec<(String, IndexEntry)>> {
    let body = text.strip_prefix(magic)?.strip_prefix('\n')?;
    Some(body.lines().filter_map(decode_index_line).collect())
}

/// The lines of an index without decoding their meta: `(key, size, line)` for each line whose
/// key and size read (others are skipped, as [`decode_index`] skips them). `None` when the
/// header is wrong. Opening a cache only splits the index this way; a line is decoded with
/// [`decode_index_line`] when its entry is first used.
pub fn index_lines(text: &str) -> Option<impl Iterator<Item = (&str, usize, &str)>> {
    let body = text.strip_prefix(INDEX_MAGIC)?.strip_prefix('\n')?;
    Some(body.lines().filter_map(|line| {
        let (key, rest) = line.split_once('\t')?;
        let (size, _) = rest.split_once('\t')?;
        let size = size.parse().ok()?;
        (!key.is_empty()).then_some((key, size, line))
    }))
}

/// The journal's header line, to start an empty journal.
pub fn journal_header() -> String {
    let mut out = String::from(JOURNAL_MAGIC);
    out.push('\n');
    out
}

/// Appends one change to a journal text.
pub fn push_journal_line(journal: &mut String, line: &JournalLine) {
    match line {
        JournalLine::Upsert(key, entry) => {
            journal.push('+');
            encode_index_line(key, entry, journal);
        }
        JournalLine::Remove(key) => {
            journal.push('-');
            journal.push_str(key);
            journal.push('\n');
        }
    }
}

/// Decodes a journal; `None` when its header is wrong. Bad lines are skipped.
pub fn decode_journal(text: &str) -> Option<Vec<JournalLine>> {
    let body = text.strip_prefix(JOURNAL_MAGIC)?.strip_prefix('\n')?;
    Some(
        body.lines()
            .filter_map(|line| {
                if let Some(rest) = line.strip_prefix('+') {
                    decode_index_line(rest).map(|(k, e)| JournalLine::Upsert(k, e))
                } else {
                    line.strip_prefix('-')
                        .filter(|k| !k.is_empty())
                        .map(|k| JournalLine::Remove(k.to_owned()))
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta {
            page_type: "writing".into(),
            tags: vec!["scene:a".into(), "story 1".into()],
            received_at: 10,
            server_time: 9,
            stale_at: 10,
            expires_at: 100,
            fingerprint: u64::MAX,
            json: false,
            etag: None,
            last_modified: Some("Sun, 06 Nov 1994 08:49:37 GMT".into()),
        }
    }

    #[test]
    fn records_round_trip_with_any_body() {
        for body in ["", "\n\n", "\t", "héllo \u{1f} wörld", "{\"a\":[1,2]}"] {
            let r = Record {
                key: "/x?a=1".into(),
                meta: meta(),
                body: body.into(),
            };
            let text = encode_record(&r).unwrap();
            assert_eq!(decode_record(&text).as_ref(), Some(&r));
            let (key, m, b) = decode_record_head(&text).unwrap();
            assert_eq!((key, &m, b), ("/x?a=1", &r.meta, body));
        }
    }

    #[test]
    fn foreign_corrupt_and_other_versions_are_rejected() {
        let good = encode_record(&Record {
            key: "/x".into(),
            meta: meta(),
            body: "b".into(),
        })
        .unwrap();
        let cases = [
            String::new(),
            "{\"key\":\"/x\",\"body\":1}".into(),
            "{not json".into(),
            good.replace("freshet:1", "freshet:2"),
            good.replace("writing\t", "\t"),
            good.replace("\t10\t9\t", "\t10\t-9\t"),
            good.replace("\t10\t9\t10\t100", "\t10\t9\t100\t10"),
            good.replace("\tt\t", "\tx\t"),
            good.replace("\tffffffffffffffff\t", "\tzz\t"),
            good.split('\n').take(2).collect::<Vec<_>>().join("\n"),
            good.replacen('\n', "", 1),
        ];
        for case in cases {
            assert_eq!(decode_record(&case), None, "{case:?}");
        }
        assert!(decode_record(&good).is_some());
    }

    #[test]
    fn separators_in_fields_are_refused_not_mangled() {
        let mut m = meta();
        m.tags.push("a\tb".into());
        let r = Record {
            key: "/x".into(),
            meta: m,
            body: String::new(),
        };
        assert_eq!(encode_record(&r), None);
        let mut m = meta();
        m.etag = Some("a\nb".into());
        assert!(!encodable("/x", &m));
        assert!(!encodable("/x\ny", &meta()));
    }

    #[test]
    fn index_and_journal_round_trip_and_skip_bad_lines() {
        let e = IndexEntry {
            meta: meta(),
            size: 42,
        };
        let text = encode_index([("/a", &e), ("/b", &e)].into_iter());
        let decoded = decode_index(&format!("{text}garbage\n")).unwrap();
        assert_eq!(
            decoded,
            vec![("/a".into(), e.clone()), ("/b".into(), e.clone())]
        );
        assert_eq!(decode_index("freshet-index:2\n"), None);
        let mut j = journal_header();
        push_journal_line(&mut j, &JournalLine::Upsert("/a".into(), e.clone()));
        push_journal_line(&mut j, &JournalLine::Remove("/b".into()));
        j.push_str("?what\n-\n");
        assert_eq!(
            decode_journal(&j).unwrap(),
            vec![
                JournalLine::Upsert("/a".into(), e),
                JournalLine::Remove("/b".into())
            ]
        );
    }

    #[test]
    fn arbitrary_text_never_panics() {
        let samples = [
            "freshet:1\n",
            "freshet:1\n\n\n",
            "freshet:1\nk\n\t\t\t\t\t\t\t\t\t\n",
        ];
        for s in samples {
            assert_eq!(decode_record(s), None);
        }
        for n in 0..200u32 {
            let s: String = (0..n)
                .map(|i| char::from_u32((i * 7919 + n) % 128).unwrap_or('x'))
                .collect();
            let _ = decode_record(&s);
            let _ = decode_index(&s);
            let _ = decode_journal(&s);
        }
    }
}
