import t from 'tap'
import { connect } from 'node:net'
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ExcelJS from 'exceljs'
import JSZip from 'jszip'
import archiver from 'archiver'
import { MongoClient, ObjectId } from 'mongodb'
import { buildApp, type App } from '../../src/app.js'
import { startEmbeddedMongo } from '../../src/db/embedded/index.js'
import { UPLOAD_ROOT, sweepUploads } from '../../src/domains/imports/upload.js'
import { IMPORT_LIMITS } from '../../src/domains/imports/limits.js'
import { PLATFORM_KEY, bearer, buildTestApp, createTenant, type Tenant } from '../helper.js'
import { dataCounts, upload } from '../domains/imports/helper.js'

t.setTimeout(600_000)

/** Every upload folder (inside the app folders) that exists now. */
async function uploadFolders (): Promise<string[]> {
  const found: string[] = []
  for (const app of await readdir(UPLOAD_ROOT).catch(() => [] as string[])) {
    for (const upload of await readdir(join(UPLOAD_ROOT, app)).catch(() => [] as string[])) found.push(`${app}/${upload}`)
  }
  return found
}

async function until (condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function runs (app: App, tenant: Tenant) {
  return (await app.inject({ method: 'GET', url: '/api/v1/imports?limit=100', headers: bearer(tenant.keys.manager) })).json().data as { status: string, error: string | null }[]
}

/** The parts of a workbook by name; `file` adds or replaces one (the shape of JSZip's, which reads the workbook). */
interface Parts { file: (name: string, data: Buffer | string) => void }

/**
 * A small real workbook (exceljs), then reshaped part by part. Written with archiver (Node's own zlib): JSZip's
 * JavaScript deflate takes seconds for the hundreds of megabytes some of these parts hold.
 */
async function workbook (edit: (zip: Parts) => void): Promise<Buffer> {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('Customers')
  sheet.addRow(['Customer_Id', 'Occupation', 'Type'])
  sheet.addRow([1, 'Nurse', 'A'])
  const source = await JSZip.loadAsync(await book.xlsx.writeBuffer())
  const parts = new Map<string, Buffer | string>()
  for (const entry of Object.values(source.files)) if (!entry.dir) parts.set(entry.name, await entry.async('nodebuffer'))
  edit({ file: (name, data) => { parts.set(name, data) } })
  const archive = archiver('zip', { zlib: { level: 1 } })
  const chunks: Buffer[] = []
  archive.on('data', (chunk: Buffer) => chunks.push(chunk))
  const ended = new Promise((resolve, reject) => { archive.on('end', resolve).on('error', reject) })
  for (const [name, data] of parts) archive.append(data, { name })
  await archive.finalize()
  await ended
  return Buffer.concat(chunks)
}

/** The workbook's own strings (its cells point at them), then `count` more. */
function sharedStrings (count: number, text = 'a'): string {
  const own = ['Customer_Id', 'Occupation', 'Type', 'Nurse', 'A'].map((value) => `<si><t>${value}</t></si>`).join('')
  return `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${count + 5}" uniqueCount="${count + 5}">` +
    own + `<si><t>${text}</t></si>`.repeat(count) + '</sst>'
}

/** The zip with the central directory's uncompressed size of one part made smaller than the part really is. */
function lieAboutSize (zip: Buffer, part: string): Buffer {
  const patched = Buffer.from(zip)
  for (let offset = patched.indexOf('PK\x01\x02', 0, 'latin1'); offset >= 0; offset = patched.indexOf('PK\x01\x02', offset + 4, 'latin1')) {
    const nameLength = patched.readUInt16LE(offset + 28)
    if (patched.toString('utf8', offset + 46, offset + 46 + nameLength) === part) patched.writeUInt32LE(100, offset + 24)
  }
  return patched
}

t.test('uploads and imports that clean up and stay bounded', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app)
  const nothing = { customers: 0, engagements: 0, interactions: 0, topics: 0 }

  const address = new URL(await app.listen({ port: 0, host: '127.0.0.1' }))

  t.test('an upload aborted mid-file leaves no folder behind and starts no import', async (t) => {
    const socket = connect(Number(address.port), '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(`POST /api/v1/imports HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tenant.keys.admin}\r\n` +
      'content-type: multipart/form-data; boundary=cut\r\ncontent-length: 50000000\r\n\r\n' +
      '--cut\r\ncontent-disposition: form-data; name="file"; filename="a.csv"\r\ncontent-type: text/csv\r\n\r\n' +
      'Date Start,Interaction,Customers\r\n' + '2020-01-01,Email,1\r\n'.repeat(20_000))
    await until(async () => (await uploadFolders()).length === 1, 'the upload is on disk')
    socket.destroy()
    await until(async () => (await uploadFolders()).length === 0, 'the aborted upload is removed')
    t.same(await runs(app, tenant), [], 'no import run')
    t.same(await dataCounts(app, tenant.id), nothing)
  })

  t.test('a client that goes away once its upload is complete does not stop the import; its upload is removed after', async (t) => {
    const rows = Array.from({ length: 20_000 }, (_, n) => `2021-01-01T00:00:${String(n % 60).padStart(2, '0')}Z,Call,${n + 1}`).join('\r\n')
    const body = `--done\r\ncontent-disposition: form-data; name="file"; filename="leaver.csv"\r\ncontent-type: text/csv\r\n\r\n` +
      `Date Start,Interaction,Customers\r\n${rows}\r\n\r\n--done--\r\n`
    const socket = connect(Number(address.port), '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(`POST /api/v1/imports HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tenant.keys.admin}\r\n` +
      `content-type: multipart/form-data; boundary=done\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
    const collection = app.mongo.db.collection('importRuns')
    await until(async () => await collection.countDocuments({ clientId: tenant.id, fileName: 'leaver.csv' }) === 1, 'the import started', 60_000)
    socket.destroy()
    await until(async () => (await collection.findOne({ clientId: tenant.id, fileName: 'leaver.csv' }))?.status === 'completed', 'the import completed', 120_000)
    await until(async () => (await uploadFolders()).length === 0, 'the upload is removed')
    t.equal(await app.mongo.db.collection('interactions').countDocuments({ clientId: tenant.id }), 20_000)
    await app.mongo.db.collection('interactions').deleteMany({ clientId: tenant.id })
    for (const name of ['customers', 'engagements', 'importRuns']) await app.mongo.db.collection(name).deleteMany({ clientId: tenant.id })
  })

  t.test('refused uploads (415, 400) leave no folder behind', async (t) => {
    const pdf = await upload(app, tenant.keys.admin, { name: 'a.pdf', content: 'x' })
    t.equal(pdf.statusCode, 415)
    const mapping = await upload(app, tenant.keys.admin, { name: 'a.csv', content: 'x' }, { fields: { mapping: '{"Nope": {}}' } })
    t.equal(mapping.statusCode, 400)
    t.same(await uploadFolders(), [])
  })

  const refused = async (name: string, content: Buffer | string, message: string) => {
    const res = await upload(app, tenant.keys.admin, { name, content })
    t.same([res.statusCode, res.json().code, res.json().error], [400, 'BAD_REQUEST', message], name)
    const [last] = await runs(app, tenant)
    t.same(last && [last.status, last.error], ['failed', message], 'the run is recorded as failed, never left running')
    t.same(await dataCounts(app, tenant.id), nothing, 'nothing was written')
    t.same(await uploadFolders(), [], 'the upload is removed')
  }

  t.test('a CSV beyond the row limits is a 400 naming the limit, checked before anything is written', async () => {
    const header = 'Date Start,Interaction,Customers'
    await refused('wide-header.csv', `${header}${','.repeat(1_500_000)}\r\n2020-01-01,Email,1\r\n`,
      'wide-header.csv row 1: more than 1,000 columns (the most an import takes)')
    await refused('wide-row.csv', `${header}\r\n2020-01-01,Email,1\r\n2020-01-02,Email,2\r\n2020-01-03,Email,3${',x'.repeat(1000)}\r\n`,
      'wide-row.csv row 4: more than 1,000 columns (the most an import takes)')
    await refused('long-cell.csv', `${header}\r\n2020-01-01,Email,1\r\n2020-01-02,${'E'.repeat(IMPORT_LIMITS.cellCharacters + 1)},2\r\n`,
      'long-cell.csv row 3: more than 32,767 characters in one cell (the most an import takes)')
    await refused('long-row.csv', `${header}\r\n2020-01-01,Email,1\r\n"${'a\n'.repeat(600_000)}",Email,2\r\n`,
      'long-row.csv row 3: more than 1,048,576 bytes in one row (the most an import takes)')
  })

  t.test('a workbook that would expand beyond the limits is a 400, found in its zip directory or while its strings are read', async () => {
    await refused('strings-bytes.xlsx', await workbook((zip) => { zip.file('xl/sharedStrings.xml', sharedStrings(4_000_000)) }),
      'strings-bytes.xlsx: more than 67,108,864 bytes of shared strings once uncompressed (the most an import takes)')
    await refused('expands.xlsx', await workbook((zip) => {
      const part = Buffer.alloc(1024 * 1024, 0x41)
      for (let n = 0; n < 513; n++) zip.file(`xl/media/blob${n}.bin`, part)
    }), 'expands.xlsx: more than 536,870,912 bytes in the workbook once uncompressed (the most an import takes)')
    await refused('parts.xlsx', await workbook((zip) => { for (let n = 0; n <= IMPORT_LIMITS.workbookParts; n++) zip.file(`xl/media/p${n}.bin`, 'x') }),
      'parts.xlsx: more than 10,000 parts in the workbook (the most an import takes)')
    await refused('strings-count.xlsx', await workbook((zip) => { zip.file('xl/sharedStrings.xml', sharedStrings(IMPORT_LIMITS.sharedStrings)) }),
      'strings-count.xlsx: more than 1,000,000 shared strings in the workbook (the most an import takes)')
    await refused('strings-size.xlsx', await workbook((zip) => { zip.file('xl/sharedStrings.xml', sharedStrings(1200, 'b'.repeat(30_000))) }),
      'strings-size.xlsx: more than 33,554,432 characters of shared strings (the most an import takes)')
    const book = new ExcelJS.Workbook()
    book.addWorksheet('Customers').addRow(['Customer_Id', 'Occupation', 'Type', ...Array.from({ length: 1000 }, (_, n) => `extra ${n}`)])
    await refused('wide.xlsx', Buffer.from(await book.xlsx.writeBuffer()), 'wide.xlsx: Customers row 1: more than 1,000 columns (the most an import takes)')
  })

  t.test('a workbook whose directory understates a part is refused as damaged, nothing written', async (t) => {
    const honest = await workbook((zip) => { zip.file('xl/sharedStrings.xml', sharedStrings(1000)) })
    const res = await upload(app, tenant.keys.admin, { name: 'liar.xlsx', content: lieAboutSize(honest, 'xl/sharedStrings.xml') })
    t.equal(res.statusCode, 400)
    t.match(res.json().error, /^liar\.xlsx could not be read as an \.xlsx workbook: the workbook is damaged/)
    t.same(await dataCounts(app, tenant.id), nothing)
    const shifted = await upload(app, tenant.keys.admin, { name: 'shifted.xlsx', content: Buffer.concat([Buffer.alloc(64, 0x20), honest]) })
    t.same([shifted.statusCode, /^shifted\.xlsx could not be read as an \.xlsx workbook: the workbook/.test(shifted.json().error)], [400, true], 'bytes before the first part')
    const text = await upload(app, tenant.keys.admin, { name: 'text.xlsx', content: 'Customer_Id\r\n1\r\n' })
    t.same([text.statusCode, /^text\.xlsx could not be read as an \.xlsx workbook: not an \.xlsx workbook/.test(text.json().error)], [400, true])
    t.same(await dataCounts(app, tenant.id), nothing)
    t.equal((await upload(app, tenant.keys.admin, { name: 'honest.xlsx', content: honest })).statusCode, 201, 'the same workbook, honest, imports')
  })
})

t.test('at start-up, folders of stopped processes are swept and interrupted runs are marked failed', async (t) => {
  const first = await buildTestApp(t)
  const tenant = await createTenant(first)
  const child = spawn(process.execPath, ['-e', ''])
  const deadPid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid as number)))
  for (const folder of [`${deadPid}-leftover`, `${process.pid}-earlier`]) {
    await mkdir(join(UPLOAD_ROOT, folder, 'upload-x'), { recursive: true })
    await writeFile(join(UPLOAD_ROOT, folder, 'upload-x', 'upload'), 'Date Start,Interaction,Customers\r\n')
  }
  const live = await readdir(UPLOAD_ROOT)
  const legacy = { old: join(tmpdir(), `switchboard-import-old${deadPid}`), fresh: join(tmpdir(), `switchboard-import-fresh${deadPid}`) }
  for (const path of Object.values(legacy)) await writeFile(join(await mkdir(path, { recursive: true }).then(() => path), 'upload'), 'x')
  const threeHoursAgo = new Date(Date.now() - 3 * 3_600_000)
  await utimes(legacy.old, threeHoursAgo, threeHoursAgo)
  t.teardown(() => rm(legacy.fresh, { recursive: true, force: true }))
  const collection = first.mongo.db.collection('importRuns')
  const run = (status: string, heartbeatAt: Date | undefined, owner?: { host: string, pid: number }) => ({
    _id: new ObjectId(), clientId: tenant.id, fileName: 'big.csv', format: 'csv', dryRun: false, dateOrder: 'day-first', status, startedAt: hourAgo,
    ...(heartbeatAt ? { heartbeatAt } : {}), ...(owner ? { owner } : {})
  })
  const hourAgo = new Date(Date.now() - 3_600_000)
  const now = new Date()
  const runsByName = {
    silent: run('running', hourAgo),
    noHeartbeat: run('running', undefined),
    deadHere: run('running', now, { host: hostname(), pid: deadPid }),
    earlierWithThisPid: run('running', now, { host: hostname(), pid: process.pid }),
    aliveHere: run('running', now, { host: hostname(), pid: process.ppid }),
    aliveElsewhere: run('running', now, { host: 'another-host', pid: deadPid }),
    done: run('completed', hourAgo)
  }
  await collection.insertMany(Object.values(runsByName))

  const second = await buildTestApp(t, { env: { MONGODB_URI: first.mongo.uri, MONGODB_DB: first.mongo.db.databaseName } })
  const after = await readdir(UPLOAD_ROOT)
  t.notOk(after.includes(`${deadPid}-leftover`), 'the folder of a process that is gone is removed')
  t.notOk(after.includes(`${process.pid}-earlier`), 'a folder with this pid that no running app owns is removed')
  // Only this process's apps: other test files run beside this one, and their apps may close (and remove their folders) meanwhile.
  const ours = live.filter((name) => name.startsWith(`${process.pid}-`) && !name.endsWith('-earlier'))
  t.ok(ours.length >= 1 && ours.every((name) => after.includes(name)), 'live apps keep their folders')
  const temporary = await readdir(tmpdir())
  t.same([temporary.includes(basename(legacy.old)), temporary.includes(basename(legacy.fresh))], [false, true],
    'an older version\'s upload folder is removed once no import could still be using it')
  const statuses = Object.fromEntries(await Promise.all(Object.entries(runsByName).map(async ([name, doc]) => [name, (await collection.findOne({ _id: doc._id }))?.status])))
  t.same(statuses, {
    silent: 'failed', noHeartbeat: 'failed', deadHere: 'failed', earlierWithThisPid: 'failed', aliveHere: 'running', aliveElsewhere: 'running', done: 'completed'
  })
  t.match(await collection.findOne({ _id: runsByName.deadHere._id }), { error: /interrupted/, finishedAt: Date })
  t.equal(await sweepUploads(), 0, 'a second sweep finds nothing left')
  t.ok(second.importAborts, 'the second app is up')
})

t.test('a shutdown stops a running import: 503, and its run is marked failed', async (t) => {
  // The app's database outlives the app here, so that the run can be read after the app closed.
  const engine = await startEmbeddedMongo({ port: 0 })
  const client = new MongoClient(engine.uri)
  t.teardown(async () => {
    await client.close()
    await engine.stop()
  })
  const app = await buildApp({
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false', ADMIN_API_KEY: PLATFORM_KEY, RATE_LIMIT_MAX: '0', MONGODB_URI: engine.uri, MONGODB_DB: 'shutdown' },
    logger: false,
    migrate: true
  })
  const tenant = await createTenant(app)
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const rows = Array.from({ length: 30_000 }, (_, n) => `2020-01-01T00:00:${String(n % 60).padStart(2, '0')}Z,Email,${n + 1}`).join('\r\n')
  const form = new FormData()
  form.append('file', new Blob([`Date Start,Interaction,Customers\r\n${rows}\r\n`]), 'big.csv')
  const answer = fetch(`${address}/api/v1/imports`, { method: 'POST', headers: bearer(tenant.keys.admin), body: form })
  const collection = client.db('shutdown').collection('importRuns')
  await until(async () => await collection.countDocuments({ clientId: tenant.id, status: 'running' }) === 1, 'the import is running', 60_000)
  const closing = app.close()
  const res = await answer
  t.equal(res.status, 503)
  t.match(await res.json(), { code: 'SERVICE_UNAVAILABLE', error: /shutting down: the import was stopped/ })
  await closing
  t.match(await collection.find({ clientId: tenant.id }).toArray(), [{ status: 'failed', error: 'Switchboard is shutting down', finishedAt: Date }])
  t.same(await uploadFolders(), [])
})

/** `npm run import` as a child process (tsx, kept out of coverage like test/domains/imports/cli.test.ts). */
function startCli (args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', _TAPJS_PROCESSINFO_COVERAGE_: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  child.stdout.resume()
  const done = new Promise<{ code: number | null, stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })))
  return { child, done }
}

t.test('the import CLI writing to a database refuses a file beyond the limits, and an interrupted import is recorded as failed', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app)
  const folder = await mkdtemp(join(tmpdir(), 'switchboard-cli-test-'))
  t.teardown(() => rm(folder, { recursive: true, force: true }))
  const env = { MONGODB_URI: app.mongo.uri, MONGODB_DB: app.mongo.db.databaseName }
  const collection = app.mongo.db.collection('importRuns')

  await writeFile(join(folder, 'wide.csv'), `Date Start,Interaction,Customers${',x'.repeat(2000)}\r\n2020-01-01,Email,1\r\n`)
  const wide = await startCli([join(folder, 'wide.csv'), '--client', tenant.hexId], env).done
  t.equal(wide.code, 1)
  t.match(wide.stderr, 'Import failed: wide.csv row 1: more than 1,000 columns (the most an import takes)')
  t.match(await collection.find({ clientId: tenant.id }).toArray(), [{ fileName: 'wide.csv', status: 'failed' }])
  t.same(await dataCounts(app, tenant.id), { customers: 0, engagements: 0, interactions: 0, topics: 0 })

  const rows = Array.from({ length: 50_000 }, (_, n) => `2020-01-01T00:00:${String(n % 60).padStart(2, '0')}Z,Email,${n + 1}`).join('\r\n')
  await writeFile(join(folder, 'big.csv'), `Date Start,Interaction,Customers\r\n${rows}\r\n`)
  const big = startCli([join(folder, 'big.csv'), '--client', tenant.hexId], env)
  await until(async () => await collection.countDocuments({ clientId: tenant.id, fileName: 'big.csv', status: 'running' }) === 1, 'the CLI import is running', 120_000)
  big.child.kill('SIGINT')
  const interrupted = await big.done
  t.equal(interrupted.code, 1)
  t.match(interrupted.stderr, 'Import failed: interrupted by SIGINT')
  t.match(await collection.findOne({ clientId: tenant.id, fileName: 'big.csv' }), { status: 'failed', error: 'interrupted by SIGINT' })
})
