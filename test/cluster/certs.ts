/**
 * Throwaway PKI for one test cluster, made with the `openssl` CLI (Node's crypto cannot issue
 * X.509 certificates). EC P-256 keys: generating them takes milliseconds, unlike RSA.
 */
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Pki {
  caFile: string
  caKeyFile: string
  serving: { certFile: string; keyFile: string }
  kubeletClient: { certFile: string; keyFile: string }
  serviceAccount: { privateKeyFile: string; publicKeyFile: string }
}

/** The first address of --service-cluster-ip-range: the `kubernetes` Service's ClusterIP. */
export const KUBERNETES_SERVICE_IP = '10.0.0.1'

const VALID_DAYS = '2'

interface CertSpec {
  name: string
  commonName: string
  organization?: string
  extensions: string[]
}

function opensslConfig(spec: CertSpec): string {
  const dn = [`CN = ${spec.commonName}`]
  if (spec.organization) dn.push(`O = ${spec.organization}`)
  return ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', ...dn, '[ext]', ...spec.extensions, ''].join('\n')
}

function issue(dir: string, spec: CertSpec, ca?: { certFile: string; keyFile: string }): { certFile: string; keyFile: string } {
  const configFile = join(dir, `${spec.name}.cnf`)
  const certFile = join(dir, `${spec.name}.crt`)
  const keyFile = join(dir, `${spec.name}.key`)
  writeFileSync(configFile, opensslConfig(spec))
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', VALID_DAYS, '-config', configFile, '-extensions', 'ext']
  // openssl 3 `req -x509 -CA` signs with the CA directly instead of self-signing.
  if (ca) args.push('-CA', ca.certFile, '-CAkey', ca.keyFile)
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? ''
    throw new Error(`openssl could not issue ${spec.name}: ${(err as Error).message}\n${stderr}`)
  }
  return { certFile, keyFile }
}

export function createPki(dir: string): Pki {
  const ca = issue(dir, {
    name: 'ca',
    commonName: 'test-cluster-ca',
    extensions: ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier = hash']
  })
  const leaf = ['basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment',
    'authorityKeyIdentifier = keyid']
  const serving = issue(dir, {
    name: 'apiserver',
    commonName: 'kube-apiserver',
    extensions: [...leaf, 'extendedKeyUsage = serverAuth', `subjectAltName = ${servingSans().join(',')}`]
  }, ca)
  const kubeletClient = issue(dir, {
    name: 'apiserver-kubelet-client',
    commonName: 'kube-apiserver-kubelet-client',
    organization: 'system:masters',
    extensions: [...leaf, 'extendedKeyUsage = clientAuth']
  }, ca)
  return { caFile: ca.certFile, caKeyFile: ca.keyFile, serving, kubeletClient, serviceAccount: serviceAccountKeys(dir) }
}

function servingSans(): string[] {
  const dns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']
  return ['IP:127.0.0.1', `IP:${KUBERNETES_SERVICE_IP}`, ...dns.map((d) => `DNS:${d}`)]
}

/** ES256 signs service-account tokens; the apiserver and controller-manager accept EC keys. */
function serviceAccountKeys(dir: string): Pki['serviceAccount'] {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const privateKeyFile = join(dir, 'sa.key')
  const publicKeyFile = join(dir, 'sa.pub')
  writeFileSync(privateKeyFile, privateKey.export({ type: 'sec1', format: 'pem' }), { mode: 0o600 })
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }))
  return { privateKeyFile, publicKeyFile }
}
