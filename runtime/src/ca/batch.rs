//! The second half of a batch, once its requests are checked and its TBSs built: every
//! TBS recorded in one durable commit before any is signed (store before sign), signed
//! and verified on every core with its certificate encoded and its audit entry made,
//! and the certificates and audit entries recorded in a second commit. A failure here
//! is each request's own result, audited; only a batch whose TBSs could not be
//! recorded at all fails as a whole, with nothing signed.
//!
//! Tried and not kept (docs/performance.md): a large batch in two parts, the second
//! part's TBSs recorded while the first signed and the first's certificates committed
//! while the second signed, to keep the one-writer store work off the signing's path.
//! The store work shared the two cores with the signing instead of filling idle time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use der::Encode;

use super::cores::on_every_core;
use super::hooks::{self, crash_point};
use super::request::{Completion, IssueRequest, Issued, Prepared};
use crate::audit::{Audited, Event};
use crate::calendar::Timestamp;
use crate::error::{Error, Result, report};
use crate::issue::Draft;
use crate::policy::{CertificateProfile, PolicyDefinition};
use crate::signer::Signer;
use crate::store::{Completed, Pending, Store};

/// What the batch keeps of each item it signs, by its position in the signing order.
pub(super) struct Item {
    /// The request's position in the batch.
    pub(super) request: usize,
    pub(super) serial: String,
    pub(super) subject: String,
    pub(super) profile: &'static CertificateProfile,
    pub(super) not_after: Timestamp,
}

/// A failed step, audited by the caller once the batch is done (R-5.4-CA-EVENTS).
pub(super) struct Failure {
    pub(super) stage: &'static str,
    pub(super) serials: Vec<String>,
    pub(super) error: String,
}

/// What the batch gave: a result per item that reached the store, the failures to
/// audit, and where its time went.
#[derive(Default)]
pub(super) struct Done {
    /// `(request position, result)`.
    pub(super) results: Vec<(usize, Result<Issued>)>,
    pub(super) failures: Vec<Failure>,
    /// The TBS records' commit.
    pub(super) record: Duration,
    /// The signatures, on every core.
    pub(super) sign: Duration,
    /// The certificates' commit.
    pub(super) complete: Duration,
}

/// A batch ready to record and sign.
pub(super) struct Batch<'a, 'r> {
    pub(super) store: &'a mut dyn Store,
    pub(super) def: &'static PolicyDefinition,
    pub(super) requests: &'a [IssueRequest<'r>],
    pub(super) now: Timestamp,
    pub(super) completion: Completion,
    /// The signing position a test hook makes panic.
    pub(super) panics_at: Option<usize>,
    pub(super) crash_points: bool,
}

/// The batch's items, each with its signing position and its CA's signer.
type Items<'s> = Vec<(usize, Prepared, &'s dyn Signer)>;
/// A signature, its certificate's DER and its audit entry, by signing position.
type Signature = (usize, Result<(Vec<u8>, Audited)>);

/// A batch whose TBSs are recorded: what to sign, and the items the store refused.
struct Recorded<'s> {
    to_sign: Vec<(usize, Draft, &'s dyn Signer)>,
    refused: Vec<(usize, Error)>,
}

impl Batch<'_, '_> {
    /// Records, signs and records again every item. `Err` (with the serials, for the
    /// caller's audit) when the TBSs could not be recorded: nothing was signed. After
    /// that every failure is an item's own result.
    pub(super) fn run(
        self,
        ready: Vec<(usize, Prepared, &dyn Signer)>,
    ) -> std::result::Result<Done, (Error, Vec<String>)> {
        let items: Vec<Item> = ready
            .iter()
            .map(|(i, p, _)| Item {
                request: *i,
                serial: p.serial.clone(),
                subject: p.subject.clone(),
                profile: p.profile,
                not_after: p.not_after,
            })
            .collect();
        let Batch {
            store,
            def,
            requests,
            now,
            completion,
            panics_at,
            crash_points,
        } = self;
        let ready: Items<'_> = ready
            .into_iter()
            .enumerate()
            .map(|(k, (_, p, signer))| (k, p, signer))
            .collect();

        let started = Instant::now();
        let Recorded { to_sign, refused } = match record(store, now, ready) {
            Ok(recorded) => recorded,
            Err((e, ks)) => {
                return Err((e, serials(&items, ks.into_iter())));
            }
        };
        let mut done = Done {
            record: started.elapsed(),
            ..Done::default()
        };
        crash_point(crash_points, "pending-recorded");
        done.refused(&items, refused);

        // Signed, encoded and given their audit entries on every core. An item that
        // panics (a signer's or an encoder's bug) loses its result alone: its record
        // stays pending for the operators (`inkan pending`), its certificate, if it was
        // signed, is never released, and the loss is audited.
        let signing = Instant::now();
        let sent = to_sign.iter().map(|(k, _, _)| *k).collect();
        let signatures = on_every_core(to_sign, |(k, draft, signer)| {
            hooks::signing_item(panics_at, k);
            (k, sign_one(&items[k], draft, signer, requests, def, now))
        });
        done.sign = signing.elapsed();
        crash_point(crash_points, "signed");

        let completing = Instant::now();
        complete(store, completion, &items, sent, signatures, &mut done);
        done.complete = completing.elapsed();
        Ok(done)
    }
}

/// Signs one item, encodes its certificate and makes its audit entry.
fn sign_one(
    item: &Item,
    draft: Draft,
    signer: &dyn Signer,
    requests: &[IssueRequest<'_>],
    def: &'static PolicyDefinition,
    now: Timestamp,
) -> Result<(Vec<u8>, Audited)> {
    let der = draft.sign(signer)?.to_der()?;
    let event = Event::new(
        now,
        requests[item.request].actor,
        "certificate-issued",
        &[
            ("serial", item.serial.as_str()),
            ("profile", item.profile.name),
            ("subject", item.subject.as_str()),
            ("not_after", &item.not_after.to_string()),
        ],
    );
    Ok((der, Audited::new(def, event)))
}

/// Records the TBSs in one durable commit. `Err` with every position when the commit
/// failed (nothing recorded).
fn record<'s>(
    store: &mut dyn Store,
    now: Timestamp,
    ready: Items<'s>,
) -> std::result::Result<Recorded<'s>, (Error, Vec<usize>)> {
    let pending: Vec<Pending<'_>> = ready.iter().map(|(_, p, _)| p.pending(now)).collect();
    let reserved = store.reserve_many(&pending);
    drop(pending);
    let reserved = match reserved {
        Ok(r) => r,
        Err(e) => return Err((e, ready.iter().map(|(k, _, _)| *k).collect())),
    };
    let mut recorded = Recorded {
        to_sign: Vec::with_capacity(ready.len()),
        refused: Vec::new(),
    };
    for ((k, p, signer), outcome) in ready.into_iter().zip(reserved) {
        match outcome {
            Ok(()) => recorded.to_sign.push((k, p.draft, signer)),
            Err(e) => recorded.refused.push((k, e)),
        }
    }
    Ok(recorded)
}

/// Records the signed certificates and their audit entries, and marks the failed
/// signatures, in one commit made as `completion` says; each item's result and the
/// failures to audit go to `done`. A signature whose commit fails is dropped, never
/// returned: its record stays pending (`inkan pending`) for the operators to revoke.
/// `sent` are the positions given to the signers: one without a signature panicked.
fn complete(
    store: &mut dyn Store,
    completion: Completion,
    items: &[Item],
    sent: Vec<usize>,
    signatures: Vec<Signature>,
    done: &mut Done,
) {
    let mut answered = vec![false; items.len()];
    let mut completed = Vec::new();
    let mut failed = Vec::new();
    let mut first_error = None;
    for (k, outcome) in signatures {
        answered[k] = true;
        match outcome {
            Ok((der, audited)) => completed.push((k, der, [audited])),
            Err(e) => {
                failed.push(k);
                first_error.get_or_insert_with(|| report(&e));
                done.results.push((items[k].request, Err(e)));
            }
        }
    }
    let records: Vec<Completed<'_>> = completed
        .iter()
        .map(|(k, der, audit)| Completed {
            serial: &items[*k].serial,
            der,
            audit,
        })
        .collect();
    let failed_serials: Vec<&str> = failed.iter().map(|k| items[*k].serial.as_str()).collect();
    let commit = match completion {
        Completion::Durable => store.complete_many(&records, &failed_serials),
        Completion::WithCallersCommit => store.complete_many_relaxed(&records, &failed_serials),
    };
    drop(records);
    match commit {
        Ok(()) => {
            for (k, der, _) in completed {
                let item = &items[k];
                done.results.push((
                    item.request,
                    Ok(Issued {
                        serial: item.serial.clone(),
                        subject: item.subject.clone(),
                        der,
                    }),
                ));
            }
        }
        Err(e) => {
            done.failures.push(Failure {
                stage: "complete",
                serials: serials(
                    items,
                    completed.iter().map(|c| c.0).chain(failed.iter().copied()),
                ),
                error: report(&e),
            });
            let shared = Arc::new(e);
            for (k, _, _) in completed {
                done.results.push((
                    items[k].request,
                    Err(Error::Unrecorded {
                        stage: "the signed certificates",
                        source: Arc::clone(&shared),
                    }),
                ));
            }
        }
    }
    if let Some(error) = first_error {
        done.failures.push(Failure {
            stage: "sign",
            serials: serials(items, failed.iter().copied()),
            error,
        });
    }
    let lost: Vec<usize> = sent.into_iter().filter(|k| !answered[*k]).collect();
    if !lost.is_empty() {
        done.failures.push(Failure {
            stage: "sign",
            serials: serials(items, lost.iter().copied()),
            error:
                "the signing step stopped (panicked) for these requests; their records stay pending"
                    .into(),
        });
        for k in lost {
            done.results.push((
                items[k].request,
                Err(Error::Signer(
                    "the signing step stopped for this request; its record stays pending".into(),
                )),
            ));
        }
    }
}

/// The serials at positions `ks`.
fn serials(items: &[Item], ks: impl Iterator<Item = usize>) -> Vec<String> {
    ks.map(|k| items[k].serial.clone()).collect()
}

impl Done {
    /// Items whose TBS the store refused on its own (the commit went through).
    fn refused(&mut self, items: &[Item], refused: Vec<(usize, Error)>) {
        if let Some((_, first)) = refused.first() {
            self.failures.push(Failure {
                stage: "record",
                serials: refused
                    .iter()
                    .map(|(k, _)| items[*k].serial.clone())
                    .collect(),
                error: report(first),
            });
        }
        for (k, e) in refused {
            self.results.push((items[k].request, Err(e)));
        }
    }
}
