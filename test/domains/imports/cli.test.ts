import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { buildTestApp, createTenant } from '../../helper.js'
import { channelCounts, dataCounts } from './helper.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))

interface CliRun { code: number | null, stdout: string, stderr: string }

function runCli (args: string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], {
    cwd: root,
    // The CLI runs under tsx, not tap's loader: kept out of coverage, because its differently compiled copies of the
    // source files would be merged with the in-process figures and spoil them (which copy wins depends on file order).
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', _TAPJS_PROCESSINFO_COVERAGE_: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += chunk })
  child.stderr.on('data', (chunk) => { stderr += chunk })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

t.setTimeout(300_000)

t.test('npm run import', async (t) => {
  const app = await buildTestApp(t)
  const address = await app.listen({ port: 0, host: '127.0.0.1' })

  t.test('without MONGODB_URI it sends the file to the running server and prints the report', async (t) => {
    const tenant = await createTenant(app, 'cli-remote')
    const run = await runCli(['mock_data/seed-interactions.xlsx', '--client', 'cli-remote'], { SWITCHBOARD_URL: address, SWITCHBOARD_API_KEY: tenant.keys.admin })
    t.equal(run.code, 0, run.stderr)
    const report = JSON.parse(run.stdout)
    t.match(report, { fileName: 'seed-interactions.xlsx', dryRun: false, totals: { read: 12, inserted: 12, inferredCustomers: 1 } })
    t.match(run.stderr, /Imported seed-interactions\.xlsx:\n {2}Customers +read 5, inserted 5/)
    t.same(await channelCounts(app, tenant.keys.agent, 4), { status: 200, body: '{"data":{"customer_id":4,"interactions":{"Email":0,"Call":1,"Bird":1}}}' })
  })

  t.test('with MONGODB_URI it writes to that database itself, and a dry run writes nothing', async (t) => {
    const tenant = await createTenant(app, 'cli-direct')
      const env = { MONGODB_URI: app.mongo.uri, MONGODB_DB: app.mongo.db.databaseName }
    const dry = await runCli(['mock_data/messy-interactions.csv', '--client', tenant.hexId, '--dry-run'], env)
    t.equal(dry.code, 0, dry.stderr)
    t.match(JSON.parse(dry.stdout), { dryRun: true, totals: { read: 16, inserted: 7, duplicates: 3, rejected: 6 } })
    t.same(await dataCounts(app, tenant.id), { customers: 0, engagements: 0, interactions: 0, topics: 0 })
    const real = await runCli(['mock_data/messy-interactions.csv', '--client', 'cli-direct'], env)
    t.equal(real.code, 0, real.stderr)
    t.match(JSON.parse(real.stdout), { dryRun: false, totals: { read: 16, inserted: 7, duplicates: 3, rejected: 6 } })
    t.same(await dataCounts(app, tenant.id), { customers: 5, engagements: 5, interactions: 7, topics: 0 })
  })

  t.test('a key of another client is refused before anything is sent', async (t) => {
    const tenant = await createTenant(app, 'cli-owner')
    const run = await runCli(['mock_data/seed-interactions.xlsx', '--client', 'someone-else'], { SWITCHBOARD_URL: address, SWITCHBOARD_API_KEY: tenant.keys.admin })
    t.equal(run.code, 1)
    t.match(run.stderr, 'Import failed: The API key belongs to cli-owner, not to someone-else')
    t.same(await dataCounts(app, tenant.id), { customers: 0, engagements: 0, interactions: 0, topics: 0 })
  })

  t.test('bad arguments print the usage and exit 2', async (t) => {
    for (const args of [['a.pdf', '--client', 'acme'], ['mock_data/seed-interactions.xlsx', '--client', 'acme', '--date-order', 'x']]) {
      const run = await runCli(args, {})
      t.equal(run.code, 2, args.join(' '))
      t.match(run.stderr, /Usage: npm run import -- <file\.xlsx\|file\.csv> --client <id\|nickName>/)
    }
  })
})
