import t from 'tap'
import { mkdirSync } from 'node:fs'
import type { Locator, Page } from 'playwright-core'
import { buildTestApp, bearer } from '../helper.js'
import { applyFilters, browserZone, chromiumPath, connect, hasChromium, launchChromium, listen, messageOf, openDashboard, shown, storedKey, tableText, viewsSettled, type DashboardPage } from './browser.js'

const manager = 'sb_demo_acme_manager'
/** Set DASHBOARD_SCREENSHOTS=docs/screenshots to refresh the README's pictures. */
const screenshotDir = process.env.DASHBOARD_SCREENSHOTS

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

  /** Saves a picture for the README when DASHBOARD_SCREENSHOTS names a folder. */
  async function screenshot (target: Page | Locator, name: string) {
    if (!screenshotDir) return
    mkdirSync(screenshotDir, { recursive: true })
    await target.screenshot({ path: `${screenshotDir}/${name}.png`, ...('goto' in target ? { fullPage: true } : {}) })
  }

  /** What the API itself answers the manager, to compare with what the page shows. */
  async function api (url: string) {
    const res = await app.inject({ method: 'GET', url, headers: bearer(manager) })
    if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body}`)
    return res.json()
  }

  t.test('shows the seed figures to the acme manager, exactly as the API returns them', async (t) => {
    const { page, requests } = await dashboard(manager)
    t.equal(await page.locator('#client-name').textContent(), 'Connected to Acme Contact Centre')

    t.same(await tableText(page, 'channels-view'), [['Email', '1'], ['Call', '0'], ['Bird', '0']], 'customer 1: Email 1, Call 0, Bird 0')

    const agents = await tableText(page, 'agents-view')
    t.same(agents.map((row) => row.slice(0, 4)), [
      ['Test User 1', '2', '1', '300'],
      ['Test User 2', '0', '0', '—'],
      ['Test User 3', '2', '2', '390']
    ], 'handled, completed and mean handling time per agent')
    const performance = await api('/users/performance')
    t.same(agents, performance.data.map((row: Record<string, number | null>) => [
      row.name, ...['chats_handled', 'chats_completed', 'average_handling_time_s', 'median_handling_time_s', 'p90_handling_time_s',
        'average_first_response_time_s', 'messages_sent'].map((field) => shown(row[field] as number | null))
    ]), 'every column is the API\'s figure')

    const volumeUrl = new URL(requests.find((url) => new URL(url).pathname === '/api/v1/stats/volume') ?? '/missing', baseUrl)
    const volume = await api(volumeUrl.pathname + volumeUrl.search)
    const volumeRows = await tableText(page, 'volume-view', true)
    const channels = volume.current.buckets[0].channels.map((channel: { name: string }) => channel.name)
    t.same(volumeRows[0], ['Month', ...channels, 'Total'])
    t.same(volumeRows.slice(1), volume.current.buckets.map((bucket: { start: string, total: number, channels: { count: number }[] }) =>
      [bucket.start.slice(0, 7), ...bucket.channels.map((channel) => shown(channel.count)), shown(bucket.total)]))
    const busyMonths = volumeRows.slice(1).filter((row) => row.at(-1) !== '0').map((row) => row[0])
    t.same(busyMonths, ['2019-10', '2020-02', '2020-03', '2021-06'], 'the four spreadsheet interactions, by month')

    for (const view of ['channels', 'volume', 'agents']) await screenshot(page.locator(`#${view}-view`), `dashboard-${view}`)
    await screenshot(page, 'dashboard')
  })

  t.test('the filters change what is shown', async (t) => {
    const { page } = await dashboard(manager)

    await applyFilters(page, 'channels-view', { customer: '4' })
    t.same(await tableText(page, 'channels-view'), [['Email', '0'], ['Call', '1'], ['Bird', '1']], 'customer 4: Call 1, Bird 1')
    await applyFilters(page, 'channels-view', { start_date: '2020-03-01', end_date: '2020-12-31' })
    t.same(await tableText(page, 'channels-view'), [['Email', '0'], ['Call', '0'], ['Bird', '1']], 'only the March Bird interaction is in range')
    await applyFilters(page, 'channels-view', { customer: '1', start_date: '', end_date: '', topic: 'Sand' })
    t.same(await tableText(page, 'channels-view'), [['Email', '0'], ['Call', '0'], ['Bird', '0']], 'no interaction of customer 1 was about Sand')
    await applyFilters(page, 'channels-view', { customer: '99', topic: '' })
    t.equal(await messageOf(page, 'channels-view'), 'Customer not found (HTTP 404)')
    t.same(await tableText(page, 'channels-view'), [], 'an error leaves no stale figures')

    t.equal(await page.locator('#volume-view [name="tz"]').inputValue(), browserZone, 'the time zone starts as the browser\'s')
    await applyFilters(page, 'volume-view', { interval: 'day', from: '2020-02-10', to: '2020-02-13' })
    t.same((await tableText(page, 'volume-view')).map((row) => [row[0], row.at(-1)]),
      [['2020-02-10', '0'], ['2020-02-11', '1'], ['2020-02-12', '0'], ['2020-02-13', '0']], 'the call of 11 Feb 16:10 UTC (16:10 in Dublin)')
    await applyFilters(page, 'volume-view', { tz: 'Pacific/Kiritimati' })
    t.same((await tableText(page, 'volume-view')).map((row) => [row[0], row.at(-1)]),
      [['2020-02-10', '0'], ['2020-02-11', '0'], ['2020-02-12', '1'], ['2020-02-13', '0']], 'at UTC+14 the same call falls on 12 Feb')
    await applyFilters(page, 'volume-view', { interval: 'week', tz: browserZone, from: '2020-02-01', to: '2020-03-15' })
    t.same((await tableText(page, 'volume-view')).map((row) => row[0]),
      ['2020-01-27', '2020-02-03', '2020-02-10', '2020-02-17', '2020-02-24', '2020-03-02', '2020-03-09'], 'weeks start on Monday')

    await applyFilters(page, 'agents-view', { start_date: '2020-09-30', end_date: '2020-10-31' })
    t.same((await tableText(page, 'agents-view')).map((row) => row.slice(0, 4)), [
      ['Test User 1', '0', '0', '—'], ['Test User 2', '0', '0', '—'], ['Test User 3', '0', '0', '—']
    ], 'no chat was handled after 29 September 2020')
  })

  t.test('a bad key shows a clear error and no figures', async (t) => {
    const view = await openDashboard(browser, baseUrl)
    opened.push(view)
    t.teardown(view.close)
    const { page } = view
    await page.getByLabel('API key', { exact: true }).fill('sb_demo_acme_nonsense')
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.locator('#key-status.error').waitFor()
    t.equal(await page.locator('#key-status').textContent(), 'The API refused the key: Invalid or revoked API key')
    t.equal(await page.locator('#views').isHidden(), true)
    t.equal(await storedKey(page), null, 'the refused key is forgotten')
    await screenshot(page.locator('#key-panel'), 'dashboard-bad-key')
  })

  t.test('an agent key sees the interactions and a clear error on the manager views', async (t) => {
    const { page } = await dashboard('sb_demo_acme_agent')
    t.same(await tableText(page, 'channels-view'), [['Email', '1'], ['Call', '0'], ['Bird', '0']])
    for (const view of ['volume-view', 'agents-view', 'overview-view']) {
      t.equal(await messageOf(page, view), 'This key may not see this view: This route needs the manager role; this key has agent')
      t.same(await tableText(page, view), [])
    }
  })

  t.test('shows a loading state until the API answers', async (t) => {
    const view = await openDashboard(browser, baseUrl)
    opened.push(view)
    t.teardown(view.close)
    const { page } = view
    let release = () => {}
    const held = new Promise<void>((resolve) => { release = resolve })
    await page.route('**/users/performance*', async (route) => { await held; await route.continue() })
    await page.getByLabel('API key', { exact: true }).fill(manager)
    await page.getByRole('button', { name: 'Connect' }).click()
    await page.locator('#agents-view[aria-busy="true"]').waitFor()
    t.equal(await messageOf(page, 'agents-view'), 'Loading…')
    release()
    await viewsSettled(page)
    t.equal(await page.locator('#agents-view').getAttribute('aria-busy'), 'false')
    t.equal((await tableText(page, 'agents-view')).length, 3)
  })

  t.test('the key lives in sessionStorage, goes only in the Authorization header, and can be forgotten', async (t) => {
    const { page, requests } = await dashboard(manager)
    t.equal(await storedKey(page), manager)
    t.equal(page.url(), `${baseUrl}/`)
    t.same(requests.filter((url) => url.includes(manager)), [], 'no URL carries the key')
    await page.reload()
    await viewsSettled(page)
    t.same(await tableText(page, 'channels-view'), [['Email', '1'], ['Call', '0'], ['Bird', '0']], 'a reload keeps the session')
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Forget key' }).click()])
    await page.locator('#key-panel').waitFor()
    t.equal(await storedKey(page), null)
    t.equal(await page.locator('#views').isHidden(), true, 'a fresh page, with no figures left')
  })

  t.test('every request stayed on 127.0.0.1, with no script error or CSP refusal', async (t) => {
    const urls = opened.flatMap((view) => view.requests)
    t.ok(urls.length > 20, `${urls.length} requests recorded`)
    t.same(urls.filter((url) => new URL(url).hostname !== '127.0.0.1'), [])
    t.same(opened.flatMap((view) => view.problems), [])
  })
}

