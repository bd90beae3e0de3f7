import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { App } from '../../src/app.js'

/** Debian's Chromium: .ci/run installs it; without it the browser tests are skipped. */
export const chromiumPath = '/usr/bin/chromium'
export const hasChromium = existsSync(chromiumPath)

export async function launchChromium (): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
}

/** Listens on a free loopback port and returns the base URL. */
export async function listen (app: App): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

export interface DashboardPage {
  page: Page
  /** Every URL the page requested, in order. */
  requests: string[]
  /** Uncaught script errors and Content-Security-Policy refusals seen by the page. */
  problems: string[]
  close(): Promise<void>
}

/** The browser's own time zone in these tests: the page's time zone fields start with it. */
export const browserZone = 'Europe/Dublin'

/** A fresh browser context (empty sessionStorage) on the dashboard, recording every request it makes. */
export async function openDashboard (browser: Browser, baseUrl: string, timezoneId = browserZone): Promise<DashboardPage> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, timezoneId, locale: 'en-US' })
  const page = await context.newPage()
  const requests: string[] = []
  const problems: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  page.on('pageerror', (error) => problems.push(error.message))
  page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) problems.push(message.text()) })
  await page.goto(baseUrl)
  return { page, requests, problems, close: () => context.close() }
}

/** Pastes the key and waits until every view has finished loading (ready or error). */
export async function connect (page: Page, key: string): Promise<void> {
  await page.getByLabel('API key', { exact: true }).fill(key)
  await page.getByRole('button', { name: 'Connect' }).click()
  await page.locator('#views').waitFor({ state: 'visible' })
  await viewsSettled(page)
}

export const viewIds = ['channels-view', 'volume-view', 'agents-view', 'overview-view']

export async function viewsSettled (page: Page, ids = viewIds): Promise<void> {
  for (const id of ids) await page.locator(`#${id}[data-state="ready"], #${id}[data-state="error"]`).waitFor()
}

/** Submits a view's filter form and waits for its answer. */
export async function applyFilters (page: Page, viewId: string, fields: Record<string, string>): Promise<void> {
  const view = page.locator(`#${viewId}`)
  for (const [name, value] of Object.entries(fields)) {
    const field = view.locator(`[name="${name}"]`)
    if (await field.evaluate((element) => element.tagName === 'SELECT')) await field.selectOption(value)
    else await field.fill(value)
  }
  await view.getByRole('button', { name: 'Show' }).click()
  await viewsSettled(page, [viewId])
}

/** The text of a view's figures table: header row first when `withHeader`, then one array of cells per row. */
export async function tableText (page: Page, viewId: string, withHeader = false): Promise<string[][]> {
  const rows = page.locator(`#${viewId} table ${withHeader ? 'tr' : 'tbody tr'}`)
  return rows.evaluateAll((elements) => elements.map((row) => Array.from(row.querySelectorAll('th, td'), (cell: { textContent: string | null }) => cell.textContent ?? '')))
}

export async function messageOf (page: Page, viewId: string): Promise<string> {
  return (await page.locator(`#${viewId} .message`).textContent()) ?? ''
}

/** The API key the page keeps in this tab's sessionStorage. */
export async function storedKey (page: Page): Promise<string | null> {
  return page.evaluate('sessionStorage.getItem("switchboard.apiKey")')
}

/** The figure as the page prints it: "—" for null. */
export function shown (value: number | null): string {
  return value === null ? '—' : new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(value)
}
