import { parseArgs } from 'node:util'
import { readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { SingleBar, Presets } from 'cli-progress'
import type { DateOrder } from '../src/domains/imports/cleaning.js'
import { MappingError, parseMapping } from '../src/domains/imports/mapping.js'
import { formatOf } from '../src/domains/imports/readers.js'
import type { ImportReport } from '../src/domains/imports/schemas.js'
import type { SheetKind } from '../src/domains/imports/sheets.js'

const usage = `Usage: npm run import -- <file.xlsx|file.csv> --client <id|nickName> [options]

  --dry-run                 report what would change, write nothing
  --date-order <order>      day-first (default: 04/10/2019 is 4 October) or month-first
  --mapping <file.json>     column renames: {"Customers": {"Client Ref": "Customer_Id"}}
  --sheet <kind>            for a CSV: customers, interactions or topics, when its headers do not say

With MONGODB_URI set, the import writes to that database directly. Without it, the file is sent to the running
server's POST /api/v1/imports (SWITCHBOARD_URL, default http://127.0.0.1:3000) with SWITCHBOARD_API_KEY, or, for a
demo client against a local demo server, its demo admin key sb_demo_<nickName>_admin. The JSON report goes to stdout.`

export interface CliOptions {
  file: string
  client: string
  dryRun: boolean
  dateOrder: DateOrder
  mapping?: string
  sheet?: SheetKind
}

function fail (message: string, code = 2): never {
  console.error(`${message}\n\n${usage}`)
  process.exit(code)
}

function parseCli (): CliOptions {
  let parsed
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        client: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'date-order': { type: 'string', default: 'day-first' },
        mapping: { type: 'string' },
        sheet: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (error) {
    fail((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) {
    console.log(usage)
    process.exit(0)
  }
  const [file, ...extra] = positionals
  if (!file || extra.length > 0) fail('Name exactly one file to import')
  if (!values.client) fail('--client is required (the client\'s id or nickName)')
  if (values['date-order'] !== 'day-first' && values['date-order'] !== 'month-first') fail('--date-order must be day-first or month-first')
  if (values.sheet !== undefined && !['customers', 'interactions', 'topics'].includes(values.sheet)) fail('--sheet must be customers, interactions or topics')
  if (!formatOf(file)) fail(`Cannot import ${file}: only .xlsx and .csv files`)
  return {
    file,
    client: values.client,
    dryRun: values['dry-run'],
    dateOrder: values['date-order'],
    mapping: values.mapping,
    sheet: values.sheet as SheetKind | undefined
  }
}

async function readMapping (path: string | undefined): Promise<string | undefined> {
  if (!path) return undefined
  const text = await readFile(path, 'utf8').catch((error: Error) => fail(`Cannot read the mapping file: ${error.message}`))
  try {
    parseMapping(text)
  } catch (error) {
    if (error instanceof MappingError) fail(`${path}: ${error.message}`)
    throw error
  }
  return text
}

function printSummary (report: ImportReport): void {
  const lines = report.sheets.map((sheet) =>
    `  ${sheet.sheet.padEnd(24)} read ${sheet.read}, inserted ${sheet.inserted}, updated ${sheet.updated}, unchanged ${sheet.unchanged}, ` +
    `duplicates ${sheet.duplicates}, rejected ${sheet.rejected}${sheet.kind === 'interactions' ? `, inferred customers ${sheet.inferredCustomers}` : ''}`)
  for (const skipped of report.skippedSheets) lines.push(`  ${skipped.sheet.padEnd(24)} skipped: ${skipped.reason}`)
  if (report.newChannels.length > 0) lines.push(`  new channels: ${report.newChannels.join(', ')}`)
  for (const reject of report.rejects.slice(0, 20)) lines.push(`  rejected ${reject.sheet} row ${reject.row} ${reject.column}: ${reject.reason}`)
  if (report.rejectsTotal > 20) lines.push(`  … ${report.rejectsTotal - 20} more rejected cells: ${report.rejectsCsv}`)
  console.error(`${report.dryRun ? 'Dry run (nothing written)' : 'Imported'} ${report.fileName}:\n${lines.join('\n')}`)
}

const options = parseCli()
const size = (await stat(options.file).catch(() => fail(`No such file: ${options.file}`))).size
const mapping = await readMapping(options.mapping)
const bar = new SingleBar({ format: '{phase} {bar} {percentage}% | {rows} rows', stream: process.stderr, hideCursor: true }, Presets.shades_classic)
bar.start(100, 0, { phase: 'Importing', rows: 0 })
const progress = (done: number, total: number, rows: number, phase: string) => bar.update(total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0, { rows, phase })

try {
  const request = { ...options, mapping, fileName: basename(options.file), size }
  const report = process.env.MONGODB_URI
    ? await (await import('./import-direct.js')).importDirectly(request, progress)
    : await (await import('./import-remote.js')).importThroughServer(request, progress)
  bar.update(100)
  bar.stop()
  printSummary(report)
  console.log(JSON.stringify(report, null, 2))
} catch (error) {
  bar.stop()
  console.error(`Import failed: ${(error as Error).message}`)
  process.exitCode = 1
}
