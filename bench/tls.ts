/**
 * A certificate authority made for the bench, and a server certificate it signs for
 * 127.0.0.1 (openssl, in a temporary directory): HTTPS over the loopback, no network.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

export interface Tls {
  readonly dir: string
  readonly ca: string
  readonly cert: string
  readonly key: string
}

/** Undefined when openssl is not there (the HTTPS rows are then skipped). */
export const make = (): Tls | undefined => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "sc-bench-tls-"))
  const at = (f: string) => Path.join(dir, f)
  const ssl = (...args: Array<string>) => execFileSync("openssl", args, { stdio: "pipe" })
  try {
    ssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      at("ca.key"),
      "-out",
      at("ca.pem"),
      "-days",
      "2",
      "-subj",
      "/CN=service-client bench CA"
    )
    ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      at("server.key"),
      "-out",
      at("server.csr"),
      "-subj",
      "/CN=127.0.0.1"
    )
    Fs.writeFileSync(
      at("ext.cnf"),
      "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
    )
    ssl(
      "x509",
      "-req",
      "-in",
      at("server.csr"),
      "-CA",
      at("ca.pem"),
      "-CAkey",
      at("ca.key"),
      "-CAcreateserial",
      "-out",
      at("server.pem"),
      "-days",
      "2",
      "-extfile",
      at("ext.cnf")
    )
  } catch {
    Fs.rmSync(dir, { recursive: true, force: true })
    return undefined
  }
  return { dir, ca: at("ca.pem"), cert: at("server.pem"), key: at("server.key") }
}
