import http from 'node:http'
import https from 'node:https'
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/** The most of a response body an attempt reads (it keeps its first characters for the delivery log). */
export const MAX_RESPONSE_BYTES = 65_536
const SNIPPET_CHARS = 256

type Address = ipaddr.IPv4 | ipaddr.IPv6

/** IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged as the IPv4 address they name. */
function parse (address: string): Address {
  const parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ''))
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed
}

/**
 * Which addresses a webhook may reach: global unicast ones only (no private, loopback, link-local, unique-local,
 * carrier-grade NAT, unspecified such as 0.0.0.0, multicast, broadcast, reserved, or NAT64/6to4 forms that embed
 * another address), except the ranges WEBHOOK_ALLOW_PRIVATE_TARGETS names.
 */
export class AddressPolicy {
  private readonly allowed: [Address, number][]

  constructor (allowList: string) {
    this.allowed = allowList.split(',').map((range) => range.trim()).filter(Boolean).map((range) => {
      try {
        return ipaddr.parseCIDR(range)
      } catch {
        throw new Error(`WEBHOOK_ALLOW_PRIVATE_TARGETS: "${range}" is not a CIDR range such as 127.0.0.0/8 or ::1/128`)
      }
    })
  }

  /** Why the address may not be reached, or null when it may. */
  refusal (address: string): string | null {
    let parsed: Address
    try {
      parsed = parse(address)
    } catch {
      return `${address} is not an IP address`
    }
    const range = parsed.range()
    if (range === 'unicast') return null
    if (this.allowed.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits))) return null
    return `${address} is a ${range} address`
  }

  /** Why a webhook URL may not be registered (its form, or a literal address the policy refuses), or null. */
  urlRefusal (url: URL): string | null {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'the URL must use http or https'
    if (url.username || url.password) return 'the URL must not hold credentials'
    const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '').toLowerCase()
    if (isIP(host)) {
      const refused = this.refusal(host)
      return refused ? `the URL targets ${refused}, which webhooks may not reach` : null
    }
    if (host === 'localhost' || host.endsWith('.localhost')) {
      return this.refusal('127.0.0.1') ? 'the URL targets localhost, which webhooks may not reach' : null
    }
    return null
  }
}

export class RefusedTarget extends Error {}

/** A DNS lookup that hands the socket only addresses the policy allows, so the name is resolved and checked once. */
function guardedLookup (policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4)
      const usable = addresses.filter((address) => !policy.refusal(address.address))
      const first = usable[0]
      if (!first) {
        const refused = addresses.map((address) => policy.refusal(address.address)).join('; ')
        return callback(new RefusedTarget(`${hostname} resolves to no address webhooks may reach (${refused})`), '', 4)
      }
      if ((options as { all?: boolean }).all) (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, usable)
      else callback(null, first.address, first.family)
    })
  }
}

export interface PostResult { statusCode?: number, error?: string, latencyMs: number, snippet?: string }

/**
 * POSTs `body` to `url` within `timeoutMs` (connecting, answering and the body read count), reading at most
 * MAX_RESPONSE_BYTES of the answer. The address connected to is checked against the policy: a name's addresses
 * before connecting (no second resolution can swap them), and the socket's remote address once connected.
 */
export async function post (policy: AddressPolicy, url: URL, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  const started = Date.now()
  const refused = policy.urlRefusal(url)
  if (refused) return { error: refused, latencyMs: 0 }
  const client = url.protocol === 'https:' ? https : http
  return new Promise((resolve) => {
    let settled = false
    const finish = (result: Omit<PostResult, 'latencyMs'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request.destroy()
      resolve({ ...result, latencyMs: Date.now() - started })
    }
    const request = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      lookup: guardedLookup(policy),
      agent: false
    }, (response) => {
      let snippet = ''
      let read = 0
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        read += Buffer.byteLength(chunk)
        if (snippet.length < SNIPPET_CHARS) snippet += chunk.slice(0, SNIPPET_CHARS - snippet.length)
        if (read >= MAX_RESPONSE_BYTES) finish({ statusCode: response.statusCode, snippet })
      })
      response.on('end', () => { finish({ statusCode: response.statusCode, snippet }) })
      response.on('error', (error) => { finish({ statusCode: response.statusCode, error: error.message, snippet }) })
    })
    const timer = setTimeout(() => { finish({ error: `no complete answer within ${timeoutMs} ms` }) }, timeoutMs)
    request.on('socket', (socket) => {
      socket.once('connect', () => {
        const remote = socket.remoteAddress
        const refusedRemote = remote ? policy.refusal(remote) : 'no remote address'
        if (refusedRemote) finish({ error: `connected to ${refusedRemote}, which webhooks may not reach` })
      })
    })
    request.on('error', (error) => { finish({ error: error.message }) })
    request.end(body)
  })
}
