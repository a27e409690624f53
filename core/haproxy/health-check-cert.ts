// The client certificate HAProxy presents on its /readyz checks, so the API servers can keep anonymous
// access off. Signed by the cluster's Kubernetes CA (from the machine secrets) for a user with no
// groups: RBAC's system:public-info-viewer lets every authenticated user read /readyz, /livez, /healthz
// and /version, and this identity is bound to nothing else.
// A certificate is kept from run to run (the stack output `haproxyHealthCheck` carries it) and renewed
// by the first `pulumi up` inside its last RENEW_BEFORE_DAYS; a renewal only reloads HAProxy.
import "reflect-metadata"; // @peculiar/x509's dependency injection (tsyringe) needs the polyfill
import * as x509 from "@peculiar/x509";
import { createPrivateKey, createPublicKey, randomBytes, webcrypto, X509Certificate } from "node:crypto";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** the certificate's subject: a user name with no organisation, so no group but system:authenticated */
export const HEALTH_CHECK_USER = "homelab:haproxy-health-check";
export const VALIDITY_DAYS = 365;
export const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;

export interface PemPair {
  cert: string;
  key: string;
}

/** Talos's secrets carry PEM base64-encoded; accept both forms. */
export function pem(value: string): string {
  return value.includes("-----BEGIN") ? value : Buffer.from(value, "base64").toString("utf8");
}

/** WebCrypto's signing parameters for the CA's key (Talos makes ECDSA CAs; RSA is taken as well). */
function signingAlgorithm(caKeyPem: string): { importAs: EcKeyImportParams | RsaHashedImportParams; sign: EcdsaParams | Algorithm } {
  const key = createPrivateKey(caKeyPem);
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const named = ({ prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" } as Record<string, string>)[curve ?? ""];
    if (!named) throw new Error(`the Kubernetes CA key uses the curve ${curve}, which the health-check certificate cannot be signed with`);
    const hash = named === "P-256" ? "SHA-256" : named === "P-384" ? "SHA-384" : "SHA-512";
    return { importAs: { name: "ECDSA", namedCurve: named }, sign: { name: "ECDSA", hash } as EcdsaParams };
  }
  if (key.asymmetricKeyType === "rsa") {
    return { importAs: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, sign: { name: "RSASSA-PKCS1-v1_5" } };
  }
  throw new Error(`the Kubernetes CA key is ${key.asymmetricKeyType}; expected ECDSA or RSA`);
}

/** A new client certificate for HEALTH_CHECK_USER, valid VALIDITY_DAYS from `now`, signed by the CA. */
export async function issueHealthCheckCert(ca: PemPair, now: Date = new Date()): Promise<PemPair> {
  const caCertPem = pem(ca.cert);
  const caKeyPem = pem(ca.key);
  const { importAs, sign } = signingAlgorithm(caKeyPem);
  const pkcs8 = createPrivateKey(caKeyPem).export({ type: "pkcs8", format: "der" });
  const caKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, importAs, false, ["sign"]);
  const caCert = new x509.X509Certificate(caCertPem);
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  const keyAlg = { name: "ECDSA", namedCurve: "P-256" };
  const keys = await webcrypto.subtle.generateKey(keyAlg, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.create({
    // a positive random serial (high bit cleared)
    serialNumber: Buffer.from([0x01, ...randomBytes(15)]).toString("hex"),
    subject: `CN=${HEALTH_CHECK_USER}`,
    issuer: caCert.subject,
    // a few minutes of slack for clocks that lag behind the machine running Pulumi
    notBefore: new Date(now.getTime() - 5 * 60_000),
    notAfter: new Date(now.getTime() + VALIDITY_DAYS * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: sign,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      // the CA's own key identifier, copied (computing one could differ from how Go computed the CA's)
      ...(ski ? [new x509.AuthorityKeyIdentifierExtension(ski.keyId, false)] : []),
    ],
  });
  const keyDer = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  const keyPem = x509.PemConverter.encode(keyDer, "PRIVATE KEY");
  return { cert: `${cert.toString("pem")}\n`, key: `${keyPem}\n` };
}

/** Why `previous` cannot be kept (undefined: keep it): another CA, another subject, or renewal is due. */
export function renewalReason(previous: PemPair | undefined, caCert: string, now: Date = new Date()): string | undefined {
  if (!previous?.cert || !previous.key) return "no certificate yet";
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(previous.cert);
  } catch {
    return "the previous certificate does not parse";
  }
  const ca = new X509Certificate(pem(caCert));
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return "the previous certificate is not signed by this cluster's Kubernetes CA";
  if (cert.subject !== `CN=${HEALTH_CHECK_USER}`) return `the previous certificate is for ${cert.subject}`;
  let matches = false;
  try {
    matches = cert.publicKey.equals(createPublicKey(createPrivateKey(previous.key)));
  } catch {
    // an unreadable key is as good as none
  }
  if (!matches) return "the previous key does not match its certificate";
  const left = new Date(cert.validTo).getTime() - now.getTime();
  if (left < RENEW_BEFORE_DAYS * DAY_MS) return `the previous certificate expires ${cert.validTo}, within ${RENEW_BEFORE_DAYS} days`;
  return undefined;
}

/** The previous certificate while it is good, else a new one. */
export async function healthCheckCert(ca: PemPair, previous: PemPair | undefined, now: Date = new Date()): Promise<PemPair> {
  return renewalReason(previous, ca.cert, now) === undefined ? previous! : issueHealthCheckCert(ca, now);
}

/** The file HAProxy reads: certificate then key, as its `crt` keyword expects. */
export const healthCheckPem = (c: PemPair) => c.cert + c.key;
