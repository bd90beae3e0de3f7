import t from 'tap'
import { mkdirSync } from 'node:fs'
import { buildTestApp, bearer } from '../helper.js'
import { applyFilters, browserZone, chromiumPath, connect, hasChromium, launchChromium, listen, messageOf, openDashboard, shown, viewsSettled, type DashboardPage } from './browser.js'
import type { Page } from 'playwright-core'

const acme = 'sb_demo_acme_manager'
const topbox = 'sb_demo_topbox_manager'
/** Set DASHBOARD_SCREENSHOTS=docs/screenshots to refresh the README's pictures. */
const screenshotDir = process.env.DASHBOARD_SCREENSHOTS

/** The rows of one panel's table in the overview: header row first, then one array of cells per row. */
async function panelTable (page: Page, panel: string): Promise<string[][]> {
  return page.locator(`#overview-view [data-panel="${panel}"] table tr`).evaluateAll((rows) =>
    rows.map((row) => Array.from(row.querySelectorAll('th, td'), (cell: { textContent: string | null }) => cell.textContent ?? '')))
}

interface Channel { name: string, count: number }
interface TypeLabel { type: string | null, inferred: boolean }
const typeName = (row: TypeLabel) => (row.inferred ? 'Inferred customers' : row.type ?? 'No type')
const typeHeader = ['Type', 'Interactions', 'Customers', 'Active']
const topicHeader = ['Topic', 'Interactions', 'Explicit', 'Calendar']

if (!hasChromium) {
  t.plan(0, `skip: ${chromiumPath} is absent (apt-get install chromium; .ci/run installs it)`)
} else {
  const app = await buildTestApp(t, { seed: true })
  const baseUrl = await listen(app)
  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const opened: DashboardPage[] = []

  async function dashboard (key: string) {
    const view = await openDashboard(browser, baseUrl)
    opened.push(view)
    t.teardown(view.close)
    await connect(view.page, key)
    return view
  }

  async function api (url: string, key: string) {
    const res = await app.inject({ method: 'GET', url, headers: bearer(key) })
    if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body}`)
    return res.json()
  }

  t.test('shows acme\'s customers, types and topics across all customers, exactly as computed by hand', async (t) => {
    const { page } = await dashboard(acme)
    t.strictSame(await panelTable(page, 'customers'), [
      ['Customer', 'Type', 'Email', 'Call', 'Bird', 'Total'],
      ['4', 'Inferred customers', '0', '1', '1', '2'],
      ['1', 'Red', '1', '0', '0', '1'],
      ['3', 'Blue', '1', '0', '0', '1']
    ], 'customer 4, known only from its Call and Bird, leads')
    t.strictSame(await panelTable(page, 'types'), [
      typeHeader,
      ['Inferred customers', '2', '1', '1'],
      ['Blue', '1', '1', '1'],
      ['Red', '1', '2', '1'],
      ['Orange', '0', '2', '0']
    ], 'Orange customers (2 and 11) had no interaction')
    t.strictSame(await panelTable(page, 'topics'), [topicHeader, ['Orange', '0', '0', '0'], ['Sand', '0', '0', '0']], 'no interaction falls in a product\'s month')
    t.equal(await page.locator('#overview-view [data-panel="topics"] caption').textContent(), 'Interactions per topic (an interaction about two topics counts in both; 4 about none)')
    t.equal(await messageOf(page, 'overview-view'), '4 interactions over all time; the top 3 of 3 customers who had one.')
  })

  t.test('the date range and time zone change what is shown; a bad range is a clear error with no figures', async (t) => {
    const { page, requests } = await dashboard(acme)
    t.equal(await page.locator('#overview-view [name="tz"]').inputValue(), browserZone, 'the time zone starts as the browser\'s')
    const first = new URL(requests.find((url) => new URL(url).pathname === '/api/v1/stats/customers') ?? '/missing', baseUrl)
    t.strictSame(Object.fromEntries(first.searchParams), { tz: browserZone, limit: '10' })

    await applyFilters(page, 'overview-view', { from: '2020-01-01', to: '2020-12-31' })
    t.strictSame((await panelTable(page, 'customers')).slice(1), [['4', 'Inferred customers', '0', '1', '1', '2']])
    t.strictSame((await panelTable(page, 'types')).slice(1), [
      ['Inferred customers', '2', '1', '1'], ['Blue', '0', '1', '0'], ['Orange', '0', '2', '0'], ['Red', '0', '2', '0']
    ], 'every type still listed; only customer 4 was active in 2020')

    await applyFilters(page, 'overview-view', { from: '2020-02-12', to: '2020-02-12' })
    t.strictSame((await panelTable(page, 'customers')).slice(1), [], 'the call of 11 Feb 16:10 UTC is on 11 Feb in Dublin')
    t.equal(await messageOf(page, 'overview-view'), `No interaction from 2020-02-12 to 2020-02-12 (${browserZone}).`)
    await applyFilters(page, 'overview-view', { tz: 'Pacific/Kiritimati' })
    t.strictSame((await panelTable(page, 'customers')).slice(1), [['4', 'Inferred customers', '0', '1', '0', '1']], 'at UTC+14 it falls on 12 Feb')

    await applyFilters(page, 'overview-view', { from: '2020-12-31', to: '2020-01-01', tz: browserZone })
    t.equal(await messageOf(page, 'overview-view'), 'querystring/from must not be after querystring/to (HTTP 400)')
    for (const panel of ['customers', 'types', 'topics']) {
      t.equal(await page.locator(`#overview-view [data-panel="${panel}"] tbody tr`).count(), 0, `no stale ${panel} figures`)
    }
  })

  t.test('a busier client: every figure is the API\'s, topics from explicit tags, the top N as chosen', async (t) => {
    const { page } = await dashboard(topbox)
    await applyFilters(page, 'overview-view', { limit: '5' })
    const query = `tz=${encodeURIComponent(browserZone)}`
    const customers = await api(`/api/v1/stats/customers?limit=5&${query}`, topbox)
    const channels = customers.data[0].current.channels.map((channel: Channel) => channel.name)
    t.strictSame(await panelTable(page, 'customers'), [
      ['Customer', 'Type', ...channels, 'Total'],
      ...customers.data.map((row: TypeLabel & { customerId: number, current: { total: number, channels: Channel[] } }) =>
        [String(row.customerId), typeName(row), ...row.current.channels.map((channel) => shown(channel.count)), shown(row.current.total)])
    ])
    t.equal(customers.data.length, 5)

    const types = await api(`/api/v1/stats/customer-types?limit=100&${query}`, topbox)
    const counts = await api(`/api/v1/stats/customer-types/customers?limit=100&${query}`, topbox)
    const countOf = (row: TypeLabel) => counts.data.find((other: TypeLabel) => other.type === row.type && other.inferred === row.inferred)
    t.strictSame((await panelTable(page, 'types')).slice(1), types.data.map((row: TypeLabel & { current: { total: number } }) =>
      [typeName(row), shown(row.current.total), shown(countOf(row).customers), shown(countOf(row).current.active)]))

    const topics = await api(`/api/v1/stats/topics?limit=5&${query}`, topbox)
    t.strictSame((await panelTable(page, 'topics')).slice(1), topics.data.map((row: { topic: string, current: { total: number, explicit: number, calendar: number } }) =>
      [row.topic, shown(row.current.total), shown(row.current.explicit), shown(row.current.calendar)]))
    t.ok(topics.data.every((row: { current: { calendar: number } }) => row.current.calendar === 0), 'topbox has no products calendar')

    const summary = customers.summary.current
    t.equal(await messageOf(page, 'overview-view'),
      `${shown(summary.interactions)} interactions over all time (${shown(summary.withoutCustomer)} without a customer); the top 5 of ${shown(summary.customers)} customers who had one.`)
    t.equal(summary.withoutCustomer, 1, 'the engagement store\'s example interaction names no customer')
    if (screenshotDir) {
      mkdirSync(screenshotDir, { recursive: true })
      await page.locator('#overview-view').screenshot({ path: `${screenshotDir}/dashboard-overview.png` })
    }
  })

  t.test('shows a loading state until every statistic has answered', async (t) => {
    const view = await openDashboard(browser, baseUrl)
    opened.push(view)
    t.teardown(view.close)
    const { page } = view
    let release = () => {}
    const held = new Promise<void>((resolve) => { release = resolve })
    await page.route('**/api/v1/stats/topics*', async (route) => { await held; await route.continue() })
    await page.getByLabel('API key', { exact: true }).fill(acme)
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.locator('#overview-view[aria-busy="true"]').waitFor()
    t.equal(await messageOf(page, 'overview-view'), 'Loading…')
    release()
    await viewsSettled(page)
    t.equal(await page.locator('#overview-view').getAttribute('data-state'), 'ready')
    t.equal((await panelTable(page, 'topics')).length, 3)
  })

  t.test('no script error or CSP refusal, and no request left 127.0.0.1', async (t) => {
    const urls = opened.flatMap((view) => view.requests)
    t.same(urls.filter((url) => new URL(url).hostname !== '127.0.0.1'), [])
    t.same(opened.flatMap((view) => view.problems), [])
  })
}
