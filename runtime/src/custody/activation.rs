//! M-of-N activation (R-6.2-M-OF-N): the shares a locked CA has been given, checked
//! one by one against their commitments and held only in memory until the threshold
//! rebuilds the secret; and the signer that stands in for a CA key until then.

use std::path::PathBuf;

use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use super::shamir::{self, Share};
use crate::error::{Error, Result};
use crate::signer::{Signer, ToBeSigned};

/// A CA key that refuses to sign until activated.
pub(crate) struct LockedSigner {
    pub(crate) public: SubjectPublicKeyInfoOwned,
}

impl Signer for LockedSigner {
    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public
    }
    fn sign(&self, _: &ToBeSigned) -> Result<Vec<u8>> {
        Err(Error::Locked { have: 0, need: 0 })
    }
}

/// Shares entered so far, and what they are checked against.
pub(crate) struct Activation {
    pub(crate) threshold: u8,
    pub(crate) total: u8,
    pub(crate) commitments: Vec<String>,
    pub(crate) entered: Vec<Share>,
    /// The module and token of HSM keys; `None` for encrypted software keys.
    pub(crate) hsm: Option<(PathBuf, String)>,
}

/// Where activation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivationStatus {
    /// Shares entered and accepted.
    pub have: usize,
    /// Shares needed.
    pub need: usize,
    /// True once the keys are active.
    pub active: bool,
}

impl Activation {
    /// Checks a share's text and keeps it; returns the share's index.
    pub(crate) fn enter(&mut self, text: &str) -> Result<u8> {
        let share = Share::parse(text)?;
        let i = share.index;
        if i == 0 || i > self.total {
            return Err(Error::Activation(format!(
                "share {i} does not exist: this CA has shares 1 to {}",
                self.total
            )));
        }
        if self.commitments.get(usize::from(i) - 1) != Some(&shamir::commitment(&share)) {
            return Err(Error::Activation(format!(
                "share {i} is not the share issued to custodian {i}"
            )));
        }
        if self.entered.iter().any(|s| s.index == i) {
            return Err(Error::Activation(format!("share {i} was already entered")));
        }
        self.entered.push(share);
        Ok(i)
    }

    /// The secret's bytes, once enough shares are in.
    pub(crate) fn secret_bytes(&self) -> Result<Option<Zeroizing<Vec<u8>>>> {
        if self.entered.len() < usize::from(self.threshold) {
            return Ok(None);
        }
        Ok(Some(Zeroizing::new(shamir::combine(&self.entered)?)))
    }

    /// The PIN, once enough shares are in.
    pub(crate) fn secret(&self) -> Result<Option<Zeroizing<String>>> {
        let Some(bytes) = self.secret_bytes()? else {
            return Ok(None);
        };
        let pin = String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::Activation("the shares do not rebuild a PIN".into()))?;
        Ok(Some(Zeroizing::new(pin)))
    }
}

/// Splits the new PIN for the custodians; returns the shares and their commitments.
pub(crate) fn split_pin(pin: &str, total: u8, threshold: u8) -> Result<(Vec<Share>, Vec<String>)> {
    let shares = shamir::split(pin.as_bytes(), total, threshold)?;
    let commitments = shares.iter().map(shamir::commitment).collect();
    Ok((shares, commitments))
}
