//! What the service logs, kept for a test to read: for the assertions on what an
//! operator is told (levels, and errors raised only when they should be).

use std::sync::{Arc, Mutex};

/// Everything logged at INFO and above since [`capture`], as text.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// The log so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The lines so far that contain `needle`.
    pub fn lines_with(&self, needle: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_string)
            .collect()
    }
}

/// Sends every thread's logs of this test process to a [`Captured`]: once per process
/// (the subscriber is global), so a test binary's other tests log there too, and a
/// test reads only the lines it can tell apart.
pub fn capture() -> Captured {
    let log = Captured::default();
    let sink = log.clone();
    tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .init();
    log
}
