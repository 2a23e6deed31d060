/**
 * What runs in the cluster now: the token in the gateway's Secret and the key it came from, and
 * the rotation journal — a Secret holding the previous token while a rotation is in flight, so a
 * rotation interrupted at any step can be finished or undone by the next run.
 */
import * as k8s from '@kubernetes/client-node'
import { redactor } from '../redact.js'
import type { AuthLayout, KeyType } from '../settings.js'
import { parseGatewayToken, type GatewayToken } from '../token.js'
import { applyObjects } from './apply.js'
import type { Kube } from './client.js'
import { kubeError, kubeStatus } from './errors.js'
import { ANNOTATION, objectNames, secretKey, type KubeObject } from './manifests.js'

export interface DeployedToken {
  token: GatewayToken
  keyType: KeyType | 'unknown'
}

export const JOURNAL_STATE = 'apim-gateway-action/rotation-state'

export function journalName(name: string): string {
  return `${objectNames(name).secret}-previous`
}

async function readSecret(kube: Kube, namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
  try {
    return await kube.core.readNamespacedSecret({ name, namespace })
  } catch (error) {
    if (kubeStatus(error).code === 404) return undefined
    throw kubeError(`Reading Secret '${name}'`, error, kube.server)
  }
}

function keyTypeOf(secret: k8s.V1Secret): KeyType | 'unknown' {
  const value = secret.metadata?.annotations?.[ANNOTATION.keyType]
  return value === 'primary' || value === 'secondary' ? value : 'unknown'
}

/** The token a Secret holds, masked as soon as it is read. */
function tokenIn(secret: k8s.V1Secret, keys: string[]): GatewayToken | undefined {
  for (const key of keys) {
    const data = secret.data?.[key]
    if (!data) continue
    const text = Buffer.from(data, 'base64').toString('utf8')
    redactor.add(text)
    redactor.add(text.trim().replace(/^GatewayKey\s+/, ''))
    const token = parseGatewayToken(text)
    if (token) return token
  }
  return undefined
}

/** The running token, or undefined when the gateway's Secret does not exist or holds no token. */
export async function readDeployedToken(kube: Kube, namespace: string, name: string, layout: AuthLayout): Promise<DeployedToken | undefined> {
  const secret = await readSecret(kube, namespace, objectNames(name).secret)
  if (!secret) return undefined
  // The other layout's key too: a user may have switched auth-layout since the last deploy.
  const token = tokenIn(secret, [secretKey(layout), secretKey(layout === 'spec' ? 'token-env' : 'spec')])
  return token ? { token, keyType: keyTypeOf(secret) } : undefined
}

/** The previous token of a rotation in flight, or undefined when none is. */
export async function readJournal(kube: Kube, namespace: string, name: string): Promise<DeployedToken | undefined> {
  const secret = await readSecret(kube, namespace, journalName(name))
  if (!secret || secret.metadata?.annotations?.[JOURNAL_STATE] !== 'in-progress') return undefined
  const token = tokenIn(secret, ['token'])
  return token ? { token, keyType: keyTypeOf(secret) } : undefined
}

function journal(namespace: string, name: string, previous?: DeployedToken): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: journalName(name),
      namespace,
      labels: { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/managed-by': 'apim-gateway-action' },
      annotations: {
        [JOURNAL_STATE]: previous ? 'in-progress' : 'done',
        ...(previous ? { [ANNOTATION.keyType]: previous.keyType } : {})
      }
    },
    type: 'Opaque',
    // Server-side apply drops the fields this manager no longer sets: `done` erases the copy.
    ...(previous ? { data: { token: Buffer.from(previous.token.value).toString('base64') } } : {})
  }
}

export async function writeJournal(kube: Kube, namespace: string, name: string, previous: DeployedToken): Promise<void> {
  await applyObjects(kube, [journal(namespace, name, previous)], false)
}

export async function clearJournal(kube: Kube, namespace: string, name: string): Promise<void> {
  await applyObjects(kube, [journal(namespace, name)], false)
}
