//! E-mail: handlers queue messages in the outbox table (in the same database as the
//! change that causes them); this module delivers them over SMTP to the configured
//! relay, recording each attempt. Without a relay, mail waits.

use lettre::message::Message;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::ra::RaError;
use crate::state::AppState;

/// Sends what is waiting in the outbox.
pub async fn deliver(state: &AppState) -> Result<(), RaError> {
    let Some(host) = state.config().smtp_host.clone() else {
        return Ok(());
    };
    let port = state.config().smtp_port;
    let from = state.config().mail_from.clone();
    let pending = state.with_ra(|ra| ra.unsent(50)).await?;
    if pending.is_empty() {
        return Ok(());
    }
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .build();
    for (id, to, subject, body) in pending {
        let result = async {
            let message = Message::builder()
                .from(from.parse().map_err(|e| format!("sender address: {e}"))?)
                .to(to.parse().map_err(|e| format!("recipient address: {e}"))?)
                .subject(subject)
                // lettre picks the transfer encoding: 7bit where every line is short
                // ASCII, quoted-printable or base64 otherwise (a long line or a
                // Japanese name). Forcing 7bit made lettre panic on such a body.
                .body(body)
                .map_err(|e| e.to_string())?;
            transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        .await;
        state.metrics().job("mail", result.is_err());
        if let Err(e) = &result {
            tracing::warn!(mail = id, error = %e, "mail delivery failed; will retry");
        }
        let now = state.now();
        state
            .with_ra(move |ra| ra.mail_attempt(id, result, now))
            .await?;
    }
    Ok(())
}
