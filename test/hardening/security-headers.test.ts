import t from 'tap'
import { existsSync } from 'node:fs'
import { buildTestApp, bearer, createTenant } from '../helper.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

t.test('security headers and CORS off by default', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'headers')

  t.test('API answers carry helmet\'s headers', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(tenant.keys.agent) })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
    t.match(res.headers['strict-transport-security'], /max-age=\d+/)
    t.equal(res.headers['x-powered-by'], undefined)
    t.equal(res.headers['access-control-allow-origin'], undefined)
  })

  t.test('the docs page\'s policy allows its own scripts and never upgrades plain HTTP', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/docs' })
    t.equal(res.statusCode, 200)
    const csp = String(res.headers['content-security-policy'])
    t.match(csp, /script-src 'self'/)
    t.notMatch(csp, /upgrade-insecure-requests/)
    const inlineScripts = [...res.body.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)]
    t.same(inlineScripts, [], 'every script of the page is a file, allowed by script-src \'self\'')
  })

  t.test('a cross-origin preflight gets no CORS headers', async (t) => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/api/v1/users',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' }
    })
    t.equal(res.headers['access-control-allow-origin'], undefined)
  })
})

t.test('CORS_ORIGINS allows exactly the listed origins', async (t) => {
  const app = await buildTestApp(t, { env: { CORS_ORIGINS: 'https://app.example.com, https://ops.example.com' } })
  const preflight = (origin: string) => app.inject({
    method: 'OPTIONS',
    url: '/api/v1/users',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' }
  })

  const allowed = await preflight('https://ops.example.com')
  t.equal(allowed.statusCode, 204)
  t.equal(allowed.headers['access-control-allow-origin'], 'https://ops.example.com')
  t.match(String(allowed.headers['access-control-allow-headers']), /idempotency-key/)

  const refused = await preflight('https://evil.example.net')
  t.equal(refused.headers['access-control-allow-origin'], undefined)

  const tenant = await createTenant(app, 'cors')
  const res = await app.inject({ method: 'GET', url: '/api/v1/users', headers: { ...bearer(tenant.keys.agent), origin: 'https://app.example.com' } })
  t.equal(res.headers['access-control-allow-origin'], 'https://app.example.com')
  t.match(String(res.headers['access-control-expose-headers']), /x-ratelimit-remaining/)
})

t.test('the docs page renders in a browser under its policy, over plain HTTP on a LAN address', { skip: existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM}` }, async (t) => {
  const { chromium } = await import('playwright-core')
  const app = await buildTestApp(t)
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const violations: string[] = []
  page.on('console', (message) => { if (/Content Security Policy|ERR_SSL/.test(message.text())) violations.push(message.text()) })
  await page.goto(`${address}/docs`)
  await page.waitForSelector('.opblock', { timeout: 20_000 })
  t.ok(await page.locator('.opblock').count() > 0, 'the operations are listed')
  t.same(violations, [])
})
