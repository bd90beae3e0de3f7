import t from 'tap'
import { buildTestApp } from '../helper.js'

t.test('dashboard files', async (t) => {
  const app = await buildTestApp(t)

  t.test('GET / serves the page without a key, with a same-origin content security policy', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/' })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/html/)
    t.match(res.body, /<title>Switchboard dashboard<\/title>/)
    t.match(res.headers['content-security-policy'], /default-src 'self'; script-src 'self'/)
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.equal(res.headers['referrer-policy'], 'no-referrer')
  })

  t.test('every script, style and icon the page names is served by this app', async (t) => {
    const page = await app.inject({ method: 'GET', url: '/' })
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string)
    t.same(assets, ['/dashboard/favicon.svg', '/dashboard/styles.css', '/dashboard/vendor/chart.umd.min.js', '/dashboard/js/main.js'])
    for (const asset of assets) {
      const res = await app.inject({ method: 'GET', url: asset })
      t.equal(res.statusCode, 200, `${asset} is served`)
    }
  })

  t.test('the chart library is Chart.js\'s browser build from node_modules', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/dashboard/vendor/chart.umd.min.js' })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /javascript/)
    t.match(res.body, /Chart\.js v4\./)
  })

  t.test('the browser modules are served as JavaScript', async (t) => {
    for (const file of ['main.js', 'api.js', 'views/channels.js', 'views/volume.js', 'views/agents.js', 'views/overview.js']) {
      const res = await app.inject({ method: 'GET', url: `/dashboard/js/${file}` })
      t.equal(res.statusCode, 200, file)
      t.match(res.headers['content-type'], /javascript/, file)
    }
  })

  t.test('no file outside public/ can be reached', async (t) => {
    for (const url of ['/dashboard/../package.json', '/dashboard/%2e%2e/package.json', '/dashboard/..%2fpackage.json', '/dashboard/%2e%2e%2f.env']) {
      const res = await app.inject({ method: 'GET', url })
      t.ok([403, 404].includes(res.statusCode), `${url} answers ${res.statusCode}`)
      t.notMatch(res.body, /"name": "switchboard"/, `${url} does not leak package.json`)
    }
  })

  t.test('a missing file is a 404', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/dashboard/nope.js' })
    t.equal(res.statusCode, 404)
  })

  t.test('the dashboard routes are public and kept out of the API docs', async (t) => {
    const routes = app.routeAccess.filter((route) => route.url === '/' || route.url.startsWith('/dashboard/'))
    t.ok(routes.length >= 3)
    t.ok(routes.every((route) => route.access === 'public'))
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
    t.same(Object.keys(spec.paths).filter((path) => path === '/' || path.startsWith('/dashboard')), [])
  })
})
