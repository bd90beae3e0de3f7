import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** A new endpoint secret: `whsec_` and 32 random bytes in base64url. */
export function newSecret (): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

/**
 * The `Switchboard-Signature` header of a delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256>`, where the HMAC's key is
 * the endpoint's secret (its UTF-8 bytes, `whsec_` included) and its message is `<t>.<the raw request body>`.
 */
export function signatureHeader (secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/** What a receiver does (the README's algorithm): recompute the HMAC, compare in constant time, bound the age. */
export function verifySignature (secret: string, body: string, header: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]))
  const timestamp = Number(parts.get('t'))
  const given = parts.get('v1') ?? ''
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(given)) return false
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest()
  return timingSafeEqual(expected, Buffer.from(given, 'hex'))
}
