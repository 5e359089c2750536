//! `inkan serve`: the CA as a service, with JSON logs, activation shares typed on the
//! console while the keys are locked, and a graceful stop on Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::args::ServeArgs;
use crate::support::{lookup, shutdown_signal};

/// `inkan serve`.
pub fn run(args: ServeArgs) -> Result<ExitCode> {
    serve(args.dir, args.listen)
}

fn serve(dir: PathBuf, listen: Option<std::net::SocketAddr>) -> Result<ExitCode> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let mut config = inkan_server::Config::load(&dir)?;
    if let Some(addr) = listen {
        config.listen = addr;
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let running = inkan_server::start(config, &lookup).await?;
        println!("listening on http://{}", running.addr);
        if let Some(reason) = running.state.custody_waiver() {
            eprintln!(
                "warning: the CA keys are software keys where the policy requires an HSM (R-6.2-HSM): not for production use; recorded: {reason}"
            );
        }
        if let Some(s) = running
            .state
            .with_both(|ca, _| Ok::<_, inkan_server::RaError>(ca.activation()))
            .await? {
            eprintln!("the CA keys are locked: {} shares are needed; enter them here, one per line, or POST them to /api/ra/activation", s.need);
            let state = running.state.clone();
            std::thread::spawn(move || console_shares(&state));
        }
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        running.stop().await.context("stopping the server")?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Shares typed on the server's console (R-6.2-M-OF-N); each is entered and audited
/// like one sent to the endpoint.
fn console_shares(state: &inkan_server::AppState) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    let stdin = std::io::stdin();
    let mut line = zeroize::Zeroizing::new(String::new());
    loop {
        line.clear();
        if stdin.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let share = line.trim().to_string();
        if share.is_empty() {
            continue;
        }
        match runtime.block_on(state.enter_share(share, "console".into())) {
            Ok(s) if s.active => {
                eprintln!("CA keys activated");
                return;
            }
            Ok(s) => eprintln!("share accepted: {} of {}", s.have, s.need),
            Err(e) => eprintln!("refused: {}", inkan_runtime::error::report(&e)),
        }
    }
}
