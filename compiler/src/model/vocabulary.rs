//! The ASN.1 vocabulary a policy names by keyword: string types, signature algorithms,
//! key usage bits, purposes, netscapeCertType bits, time encodings.

keywords! {
    /// Where a certificate profile sits in the hierarchy (R-1.3-HIERARCHY).
    Role { /** Self-signed trust anchor. */ Root = "root", /** CA certified by another CA. */ IssuingCa = "issuing-ca", /** End entity. */ Subscriber = "subscriber" }
}

keywords! {
    /// Public key algorithms.
    KeyAlgorithm { /** rsaEncryption (1.2.840.113549.1.1.1). */ Rsa = "rsa" }
}

keywords! {
    /// Signature algorithms, by their ASN.1 names.
    SignatureAlgorithm {
        /// 1.2.840.113549.1.1.5
        Sha1WithRsa = "sha1WithRSAEncryption",
        /// 1.2.840.113549.1.1.11
        Sha256WithRsa = "sha256WithRSAEncryption",
        /// 1.2.840.113549.1.1.12
        Sha384WithRsa = "sha384WithRSAEncryption",
        /// 1.2.840.113549.1.1.13
        Sha512WithRsa = "sha512WithRSAEncryption",
    }
}

impl SignatureAlgorithm {
    /// The algorithm's OID.
    pub fn oid(self) -> &'static str {
        match self {
            SignatureAlgorithm::Sha1WithRsa => "1.2.840.113549.1.1.5",
            SignatureAlgorithm::Sha256WithRsa => "1.2.840.113549.1.1.11",
            SignatureAlgorithm::Sha384WithRsa => "1.2.840.113549.1.1.12",
            SignatureAlgorithm::Sha512WithRsa => "1.2.840.113549.1.1.13",
        }
    }
}

keywords! {
    /// How times are encoded.
    TimeEncoding {
        /// The CPS's "all times UTCTime". UTCTime cannot hold 2050 or later, so the
        /// runtime still writes GeneralizedTime from 2050 (RFC 5280 4.1.2.5); the
        /// `utc-time-after-2049` lint says so.
        UtcTime = "utc-time",
        /// RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
        Rfc5280 = "rfc5280",
    }
}

keywords! {
    /// keyUsage bits (RFC 5280 4.2.1.3), by their ASN.1 names.
    KeyUsageBit {
        /// bit 0
        DigitalSignature = "digitalSignature",
        /// bit 1
        NonRepudiation = "nonRepudiation",
        /// bit 2
        KeyEncipherment = "keyEncipherment",
        /// bit 3
        DataEncipherment = "dataEncipherment",
        /// bit 4
        KeyAgreement = "keyAgreement",
        /// bit 5
        KeyCertSign = "keyCertSign",
        /// bit 6
        CrlSign = "cRLSign",
        /// bit 7
        EncipherOnly = "encipherOnly",
        /// bit 8
        DecipherOnly = "decipherOnly",
    }
}

impl KeyUsageBit {
    /// The bit number in the BIT STRING.
    pub fn bit(self) -> u8 {
        self as u8
    }
}

keywords! {
    /// extendedKeyUsage purposes (RFC 5280 4.2.1.12).
    Purpose {
        /// id-kp-serverAuth 1.3.6.1.5.5.7.3.1
        ServerAuth = "serverAuth",
        /// id-kp-clientAuth 1.3.6.1.5.5.7.3.2
        ClientAuth = "clientAuth",
        /// id-kp-emailProtection 1.3.6.1.5.5.7.3.4
        EmailProtection = "emailProtection",
    }
}

impl Purpose {
    /// The purpose's OID.
    pub fn oid(self) -> &'static str {
        match self {
            Purpose::ServerAuth => "1.3.6.1.5.5.7.3.1",
            Purpose::ClientAuth => "1.3.6.1.5.5.7.3.2",
            Purpose::EmailProtection => "1.3.6.1.5.5.7.3.4",
        }
    }
}

keywords! {
    /// netscapeCertType bits (2.16.840.1.113730.1.1).
    NetscapeType {
        /// bit 0
        SslClient = "sslClient",
        /// bit 1
        SslServer = "sslServer",
        /// bit 2
        Smime = "smime",
        /// bit 3
        ObjectSigning = "objectSigning",
        /// bit 5
        SslCa = "sslCA",
        /// bit 6
        SmimeCa = "smimeCA",
        /// bit 7
        ObjectSigningCa = "objectSigningCA",
    }
}

impl NetscapeType {
    /// The bit number.
    pub fn bit(self) -> u8 {
        match self {
            NetscapeType::SslClient => 0,
            NetscapeType::SslServer => 1,
            NetscapeType::Smime => 2,
            NetscapeType::ObjectSigning => 3,
            NetscapeType::SslCa => 5,
            NetscapeType::SmimeCa => 6,
            NetscapeType::ObjectSigningCa => 7,
        }
    }
}

keywords! {
    /// How a subjectKeyIdentifier is computed.
    KeyIdMethod {
        /// RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING.
        Rfc5280Method1 = "rfc5280-method-1",
    }
}

keywords! {
    /// What an authorityKeyIdentifier carries.
    AuthorityKeyIdForm {
        /// keyIdentifier = the issuer's subjectKeyIdentifier.
        KeyId = "key-id",
    }
}
