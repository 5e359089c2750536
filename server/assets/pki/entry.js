// What the portal's enroll.js takes from PKI.js and asn1js, as one global (InkanPKI).
export {
  Attribute,
  AttributeTypeAndValue,
  AuthenticatedSafe,
  CertBag,
  Certificate,
  CertificationRequest,
  PFX,
  PKCS8ShroudedKeyBag,
  PrivateKeyInfo,
  SafeBag,
  SafeContents,
  getCrypto,
} from "pkijs";
export * as asn1js from "asn1js";
