import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throw-away certificate authority in a temporary directory, made with Debian's `openssl`. */
export interface TestAuthority {
  readonly dir: string;
  /** The CA certificate (PEM) clients trust. */
  readonly ca: Buffer;
  /** Issues a server certificate for 127.0.0.1 and localhost; returns the paths of its files. */
  issue(name: string): { certFile: string; keyFile: string };
}

const openssl = (dir: string, args: string[]): void => {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
};

/** Makes a CA (P-256 keys: quick to generate) valid for one day. */
export function testAuthority(): TestAuthority {
  const dir = mkdtempSync(join(tmpdir(), "outrigger-tls-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-subj",
    "/CN=outrigger test CA",
    "-days",
    "1",
  ]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  return {
    dir,
    ca: readFileSync(join(dir, "ca.crt")),
    issue(name) {
      openssl(dir, ["req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
      openssl(dir, [
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.crt`,
        "-days",
        "1",
        "-extfile",
        "san.ext",
      ]);
      return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
    },
  };
}

/**
 * The files a registry under test serves (`tls.crt`, `tls.key` in the authority's directory), first holding `pair`;
 * tests rotate or break them in place, as a Secret volume changes.
 */
export function servedFiles(
  authority: TestAuthority,
  pair: { certFile: string; keyFile: string },
): { certFile: string; keyFile: string } {
  const certFile = join(authority.dir, "tls.crt");
  const keyFile = join(authority.dir, "tls.key");
  copyFileSync(pair.certFile, certFile);
  copyFileSync(pair.keyFile, keyFile);
  return { certFile, keyFile };
}
