//! The tamper-evident audit log (R-5.4-PROTECT, R-5.4-RETENTION).
//!
//! Entries are sequence-numbered and hash-chained: each entry's hash covers its
//! fields and the previous entry's hash. Checkpoints sign (sequence, hash, time)
//! with the CA's audit key, an Ed25519 key kept beside the CA keys. It is a key of
//! its own because R-6.1-CA-KEY-USE lets CA keys sign only certificates and CRLs.
//!
//! [`verify`] detects an edited entry (its hash no longer matches), a deleted one
//! (a gap in the sequence), reordered ones (a broken link) and a truncated log (a
//! signed checkpoint, or the recorded head, beyond the last entry). Purging removes
//! only a prefix of entries each older than its retention period, and leaves a
//! signed anchor so the rest still verifies.

use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};

use crate::calendar::Timestamp;
use crate::error::{Error, Result};
use crate::policy::PolicyDefinition;

/// The hash before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Sequence number, from 1, without gaps.
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// Who: a staff account, `cli`, `scheduler`, a subscriber's password id.
    pub actor: String,
    /// Event type, from the policy (`certificate-issued`).
    pub event: String,
    /// Retention category (`ca-lifecycle`).
    pub retention: String,
    /// Details as JSON text; never a secret.
    pub details: String,
    /// The previous entry's hash.
    pub prev: [u8; 32],
    /// This entry's hash.
    pub hash: [u8; 32],
}

impl Entry {
    /// The hash this entry's fields give when it follows `prev`.
    pub fn hash_after(&self, prev: &[u8; 32]) -> [u8; 32] {
        entry_hash(
            self.seq,
            self.at,
            &self.actor,
            &self.event,
            &self.retention,
            &self.details,
            prev,
        )
    }
}

/// An event about to be appended.
#[derive(Debug, Clone)]
pub struct Event {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// Event type.
    pub event: &'static str,
    /// Details (JSON text).
    pub details: String,
}

impl Event {
    /// An event with details given as `(key, value)` pairs, encoded as a JSON object.
    pub fn new(
        at: Timestamp,
        actor: impl Into<String>,
        event: &'static str,
        details: &[(&str, &str)],
    ) -> Self {
        let mut json = String::from("{");
        for (i, (k, v)) in details.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str(&format!("{}:{}", json_string(k), json_string(v)));
        }
        json.push('}');
        Event {
            at,
            actor: actor.into(),
            event,
            details: json,
        }
    }
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// The hash of an entry: SHA-256 over a domain tag, every field length-prefixed, and
/// the previous hash.
pub fn entry_hash(
    seq: u64,
    at: Timestamp,
    actor: &str,
    event: &str,
    retention: &str,
    details: &str,
    prev: &[u8; 32],
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"inkan-audit-entry-v1");
    h.update(seq.to_be_bytes());
    h.update(at.unix().to_be_bytes());
    field(&mut h, actor.as_bytes());
    field(&mut h, event.as_bytes());
    field(&mut h, retention.as_bytes());
    field(&mut h, details.as_bytes());
    h.update(prev);
    h.finalize().into()
}

/// The retention category of an event type: `<source>-<category>` for CA events,
/// `ra-electronic` for RA events (the RA's logs are electronic); an event the policy
/// does not list gets the longest period the policy has.
pub fn retention_category(policy: &PolicyDefinition, event: &str) -> String {
    match policy.audit_events.iter().find(|e| e.name == event) {
        Some(e) if e.source == "ra" => "ra-electronic".into(),
        Some(e) => format!("{}-{}", e.source, e.category),
        None => policy
            .retention
            .iter()
            .max_by_key(|r| (r.keep.years, r.keep.months, r.keep.days, r.keep.hours))
            .map_or_else(|| "ca-lifecycle".into(), |r| r.category.to_string()),
    }
}

/// An event with its retention category resolved, ready for the store.
#[derive(Debug, Clone)]
pub struct Audited {
    /// The event.
    pub event: Event,
    /// Its retention category.
    pub retention: String,
}

impl Audited {
    /// Resolves the event's retention category from the policy.
    pub fn new(policy: &PolicyDefinition, event: Event) -> Self {
        let retention = retention_category(policy, event.event);
        Audited { event, retention }
    }
}

/// A signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Sequence number it covers up to.
    pub seq: u64,
    /// The chain hash at that entry.
    pub hash: [u8; 32],
    /// When it was made.
    pub at: Timestamp,
    /// Ed25519 signature by the audit key.
    pub signature: Vec<u8>,
    /// True for the anchor left by a purge (the entries up to `seq` are gone).
    pub anchor: bool,
}

fn manifest_message(manifest: &[u8]) -> Vec<u8> {
    let mut m = b"inkan-backup-manifest-v1\n".to_vec();
    m.extend(manifest);
    m
}

/// Whether `signature` is the audit key `public_key`'s signature of a backup manifest.
pub fn manifest_signed(public_key: &[u8], manifest: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(&manifest_message(manifest), signature)
        .is_ok()
}

fn checkpoint_message(seq: u64, hash: &[u8; 32], at: Timestamp, anchor: bool) -> Vec<u8> {
    let mut m = b"inkan-audit-checkpoint-v1".to_vec();
    m.extend(seq.to_be_bytes());
    m.extend(hash);
    m.extend(at.unix().to_be_bytes());
    m.push(u8::from(anchor));
    m
}

/// The CA's audit key.
pub struct AuditKey {
    pair: Ed25519KeyPair,
}

impl AuditKey {
    /// A fresh key; returns it with its PKCS #8 document (to be stored 0600).
    pub fn generate() -> Result<(Self, Vec<u8>)> {
        let rng = ring::rand::SystemRandom::new();
        let doc = Ed25519KeyPair::generate_pkcs8(&rng)
            .map_err(|_| Error::Signer("cannot generate the audit key".into()))?;
        let key = Self::from_pkcs8(doc.as_ref())?;
        Ok((key, doc.as_ref().to_vec()))
    }

    /// Reads a PKCS #8 Ed25519 key.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self> {
        Ok(AuditKey {
            pair: Ed25519KeyPair::from_pkcs8(der)
                .map_err(|e| Error::Signer(format!("bad audit key: {e}")))?,
        })
    }

    /// The public key, 32 bytes.
    pub fn public_key(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }

    /// Signs a ceremony transcript; returns the hex signature.
    pub fn sign_transcript(&self, text: &str) -> String {
        let mut m = b"inkan-ceremony-transcript-v1\n".to_vec();
        m.extend(text.as_bytes());
        hex::encode(self.pair.sign(&m).as_ref())
    }

    /// Signs a backup's manifest (domain-separated from checkpoints and transcripts).
    pub fn sign_manifest(&self, manifest: &[u8]) -> Vec<u8> {
        self.pair
            .sign(&manifest_message(manifest))
            .as_ref()
            .to_vec()
    }

    /// Signs a checkpoint.
    pub fn checkpoint(&self, seq: u64, hash: [u8; 32], at: Timestamp, anchor: bool) -> Checkpoint {
        let signature = self
            .pair
            .sign(&checkpoint_message(seq, &hash, at, anchor))
            .as_ref()
            .to_vec();
        Checkpoint {
            seq,
            hash,
            at,
            signature,
            anchor,
        }
    }
}

/// What verification found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Entries read.
    pub entries: u64,
    /// Checkpoints whose signature verified.
    pub checkpoints: u64,
    /// First and last sequence numbers present.
    pub range: Option<(u64, u64)>,
    /// Every problem, with the sequence number involved.
    pub problems: Vec<String>,
    /// Heads witnessed outside the database that were found as witnessed.
    pub witnessed: u64,
    /// What could not be checked, and why (not a failure).
    pub notes: Vec<String>,
}

impl Report {
    /// True when nothing is wrong.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies entries (in stored order), checkpoints, and the recorded head against
/// the audit public key.
pub fn verify(
    entries: &[Entry],
    checkpoints: &[Checkpoint],
    head: Option<u64>,
    public_key: &[u8],
) -> Report {
    let mut report = Report {
        entries: entries.len() as u64,
        ..Report::default()
    };
    let key = UnparsedPublicKey::new(&ED25519, public_key);
    let mut anchor: Option<&Checkpoint> = None;
    for c in checkpoints {
        if key
            .verify(
                &checkpoint_message(c.seq, &c.hash, c.at, c.anchor),
                &c.signature,
            )
            .is_err()
        {
            report.problems.push(format!(
                "checkpoint at entry {} has a signature that does not verify (forged or altered)",
                c.seq
            ));
            continue;
        }
        report.checkpoints += 1;
        if c.anchor && anchor.is_none_or(|a| a.seq < c.seq) {
            anchor = Some(c);
        }
    }
    let (mut expected_seq, mut running) = anchor.map_or((1, GENESIS), |a| (a.seq + 1, a.hash));
    let mut hashes = std::collections::BTreeMap::new();
    if let Some(a) = anchor {
        hashes.insert(a.seq, a.hash);
    }
    for e in entries {
        if e.seq < expected_seq {
            report.problems.push(format!(
                "entry {} is out of order or duplicated (expected {expected_seq})",
                e.seq
            ));
            continue;
        }
        if e.seq > expected_seq {
            report.problems.push(format!(
                "entries {expected_seq}..{} are missing (deleted)",
                e.seq - 1
            ));
        }
        if e.prev != running {
            report.problems.push(format!("entry {} does not follow the entry before it (reordered, or an earlier entry was altered)", e.seq));
        }
        let computed = e.hash_after(&e.prev);
        if computed != e.hash {
            report.problems.push(format!(
                "entry {} was edited: its contents no longer match its hash",
                e.seq
            ));
        }
        running = e.hash;
        hashes.insert(e.seq, e.hash);
        expected_seq = e.seq + 1;
    }
    report.range = entries
        .first()
        .zip(entries.last())
        .map(|(a, b)| (a.seq, b.seq));
    let last = expected_seq - 1;
    for c in checkpoints.iter().filter(|c| {
        key.verify(
            &checkpoint_message(c.seq, &c.hash, c.at, c.anchor),
            &c.signature,
        )
        .is_ok()
    }) {
        match hashes.get(&c.seq) {
            Some(h) if *h == c.hash => {}
            Some(_) => report.problems.push(format!(
                "the log up to entry {} differs from its signed checkpoint",
                c.seq
            )),
            None if c.seq > last => report.problems.push(format!(
                "a signed checkpoint covers entry {}, but the log ends at {last} (truncated)",
                c.seq
            )),
            None => {} // Before the anchor: purged, as the anchor attests.
        }
    }
    if let Some(h) = head
        && h > last
    {
        {
            report.problems.push(format!(
                "the log's recorded head is entry {h}, but it ends at {last} (truncated)"
            ));
        }
    }
    report
}

/// How many leading entries a purge at `now` may remove: the longest prefix in which
/// every entry is older than its own category's retention period.
pub fn purgeable_prefix(policy: &PolicyDefinition, entries: &[Entry], now: Timestamp) -> usize {
    entries
        .iter()
        .take_while(|e| {
            let keep = policy
                .retention
                .iter()
                .find(|r| r.category == e.retention)
                .map(|r| r.keep);
            // An unknown category is kept.
            keep.and_then(|k| e.at.checked_add(k))
                .is_some_and(|until| until <= now)
        })
        .count()
}

/// Checks heads witnessed outside the database (R-5.4-PROTECT): each `(seq, hash)`
/// someone recorded from the repository's `/repository/audit-head` must still be in
/// the log with that hash. An entry removed after it was witnessed, even past the last
/// signed checkpoint and with the recorded head rewritten, is then found. A head older
/// than the oldest entry kept (purged under retention, behind a signed anchor) cannot
/// be checked and is said so.
pub fn check_witnessed(
    entries: &[Entry],
    checkpoints: &[Checkpoint],
    witnessed: &[(u64, [u8; 32])],
    report: &mut Report,
) {
    // Only what a signed anchor says was purged counts as purged; anything else
    // missing, in an emptied log too, was removed.
    let purged_through = checkpoints
        .iter()
        .filter(|c| c.anchor)
        .map(|c| c.seq)
        .max()
        .unwrap_or(0);
    for (seq, hash) in witnessed {
        match entries.iter().find(|e| e.seq == *seq) {
            Some(e) if e.hash == *hash => report.witnessed += 1,
            Some(_) => report.problems.push(format!(
                "entry {seq} is not the one witnessed (hash {}): the log was rewritten after it was seen",
                hex::encode(hash)
            )),
            None if *seq <= purged_through => report.notes.push(format!(
                "the witnessed entry {seq} was purged under retention: not checked"
            )),
            None => report.problems.push(format!(
                "the witnessed entry {seq} (hash {}) is gone: entries were removed after it was seen",
                hex::encode(hash)
            )),
        }
    }
}

/// Verifies a ceremony transcript's signature (hex) with the audit public key.
pub fn verify_transcript(text: &str, signature_hex: &str, public_key: &[u8]) -> bool {
    let mut m = b"inkan-ceremony-transcript-v1\n".to_vec();
    m.extend(text.as_bytes());
    hex::decode(signature_hex).is_ok_and(|sig| {
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(&m, &sig)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A witnessed entry is found as witnessed, or said rewritten or gone; only one at
    /// or before a signed anchor counts as purged, so emptying the log does not hide
    /// the removal.
    #[test]
    fn witnessed_heads_are_found_or_their_removal_is() {
        let entries = chain(5);
        let at = |seq: u64| (seq, entries[usize::try_from(seq - 1).unwrap()].hash);
        let mut r = Report::default();
        check_witnessed(&entries, &[], &[at(2), at(5)], &mut r);
        assert_eq!((r.witnessed, r.problems.len()), (2, 0));
        let mut r = Report::default();
        check_witnessed(&entries[..3], &[], &[at(5)], &mut r);
        assert!(r.problems[0].contains("is gone"), "{:?}", r.problems);
        let mut r = Report::default();
        check_witnessed(&entries, &[], &[(4, [7; 32])], &mut r);
        assert!(r.problems[0].contains("rewritten"), "{:?}", r.problems);
        let anchor = Checkpoint {
            seq: 3,
            hash: entries[2].hash,
            at: entries[2].at,
            anchor: true,
            signature: Vec::new(),
        };
        let mut r = Report::default();
        check_witnessed(&[], std::slice::from_ref(&anchor), &[at(2), at(5)], &mut r);
        assert_eq!(
            r.notes.len(),
            1,
            "2 was purged behind the anchor: {:?}",
            r.notes
        );
        assert_eq!(r.problems.len(), 1, "5 was removed: {:?}", r.problems);
    }

    fn chain(n: u64) -> Vec<Entry> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let at = Timestamp::from_unix(1_700_000_000 + seq as i64)
                    .unwrap_or(crate::calendar::MIN);
                let hash = entry_hash(seq, at, "cli", "crl-created", "ca-lifecycle", "{}", &prev);
                let e = Entry {
                    seq,
                    at,
                    actor: "cli".into(),
                    event: "crl-created".into(),
                    retention: "ca-lifecycle".into(),
                    details: "{}".into(),
                    prev,
                    hash,
                };
                prev = hash;
                e
            })
            .collect()
    }

    /// Proves: R-5.4-PROTECT.
    #[test]
    fn r_5_4_protect_detects_edit_delete_reorder_truncate() {
        let (key, _) = AuditKey::generate().unwrap();
        let entries = chain(5);
        let cp = vec![key.checkpoint(5, entries[4].hash, entries[4].at, false)];
        assert!(verify(&entries, &cp, Some(5), &key.public_key()).ok());

        let mut edited = entries.clone();
        edited[2].details = "{\"x\":1}".into();
        assert!(
            verify(&edited, &cp, Some(5), &key.public_key())
                .problems
                .iter()
                .any(|p| p.contains("entry 3 was edited"))
        );

        let mut deleted = entries.clone();
        deleted.remove(1);
        assert!(
            verify(&deleted, &cp, Some(5), &key.public_key())
                .problems
                .iter()
                .any(|p| p.contains("missing"))
        );

        let mut reordered = entries.clone();
        reordered.swap(1, 2);
        assert!(!verify(&reordered, &cp, Some(5), &key.public_key()).ok());

        let truncated = &entries[..3];
        assert!(
            verify(truncated, &cp, Some(5), &key.public_key())
                .problems
                .iter()
                .any(|p| p.contains("truncated"))
        );

        let (other, _) = AuditKey::generate().unwrap();
        assert!(
            verify(&entries, &cp, Some(5), &other.public_key())
                .problems
                .iter()
                .any(|p| p.contains("does not verify"))
        );
    }

    #[test]
    fn json_details_are_escaped() {
        let e = Event::new(
            crate::calendar::MIN,
            "a",
            "x",
            &[("k", "quote\" and \\ and\nnewline")],
        );
        assert_eq!(e.details, r#"{"k":"quote\" and \\ and\nnewline"}"#);
    }
}
