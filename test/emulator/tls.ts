/**
 * Throwaway CA and one server certificate for the emulator's three listeners, made with the
 * `openssl` CLI because Node's crypto cannot issue X.509 certificates. The action trusts the CA
 * through NODE_EXTRA_CA_CERTS, exactly as a user with a private CA would.
 */
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TlsMaterial {
  caFile: string
  caPem: string
  certPem: string
  keyPem: string
}

function config(commonName: string, extensions: string[]): string {
  return ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${commonName}`, '[ext]', ...extensions, ''].join('\n')
}

async function openssl(args: string[], what: string): Promise<void> {
  try {
    await run('openssl', args)
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? ''
    throw new Error(`openssl could not issue the ${what}: ${(err as Error).message}\n${stderr}`)
  }
}

/** Writes ca.pem, server.pem and server.key into `dir` (a private temp dir the caller removes). */
export async function createTlsMaterial(dir: string): Promise<TlsMaterial> {
  const caCnf = join(dir, 'ca.cnf')
  const caFile = join(dir, 'ca.pem')
  const caKey = join(dir, 'ca.key')
  const srvCnf = join(dir, 'server.cnf')
  const srvCert = join(dir, 'server.pem')
  const srvKey = join(dir, 'server.key')
  await writeFile(caCnf, config('apim-gateway-action emulator CA', [
    'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash'
  ]))
  await writeFile(srvCnf, config('127.0.0.1', [
    'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth', 'subjectAltName = IP:127.0.0.1,DNS:localhost',
    'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'
  ]))
  // EC P-256: milliseconds to generate, where RSA would slow every test run's start.
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  await openssl(['req', '-x509', ...key, '-keyout', caKey, '-out', caFile, '-days', '3',
    '-config', caCnf, '-extensions', 'ext'], 'emulator CA')
  // openssl 3 `req -x509 -CA` signs with the CA instead of self-signing.
  await openssl(['req', '-x509', ...key, '-keyout', srvKey, '-out', srvCert, '-days', '2',
    '-config', srvCnf, '-extensions', 'ext', '-CA', caFile, '-CAkey', caKey], 'server certificate')
  const [caPem, certPem, keyPem] = await Promise.all([readFile(caFile, 'utf8'), readFile(srvCert, 'utf8'), readFile(srvKey, 'utf8')])
  return { caFile, caPem, certPem, keyPem }
}
