//! Any bytes as a certificate request (PEM or DER) for both policies' subscriber
//! profiles: refused or accepted, never a panic (R-6.1-PKCS10).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for id in ["jpcert-ssl-client", "jpcert-ssl-client-2026"] {
        let policy = inkan_policies::by_id(id).expect("a built-in policy");
        if let Some(profile) = policy.certificate("ssl-client") {
            let _ = inkan_runtime::csr::check(data, profile);
        }
    }
});
