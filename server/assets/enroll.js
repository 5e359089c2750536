// The subscriber portal's enrollment in the browser (issue 17): the key pair is made
// here with WebCrypto (RSA of the policy's size), the PKCS#10 request is built and
// signed here with PKI.js, only the request and the one-time password go to the CA
// (POST /api/enroll), and the certificate comes back into a PKCS#12 built here with
// PKI.js (the key shrouded with PBES2: PBKDF2-SHA-256 and AES-256-CBC; the certificates
// in a password-encrypted safe; an HMAC-SHA-256 over the whole), under a passphrase
// the subscriber chooses. The private key never leaves the page.
//
// Hand-written glue: the encodings are PKI.js's and asn1js's (the bundle
// /assets/pki.min.js, rebuilt by server/assets/pki/build.sh); this file only
// orders the steps. Without JavaScript the page's paste-a-request form still works.
(function () {
  "use strict";
  var form = document.getElementById("browser-enroll");
  var P = window.InkanPKI;
  if (!form || !P || !window.crypto || !window.crypto.subtle) {
    return;
  }
  form.hidden = false;
  var say = function (id) {
    return form.getAttribute("data-msg-" + id) || id;
  };
  var error = document.getElementById("browser-error");
  var status = document.getElementById("browser-status");
  var ready = document.getElementById("p12-ready");
  var link = document.getElementById("download-p12");
  var ITERATIONS = 100000;

  function pem(label, der) {
    var bytes = new Uint8Array(der);
    var text = "";
    for (var i = 0; i < bytes.length; i++) {
      text += String.fromCharCode(bytes[i]);
    }
    var b64 = btoa(text).replace(/(.{64})/g, "$1\n");
    return "-----BEGIN " + label + "-----\n" + b64 + "\n-----END " + label + "-----\n";
  }

  function certificates(text) {
    var out = [];
    var re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
    var m;
    while ((m = re.exec(text)) !== null) {
      var raw = atob(m[1].replace(/\s+/g, ""));
      var der = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) {
        der[i] = raw.charCodeAt(i);
      }
      out.push(P.Certificate.fromBER(der.buffer));
    }
    return out;
  }

  function localKeyId(id) {
    return new P.Attribute({
      type: "1.2.840.113549.1.9.21",
      values: [new P.asn1js.OctetString({ valueHex: id })],
    });
  }

  async function request(keys) {
    var csr = new P.CertificationRequest();
    csr.version = 0;
    // RFC 2986: the attributes are there even when there are none (an empty [0]).
    csr.attributes = [];
    // The CA names the subscriber from the policy, not from the request.
    csr.subject.typesAndValues.push(
      new P.AttributeTypeAndValue({
        type: "2.5.4.3",
        value: new P.asn1js.Utf8String({ value: "inkan enrollment" }),
      })
    );
    await csr.subjectPublicKeyInfo.importKey(keys.publicKey);
    await csr.sign(keys.privateKey, "SHA-256");
    return pem("CERTIFICATE REQUEST", csr.toSchema().toBER(false));
  }

  async function pkcs12(privateKey, certs, passphrase) {
    var password = new TextEncoder().encode(passphrase).buffer;
    var id = crypto.getRandomValues(new Uint8Array(8)).buffer;
    var pkcs8 = await crypto.subtle.exportKey("pkcs8", privateKey);
    var keyInfo = P.PrivateKeyInfo.fromBER(pkcs8);
    var params = {
      password: password,
      contentEncryptionAlgorithm: { name: "AES-CBC", length: 256 },
      hmacHashAlgorithm: "SHA-256",
      iterationCount: ITERATIONS,
    };
    var certBags = certs.map(function (c, i) {
      return new P.SafeBag({
        bagId: "1.2.840.113549.1.12.10.1.3",
        bagValue: new P.CertBag({ parsedValue: c }),
        bagAttributes: i === 0 ? [localKeyId(id)] : [],
      });
    });
    var pfx = new P.PFX({
      parsedValue: {
        integrityMode: 0,
        authenticatedSafe: new P.AuthenticatedSafe({
          parsedValue: {
            safeContents: [
              { privacyMode: 1, value: new P.SafeContents({ safeBags: certBags }) },
              {
                privacyMode: 0,
                value: new P.SafeContents({
                  safeBags: [
                    new P.SafeBag({
                      bagId: "1.2.840.113549.1.12.10.1.2",
                      bagValue: new P.PKCS8ShroudedKeyBag({ parsedValue: keyInfo }),
                      bagAttributes: [localKeyId(id)],
                    }),
                  ],
                }),
              },
            ],
          },
        }),
      },
    });
    var safes = pfx.parsedValue.authenticatedSafe;
    await safes.parsedValue.safeContents[1].value.safeBags[0].bagValue.makeInternalValues(params);
    await safes.makeInternalValues({ safeContents: [params, {}] });
    await pfx.makeInternalValues({
      password: password,
      iterations: ITERATIONS,
      pbkdf2HashAlgorithm: { name: "SHA-256" },
      hmacHashAlgorithm: "SHA-256",
    });
    return pfx.toSchema().toBER(false);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    error.textContent = "";
    ready.hidden = true;
    var passphrase = form.elements["passphrase"].value;
    if (passphrase.length < 8) {
      error.textContent = say("short");
      return;
    }
    if (passphrase !== form.elements["passphrase2"].value) {
      error.textContent = say("mismatch");
      return;
    }
    var button = document.getElementById("make");
    button.disabled = true;
    status.textContent = say("working");
    try {
      var keys = await crypto.subtle.generateKey(
        {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: Number(form.getAttribute("data-key-bits")),
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: "SHA-256",
        },
        true,
        ["sign", "verify"]
      );
      var answer = await fetch("/api/enroll", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          password: form.elements["otp"].value,
          csr: await request(keys),
        }),
      });
      var body = await answer.json();
      if (!answer.ok) {
        throw new Error(body.detail || answer.statusText);
      }
      var der = await pkcs12(keys.privateKey, certificates(body.certificate + body.chain), passphrase);
      link.href = URL.createObjectURL(new Blob([der], { type: "application/x-pkcs12" }));
      document.getElementById("p12-serial").textContent = body.serial;
      ready.hidden = false;
      status.textContent = "";
    } catch (e) {
      status.textContent = "";
      error.textContent = String(e && e.message ? e.message : e);
    } finally {
      button.disabled = false;
    }
  });
})();
