//! placeholder
pub mod calendar;
pub mod name;
pub mod policy;
pub mod extensions {
    //! placeholder
    /// netscape-cert-type (2.16.840.1.113730.1.1).
    pub const NETSCAPE_CERT_TYPE: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("2.16.840.1.113730.1.1");
}
