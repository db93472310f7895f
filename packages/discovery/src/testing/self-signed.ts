import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A self-signed certificate for 127.0.0.1 (its own CA), made with Debian's `openssl` in a temporary directory. */
export interface SelfSigned {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate, PEM: what clients pass as `tls.ca`. */
  readonly ca: Buffer;
}

/** Makes a P-256 certificate valid for a day, with 127.0.0.1 and localhost as its names. */
export function selfSigned(): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), "outrigger-discovery-tls-"));
  const certFile = join(dir, "registry.crt");
  const keyFile = join(dir, "registry.key");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
      ...["-keyout", keyFile, "-out", certFile, "-subj", "/CN=outrigger registry"],
      ...["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    ],
    { stdio: "ignore" },
  );
  return { certFile, keyFile, ca: readFileSync(certFile) };
}
