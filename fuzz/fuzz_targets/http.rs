//! Any body to any endpoint that reads one (first byte picks the endpoint): never a
//! panic, never a 5xx, errors as problem documents. See `inkan_fuzz::http`.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

static SERVICE: OnceLock<inkan_fuzz::http::Service> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let service = SERVICE.get_or_init(inkan_fuzz::http::Service::start);
    if let Some((selector, body)) = data.split_first() {
        service.exercise(*selector, body);
    }
});
