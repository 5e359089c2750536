//! M-of-N activation of an open CA (R-6.2-M-OF-N): custodians enter their shares one
//! by one; each is checked and audited, refused or not (never its value), and at the
//! threshold the CA keys and the audit key come to life.

use super::open::Ca;
use crate::audit::Event;
use crate::calendar::Timestamp;
use crate::custody::activation::ActivationStatus;
use crate::error::{Error, Result};

impl Ca {
    /// Where M-of-N activation stands; `None` for software keys (always active).
    pub fn activation(&self) -> Option<ActivationStatus> {
        self.activation.as_ref().map(|a| ActivationStatus {
            have: a.entered.len(),
            need: usize::from(a.threshold),
            active: false,
        })
    }

    /// Refuses while the CA keys are locked (R-6.2-M-OF-N).
    pub fn ensure_active(&self) -> Result<()> {
        match &self.activation {
            Some(a) => Err(Error::Locked {
                have: a.entered.len(),
                need: usize::from(a.threshold),
            }),
            None => Ok(()),
        }
    }

    /// A custodian enters a share (R-6.2-M-OF-N). A mistyped share, or one that is not
    /// the share issued to its index, is refused and named; once the threshold is
    /// reached the keys are activated. Each share entered is audited, never its value.
    pub fn enter_share(
        &mut self,
        text: &str,
        now: Timestamp,
        actor: &str,
    ) -> Result<ActivationStatus> {
        let Some(activation) = self.activation.as_mut() else {
            return Ok(ActivationStatus {
                have: 0,
                need: 0,
                active: true,
            });
        };
        let index = match activation.enter(text) {
            Ok(index) => index,
            Err(e) => {
                // A refused share is audited by its index alone, never its value: a
                // run of refusals is someone trying shares.
                let index = crate::custody::shamir::Share::parse(text)
                    .map_or_else(|_| "unreadable".to_string(), |s| s.index.to_string());
                self.audit(Event::new(
                    now,
                    actor,
                    "key-activation-share-refused",
                    &[("index", &index), ("why", &e.to_string())],
                ))?;
                return Err(e);
            }
        };
        let (have, need) = (activation.entered.len(), usize::from(activation.threshold));
        let share_event = Event::new(
            now,
            actor,
            "key-activation-share",
            &[
                ("index", &index.to_string()),
                ("entered", &have.to_string()),
                ("needed", &need.to_string()),
            ],
        );
        let Some(secret) = activation.secret()? else {
            self.audit(share_event)?;
            return Ok(ActivationStatus {
                have,
                need,
                active: false,
            });
        };
        if let Err(e) = self.unlock(&secret) {
            // The shares rebuilt a secret that does not open the keys: start again.
            if let Some(a) = self.activation.as_mut() {
                a.entered.clear();
            }
            return Err(e);
        }
        self.audit(share_event)?;
        self.audit(Event::new(
            now,
            actor,
            "key-activated",
            &[("shares", &have.to_string())],
        ))?;
        self.checkpoint(now)?;
        Ok(ActivationStatus {
            have,
            need,
            active: true,
        })
    }
}
