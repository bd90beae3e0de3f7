import t from 'tap'
import { detectSheet, headerKey, matchHeaders, sheetKindNamed } from '../../../src/domains/imports/sheets.js'
import { parseMapping } from '../../../src/domains/imports/mapping.js'
import { cleanRow, isBlankRow } from '../../../src/domains/imports/rows.js'

const context = { dateOrder: 'day-first' as const, knownChannels: [] }

t.test('headers match without case, spaces or underscores', async (t) => {
  t.equal(headerKey(' Customer_Id '), 'customerid')
  t.equal(headerKey('customer id'), 'customerid')
  t.same(detectSheet(['CUSTOMER ID', 'occupation', ' TYPE ']), { ok: true, kind: 'customers', columns: { customerId: 0, occupation: 1, type: 2 } })
  t.same(detectSheet(['customers', 'date start', 'INTERACTION']), { ok: true, kind: 'interactions', columns: { customerId: 0, date: 1, channel: 2 } })
  t.same(detectSheet(['Date', 'Product', 'Notes']), { ok: true, kind: 'topics', columns: { month: 0, product: 1 } })
})

t.test('a sheet is named by its title or its kind', async (t) => {
  t.equal(sheetKindNamed('External interactions'), 'interactions')
  t.equal(sheetKindNamed('products of discussion'), 'topics')
  t.equal(sheetKindNamed('customers'), 'customers')
  t.equal(sheetKindNamed('Orders'), undefined)
})

t.test('a header row matching no sheet is explained', async (t) => {
  const detection = detectSheet(['When', 'Channel', 'Who'])
  t.same(detection, {
    ok: false,
    reason: 'headers ["When","Channel","Who"] match no sheet; expected one of: Customers (Customer_Id, Occupation, Type); ' +
      'External interactions (Date Start, Interaction, Customers); Products of discussion (Date, Product)'
  })
})

t.test('the sheet recognising most columns wins; a tie needs --sheet', async (t) => {
  t.same(detectSheet(['Customer_Id', 'Date', 'Product']), { ok: true, kind: 'topics', columns: { month: 1, product: 2 } })
  const headers = ['Customer_Id', 'Occupation', 'Date', 'Product']
  t.same(detectSheet(headers), { ok: false, reason: 'headers match several sheets (Customers, Products of discussion): name one with --sheet' })
  t.same(detectSheet(headers, {}, 'topics'), { ok: true, kind: 'topics', columns: { month: 2, product: 3 } })
})

t.test('a forced sheet must have its required columns', async (t) => {
  t.same(detectSheet(['Date', 'Product'], {}, 'interactions'), { ok: false, reason: 'not a External interactions sheet: missing column "Date Start", "Interaction", "Customers"' })
})

t.test('two columns giving the same field are refused', async (t) => {
  t.same(matchHeaders('customers', ['Customer_Id', 'customer id']), { ok: false, reason: 'two columns give Customer_Id: "Customer_Id" and "customer id"' })
})

t.test('a mapping file renames source columns per sheet', async (t) => {
  const mapping = parseMapping(JSON.stringify({
    'External interactions': { When: 'Date Start', channel: 'interaction', 'Client Ref': 'Customers' },
    customers: { 'Client Ref': 'Customer_Id' }
  }))
  t.same(detectSheet(['when', 'CHANNEL', 'client ref'], mapping), { ok: true, kind: 'interactions', columns: { date: 0, channel: 1, customerId: 2 } })
  t.same(detectSheet(['Client Ref', 'Occupation'], mapping), { ok: true, kind: 'customers', columns: { customerId: 0, occupation: 1 } })
})

t.test('a bad mapping file is refused with its reason', async (t) => {
  t.throws(() => parseMapping('{'), { name: 'MappingError', message: /^the mapping is not JSON: / })
  t.throws(() => parseMapping('[]'), { message: 'the mapping must be an object of sheets: {"Customers": {"Client Ref": "Customer_Id"}}' })
  t.throws(() => parseMapping('{"Orders": {}}'), { message: 'the mapping names an unknown sheet "Orders" (known: Customers, External interactions, Products of discussion)' })
  t.throws(() => parseMapping('{"Customers": "x"}'), { message: 'the mapping for "Customers" must be an object of "source header": "target header"' })
  t.throws(() => parseMapping('{"Customers": {"Job": "Salary"}}'), { message: 'the mapping renames "Job" to "Salary", which is not a column of Customers (Customer_Id, Occupation, Type)' })
  t.throws(() => parseMapping('{"Customers": {"Job": 3}}'), { message: 'the mapping renames "Job" to 3, which is not a column of Customers (Customer_Id, Occupation, Type)' })
})

t.test('a row is cleaned into its record', async (t) => {
  t.same(cleanRow('customers', { customerId: 0, occupation: 1, type: 2 }, [' 3 ', ' Santa  Claus ', ''], context), { ok: true, record: { customerId: 3, occupation: 'Santa Claus' } })
  t.same(cleanRow('customers', { customerId: 0 }, ['1.0'], context), { ok: true, record: { customerId: 1 } })
  t.same(cleanRow('interactions', { date: 0, channel: 1, customerId: 2 }, ['04/10/2019 09:00', ' email ', '1'], context),
    { ok: true, record: { date: new Date('2019-10-04T09:00:00Z'), channel: 'Email', customerId: 1 } })
  t.same(cleanRow('topics', { month: 0, product: 1 }, ['01-2019', ' Sand '], context), { ok: true, record: { month: '2019-01', product: 'Sand' } })
})

t.test('a bad row lists every cell that stops it', async (t) => {
  t.same(cleanRow('interactions', { date: 0, channel: 1, customerId: 2 }, ['31/02/2020', '', 'abc'], context), {
    ok: false,
    problems: [
      { column: 'Date Start', value: '31/02/2020', reason: '"31/02/2020" is not a valid day-first date' },
      { column: 'Interaction', value: '', reason: 'is empty' },
      { column: 'Customers', value: 'abc', reason: '"abc" is not a whole number' }
    ]
  })
  t.same(cleanRow('topics', { month: 0, product: 1 }, ['2019', undefined], context), {
    ok: false,
    problems: [
      { column: 'Date', value: '2019', reason: '"2019" is not a month (expected MM-YYYY)' },
      { column: 'Product', value: '', reason: 'is empty' }
    ]
  })
})

t.test('blank rows are recognised', async (t) => {
  t.ok(isBlankRow(['', ' ', null, undefined]))
  t.notOk(isBlankRow(['', 'x']))
})

t.test('the committed seed workbook holds the seed\'s three tables exactly', async (t) => {
  const { readSheets } = await import('../../../src/domains/imports/readers.js')
  const { seedWorkbookPath, seedWorkbookTables } = await import('../../../mock_data/make-workbook.js')
  const read: Record<string, unknown[][]> = {}
  for await (const sheet of readSheets(seedWorkbookPath, 'xlsx', 'seed-interactions.xlsx')) {
    read[sheet.name] = []
    for await (const row of sheet.rows) if ('cells' in row) read[sheet.name]?.push(row.cells)
  }
  t.same(read, seedWorkbookTables)
})
