//! Test hooks, compiled only with the `test-hooks` cargo feature, which the release
//! build never enables (the crash and store tests turn it on as a dev-dependency
//! feature; `tests/tests/house.rs` checks the release feature set):
//!
//! - crash points: when `INKAN_CRASH_AT` names one, the process says so on standard
//!   error and waits to be killed (`cli/tests/crash.rs`);
//! - a pause before a CRL takes its number, where another server's publication would
//!   race it (`tests/tests/stores.rs`; set by `Ca::pause_before_crl_number` in
//!   `crl.rs`);
//! - a panic in one item of a batch's signing fan-out, as a signer or an encoder with
//!   a bug would (`tests/tests/faults.rs`; set by `Ca::panic_while_signing` in
//!   `issue.rs`).
//!
//! Even with the feature, a hook acts only in a CA made with `--allow-clock-override`,
//! which a production CA refuses. Without the feature every hook is an empty inline
//! function and the pause cannot be set.

/// The hooks a CA holds (nothing without the feature).
#[derive(Default)]
pub(super) struct Hooks {
    /// Runs once between a CRL's reads and its number.
    #[cfg(feature = "test-hooks")]
    pub(super) crl_pause: Option<Box<dyn FnOnce() + Send>>,
    /// The position, in the next batch's signing order, of the item that panics.
    #[cfg(feature = "test-hooks")]
    pub(super) sign_panic: Option<usize>,
}

impl Hooks {
    /// Runs the CRL pause, if one is set.
    pub(super) fn before_crl_number(&mut self) {
        #[cfg(feature = "test-hooks")]
        if let Some(pause) = self.crl_pause.take() {
            pause();
        }
    }

    /// Which item of the next batch's signing fan-out panics, once (never without the
    /// feature).
    pub(super) fn take_sign_panic(&mut self) -> Option<usize> {
        #[cfg(feature = "test-hooks")]
        return self.sign_panic.take();
        #[cfg(not(feature = "test-hooks"))]
        None
    }
}

/// Panics when `k` is the item a test set to panic (`panics_at`, from
/// [`Hooks::take_sign_panic`], which is always `None` without the feature).
pub(super) fn signing_item(panics_at: Option<usize>, k: usize) {
    if panics_at == Some(k) {
        panic!("test hook: signing item {k} panics");
    }
}

/// In a test CA (`enabled`), when `INKAN_CRASH_AT` names `point`: say so on standard
/// error and wait to be killed.
#[cfg(feature = "test-hooks")]
pub(super) fn crash_point(enabled: bool, point: &str) {
    if !enabled || std::env::var("INKAN_CRASH_AT").ok().as_deref() != Some(point) {
        return;
    }
    eprintln!("crash point reached: {point}");
    loop {
        std::thread::park();
    }
}

/// Without the `test-hooks` feature there are no crash points.
#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub(super) fn crash_point(_enabled: bool, _point: &str) {}
