//! What the commands share: the linked policies, times and numbers from the command
//! line, files written whole or not at all, PEM and DER in and out, shares read from
//! standard input, and fetching over HTTP.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use inkan_runtime::ca::Ca;
use inkan_runtime::calendar::Timestamp;
use inkan_runtime::policy::Policy;

/// The compiled policy of that id, or an error that lists the linked ones.
pub fn policy(name: &str) -> Result<&'static dyn Policy> {
    inkan_policies::by_id(name).ok_or_else(|| {
        let known: Vec<&str> = inkan_policies::ALL.iter().map(|p| p.id()).collect();
        anyhow!(
            "no compiled policy `{name}`; this binary links: {}",
            known.join(", ")
        )
    })
}

/// The compiled policy of that id, if this binary links it (for opening a CA).
pub fn lookup(id: &str) -> Option<&'static dyn Policy> {
    inkan_policies::by_id(id)
}

/// `--now`, read as RFC 3339.
pub fn parse_now(now: Option<&str>) -> Result<Option<Timestamp>> {
    now.map(|s| {
        Timestamp::parse_rfc3339(s).ok_or_else(|| {
            anyhow!("--now `{s}` is not an RFC 3339 time such as 2026-11-26T09:00:00Z")
        })
    })
    .transpose()
}

/// A name field from the command line (`--developer 000123`).
pub fn number(name: &str, s: &str) -> Result<(String, u64)> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 18 {
        bail!("--{name} `{s}` is not a decimal number");
    }
    Ok((
        name.to_string(),
        s.parse().with_context(|| format!("--{name} `{s}`"))?,
    ))
}

/// Writes to `out` (atomically) or to standard output.
pub fn write_out(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) => write_atomically(path, bytes),
        None => std::io::stdout()
            .write_all(bytes)
            .context("writing to standard output"),
    }
}

/// PEM text of a DER value.
pub fn pem(label: &str, der: &[u8]) -> Result<String> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .map_err(|e| anyhow!("PEM encoding: {e}"))
}

/// Reads M-of-N shares from standard input, one per line, until a locked CA is active.
pub fn unlock_from_stdin(ca: &mut Ca) -> Result<()> {
    let Some(status) = ca.activation() else {
        return Ok(());
    };
    eprintln!(
        "the CA keys are locked: {} custodian shares are needed, one per line on standard input (R-6.2-M-OF-N)",
        status.need
    );
    let stdin = std::io::stdin();
    let mut line = zeroize::Zeroizing::new(String::new());
    loop {
        line.clear();
        if stdin.read_line(&mut line).context("reading a share")? == 0 {
            bail!("standard input ended before enough shares were entered");
        }
        if line.trim().is_empty() {
            continue;
        }
        match ca.enter_share(line.trim(), Timestamp::now(), "console") {
            Ok(s) if s.active => {
                eprintln!("CA keys activated");
                return Ok(());
            }
            Ok(s) => eprintln!("share accepted: {} of {}", s.have, s.need),
            Err(e) => eprintln!("refused: {e}"),
        }
    }
}

/// Reads a file, or GETs an http(s) URL (the repository publishes over plain HTTP;
/// what it serves is signed, which is what the verifier trusts).
pub fn fetch(source: &str) -> Result<Vec<u8>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(inkan_server::rp::fetch_bytes(source))?)
}

/// DER from PEM blocks labelled `label`, or the bytes themselves if they are not PEM.
pub fn der_blocks(bytes: &[u8], label: &str, source: &str) -> Result<Vec<Vec<u8>>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) if t.trim_start().starts_with("-----BEGIN") => t,
        _ => return Ok(vec![bytes.to_vec()]),
    };
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN") {
        let block = &rest[start..];
        let stop = block
            .find(&end)
            .ok_or_else(|| anyhow!("{source}: a PEM block that is not a {label}"))?
            + end.len();
        let (found, der) = der::pem::decode_vec(&block.as_bytes()[..stop])
            .map_err(|e| anyhow!("{source}: bad PEM: {e}"))?;
        if found != label {
            bail!("{source}: expected {label} PEM blocks, found {found}");
        }
        out.push(der);
        rest = &block[stop..];
    }
    Ok(out)
}

/// Writes `bytes` to a sibling temporary file, then renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // A temporary file beside the target, removed when dropped: whatever fails (a full
    // disk, the rename), nothing is left behind and the target is untouched.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    // A temporary file is private (0600); the file it becomes keeps the target's mode,
    // or is readable by all (a certificate or a CRL is public), as `std::fs::write`
    // would make it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// A file's DER: PEM with the label `label`, or the bytes as they are.
pub fn read_pem_or_der(path: &Path, label: &str) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.starts_with(b"-----BEGIN") {
        let (found, der) = der::pem::decode_vec(&bytes)
            .map_err(|e| anyhow!("{}: bad PEM: {e}", path.display()))?;
        if found != label {
            bail!(
                "{}: expected a {label} PEM block, found {found}",
                path.display()
            );
        }
        Ok(der)
    } else {
        Ok(bytes)
    }
}

/// Ctrl-C, or SIGTERM on Unix.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

/// A token PIN from the environment variable `var`, or else from a line of standard
/// input (`which` names it in the prompt).
pub fn read_pin(var: &str, which: &str) -> Result<zeroize::Zeroizing<String>> {
    if let Ok(p) = std::env::var(var) {
        return Ok(zeroize::Zeroizing::new(p));
    }
    eprintln!("enter the token's current {which} PIN:");
    let mut line = zeroize::Zeroizing::new(String::new());
    let n = std::io::stdin()
        .read_line(&mut line)
        .with_context(|| format!("reading the {which} PIN"))?;
    if n == 0 {
        bail!("standard input ended before the {which} PIN ({var} is not set either)");
    }
    Ok(zeroize::Zeroizing::new(
        line.trim_end_matches(['\n', '\r']).to_string(),
    ))
}

/// The custodians' shares: every remaining line of standard input.
pub fn shares_from_stdin() -> Result<Vec<zeroize::Zeroizing<String>>> {
    let mut shares = Vec::new();
    let stdin = std::io::stdin();
    loop {
        let mut line = zeroize::Zeroizing::new(String::new());
        if stdin.read_line(&mut line).context("reading a share")? == 0 {
            return Ok(shares);
        }
        if !line.trim().is_empty() {
            shares.push(zeroize::Zeroizing::new(line.trim().to_string()));
        }
    }
}
