//! The fuzz targets' shared parts. `http` is also included by path in the server's
//! corpus replay test, so what the fuzzer found keeps being checked on stable.

pub mod http;
