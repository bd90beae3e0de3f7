import t from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { AddressPolicy, post } from '../../src/domains/webhooks/target.js'
import { retryDelay } from '../../src/domains/webhooks/dispatcher.js'
import { signatureHeader, verifySignature } from '../../src/domains/webhooks/signature.js'

t.test('only global unicast addresses may be reached, unless a configured range allows them', async (t) => {
  const policy = new AddressPolicy('')
  const refused = ['127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '0.0.0.0', '0.1.2.3', '100.64.0.1',
    '224.0.0.1', '255.255.255.255', '192.0.0.8', '198.18.0.1', '::', '::1', 'fe80::1', 'fd12:3456::1', 'fc00::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '64:ff9b::7f00:1', '2002:7f00:1::1', '[::1]']
  for (const address of refused) t.type(policy.refusal(address), 'string', `${address} is refused`)
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:93.184.216.34']) t.equal(policy.refusal(address), null, `${address} may be reached`)
  t.equal(policy.refusal('not-an-ip'), 'not-an-ip is not an IP address')

  const loopback = new AddressPolicy(' 127.0.0.0/8 , ::1/128 ')
  t.equal(loopback.refusal('127.0.0.1'), null)
  t.equal(loopback.refusal('::ffff:127.0.0.1'), null, 'a mapped address is judged as its IPv4 address')
  t.equal(loopback.refusal('::1'), null)
  t.type(loopback.refusal('10.0.0.1'), 'string', 'other private ranges stay refused')
  t.type(loopback.refusal('169.254.169.254'), 'string')
  t.throws(() => new AddressPolicy('127.0.0.1'), /WEBHOOK_ALLOW_PRIVATE_TARGETS: "127.0.0.1" is not a CIDR range/)
})

t.test('registration refuses URLs by form and by literal address', async (t) => {
  const policy = new AddressPolicy('')
  t.equal(policy.urlRefusal(new URL('https://example.com/hook')), null)
  t.equal(policy.urlRefusal(new URL('http://[2606:4700::1]/')), null)
  t.match(policy.urlRefusal(new URL('http://[::ffff:7f00:1]/')), /loopback/)
  t.match(policy.urlRefusal(new URL('http://2130706433/')), /127\.0\.0\.1 is a loopback/, 'integer forms are parsed as the URL standard says')
  t.match(policy.urlRefusal(new URL('http://localhost./')), /localhost/)
  t.match(policy.urlRefusal(new URL('ws://example.com/')), /http or https/)
  t.equal(new AddressPolicy('127.0.0.0/8').urlRefusal(new URL('http://localhost:1/')), null, 'allowed loopback allows localhost')
})

t.test('the address actually connected to is checked, not only the one a name resolved to', async (t) => {
  const server = http.createServer((_req, res) => { res.end('reached') })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  t.match(await post(new AddressPolicy('127.0.0.0/8'), url, '{}', {}, 2000), { statusCode: 200, snippet: 'reached' })
  // A policy whose first answer (the check before connecting) differs from its later ones, as if a name were rebound.
  class Rebinding extends AddressPolicy {
    private calls = 0
    override refusal (address: string) { return this.calls++ === 0 ? null : `${address} is a loopback address` }
  }
  const result = await post(new Rebinding(''), url, '{}', {}, 2000)
  t.match(result, { error: /^connected to 127\.0\.0\.1 is a loopback address, which webhooks may not reach$/ })
  t.equal(result.statusCode, undefined, 'no answer is taken from it')
  t.match(await post(new AddressPolicy(''), url, '{}', {}, 2000), { error: /^the URL targets 127\.0\.0\.1 is a loopback address/ })
  t.match(await post(new AddressPolicy('127.0.0.0/8'), new URL('http://127.0.0.1:1/'), '{}', {}, 2000), { error: /ECONNREFUSED/ })
})

t.test('retries wait twice as long each time, with ±50 % jitter, never more than an hour and a half', async (t) => {
  t.equal(retryDelay(1, 1000, () => 0.5), 1000)
  t.equal(retryDelay(2, 1000, () => 0.5), 2000)
  t.equal(retryDelay(5, 1000, () => 0.5), 16_000)
  t.equal(retryDelay(3, 1000, () => 0), 2000)
  t.equal(retryDelay(3, 1000, () => 0.999999), 6000)
  t.equal(retryDelay(40, 10_000, () => 0.5), 3_600_000)
  t.ok(retryDelay(1000, 10_000) <= 5_400_000)
})

t.test('the signature header verifies with its secret, body and time only', async (t) => {
  const header = signatureHeader('whsec_abc', '{"id":1}', 1_700_000_000)
  t.match(header, /^t=1700000000,v1=[0-9a-f]{64}$/)
  t.equal(verifySignature('whsec_abc', '{"id":1}', header, 1_700_000_100), true)
  t.equal(verifySignature('whsec_abc', '{"id":2}', header, 1_700_000_100), false)
  t.equal(verifySignature('whsec_abd', '{"id":1}', header, 1_700_000_100), false)
  t.equal(verifySignature('whsec_abc', '{"id":1}', header, 1_700_000_400), false, 'too old')
  t.equal(verifySignature('whsec_abc', '{"id":1}', 't=1700000000,v1=zz', 1_700_000_000), false)
})
