import * as core from '@actions/core'

/**
 * Every form of a secret that could reach a log: the value, the strings built from it
 * (`GatewayKey <token>`), and their base64 forms (a Secret's `data` field, an API server echo).
 * The runner masks a registered value's common encodings but not strings that merely contain it,
 * so every composite is registered too.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>()
  const add = (s: string): void => {
    if (s.length < 8) return
    forms.add(s)
    forms.add(Buffer.from(s).toString('base64'))
    forms.add(Buffer.from(s).toString('base64url'))
    forms.add(JSON.stringify(s).slice(1, -1))
    forms.add(encodeURIComponent(s))
    // Inside a larger base64 blob (a whole Secret or JSON body) the secret can start at any of three
    // byte alignments; the middle of each alignment's encoding is stable whatever surrounds it.
    for (const pad of ['', 'x', 'xx']) {
      const inner = Buffer.from(pad + s).toString('base64').slice(4, -4)
      if (inner.length >= 16) forms.add(inner)
    }
  }
  add(secret)
  add(`GatewayKey ${secret}`)
  // A signature alone (after the last `&`) is still the secret part of a token.
  const signature = secret.split('&').at(-1)
  if (signature && signature !== secret) add(signature)
  return [...forms].sort((a, b) => b.length - a.length)
}

const TOKEN_SHAPE = /[^&\s"'`]{1,80}&\d{12}&[A-Za-z0-9+/]{16,}={0,2}/g

export class Redactor {
  private readonly forms: string[] = []

  /** Masks the secret in the runner and in every string passed through `redact` from now on. */
  add(secret: string | undefined): void {
    if (!secret) return
    for (const form of secretForms(secret)) {
      if (this.forms.includes(form)) continue
      core.setSecret(form)
      this.forms.push(form)
    }
    this.forms.sort((a, b) => b.length - a.length)
  }

  redact(text: string): string {
    let out = text
    for (const form of this.forms) out = out.split(form).join('***')
    // A token this run never registered (echoed in an error body it failed to parse) is still a token.
    return out.replace(TOKEN_SHAPE, '***')
  }
}

/** One redactor for the whole run: every module that prints goes through it. */
export const redactor = new Redactor()
