import t from 'tap'
import { readFile } from 'node:fs/promises'
import ExcelJS from 'exceljs'
import { bearer, buildTestApp, createTenant } from '../../helper.js'
import { dataCounts, upload } from './helper.js'

const csv = (name: string, ...lines: string[]) => ({ name, content: `${lines.join('\n')}\n` })
const empty = { customers: 0, engagements: 0, interactions: 0, topics: 0 }

t.test('import rules through the endpoint', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'rules')
  const other = await createTenant(app, 'other')
  const interactions = () => app.mongo.db.collection('interactions').find({ clientId: tenant.id }).sort({ interactionDate: 1 }).toArray()

  t.test('each rejection reason is reported with its sheet, row and column, and stores nothing', async (t) => {
    const res = await upload(app, other.keys.admin, csv('customers.csv',
      'customer id,OCCUPATION,type',
      '1.5,Jedi,Red',
      ',Batman,Orange',
      `7,${'x'.repeat(201)},Blue`,
      '8,Doctor,"unclosed'
    ))
    t.equal(res.statusCode, 201, res.body)
    t.same(res.json().rejects, [
      { sheet: 'customers.csv', row: 2, column: 'Customer_Id', value: '1.5', reason: '"1.5" is not a whole number' },
      { sheet: 'customers.csv', row: 3, column: 'Customer_Id', value: '', reason: 'is empty' },
      { sheet: 'customers.csv', row: 4, column: 'Occupation', value: 'x'.repeat(100), reason: 'longer than 200 characters' },
      { sheet: 'customers.csv', row: 5, column: '', value: '', reason: 'unreadable CSV record: Quote Not Closed: the parsing is finished with an opening quote at line 5' }
    ])
    t.match(res.json().sheets[0], { kind: 'customers', read: 4, rejected: 4, inserted: 0 })
    t.same(await dataCounts(app, other.id), empty)

    const topics = await upload(app, other.keys.admin, csv('products.csv', 'Date,Product', '13-2019,Sand', '01-2019,', '2019,Glass'))
    t.same(topics.json().rejects.map((reject: { row: number, column: string, reason: string }) => [reject.row, reject.column, reject.reason]), [
      [2, 'Date', '"13-2019" is not a month (expected MM-YYYY)'],
      [3, 'Product', 'is empty'],
      [4, 'Date', '"2019" is not a month (expected MM-YYYY)']
    ])
    t.same(await dataCounts(app, other.id), empty)
  })

  t.test('ids written 1, "1.0" and " 1 " are one customer; blank rows are skipped', async (t) => {
    const res = await upload(app, tenant.keys.admin, csv('customers.csv', 'Customer_Id,Occupation,Type', '1,Jedi,Red', ',,', ' 1.0 , Jedi , Red ', '"1",Jedi,Red'))
    t.match(res.json().sheets[0], { read: 3, inserted: 1, duplicates: 2, rejected: 0 })
    t.match((await app.inject({ method: 'GET', url: '/api/v1/customers/1', headers: bearer(tenant.keys.agent) })).json(), { occupation: 'Jedi', type: 'Red' })
  })

  t.test('a later row of the same file that changes a customer counts as an update', async (t) => {
    const res = await upload(app, tenant.keys.admin, csv('customers.csv', 'Customer_Id,Occupation,Type', '2,Batman,Orange', '2,Batman,Black'))
    t.match(res.json().sheets[0], { read: 2, inserted: 1, updated: 1, duplicates: 0 })
    t.match((await app.inject({ method: 'GET', url: '/api/v1/customers/2', headers: bearer(tenant.keys.agent) })).json(), { type: 'Black' })
  })

  t.test('month-first reads 10/04/2019 as 4 October', async (t) => {
    const res = await upload(app, tenant.keys.admin, csv('calls.csv', 'Date Start,Interaction,Customers', '10/04/2019 09:00,Call,1'), { fields: { date_order: 'month-first' } })
    t.equal(res.statusCode, 201, res.body)
    t.same((await interactions()).map((doc) => doc.interactionDate.toISOString()), ['2019-10-04T09:00:00.000Z'])
  })

  t.test('products imported later tag the calendar topics of that month\'s interactions', async (t) => {
    const res = await upload(app, tenant.keys.admin, csv('products.csv', 'Date,Product', '10-2019,Sand', '10-2019,Sand', '11-2019,Glass'))
    t.match(res.json().sheets[0], { kind: 'topics', read: 3, inserted: 2, duplicates: 1 })
    t.same((await interactions()).map((doc) => doc.topics), [['Sand']])
  })

  t.test('real date cells and Excel serials of a workbook are read as UTC', async (t) => {
    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('Calls')
    sheet.addRows([['Customers', 'Interaction', 'Date Start'], [5, 'call', new Date('2020-05-16T12:00:00Z')], [5, 'Call', 43967.5]])
    const res = await upload(app, tenant.keys.admin, { name: 'calls.xlsx', content: Buffer.from(await workbook.xlsx.writeBuffer()) })
    t.match(res.json().sheets[0], { sheet: 'Calls', read: 2, inserted: 2, inferredCustomers: 1 })
    const customer5 = (await interactions()).filter((doc) => doc.customerId === 5)
    t.same(customer5.map((doc) => [doc.interactionDate.toISOString(), doc.custom['Date Start']]),
      [['2020-05-16T12:00:00.000Z', '2020-05-16T12:00:00.000Z'], ['2020-05-16T12:00:00.000Z', 43967.5]])
  })

  t.test('a mapping file renames the source columns', async (t) => {
    const mapping = await readFile(new URL('../../../mock_data/crm-mapping.json', import.meta.url), 'utf8')
    const content = await readFile(new URL('../../../mock_data/crm-customers.csv', import.meta.url))
    const res = await upload(app, tenant.keys.admin, { name: 'crm-customers.csv', content }, { fields: { mapping } })
    t.equal(res.statusCode, 201, res.body)
    t.match(res.json().sheets[0], { kind: 'customers', read: 2, inserted: 2 })
    t.match((await app.inject({ method: 'GET', url: '/api/v1/customers/22', headers: bearer(tenant.keys.agent) })).json(), { occupation: 'Chef; pastry', type: 'Orange' })
  })

  t.test('--sheet settles a CSV whose headers match two sheets', async (t) => {
    const file = csv('mixed.csv', 'Customer_Id,Occupation,Date,Product', '30,Baker,12-2020,Bread')
    const ambiguous = await upload(app, tenant.keys.admin, file)
    t.same([ambiguous.statusCode, ambiguous.json().error], [400, 'No sheet of mixed.csv could be imported (mixed.csv: headers match several sheets (Customers, Products of discussion): name one with --sheet)'])
    const settled = await upload(app, tenant.keys.admin, file, { query: 'sheet=topics' })
    t.match(settled.json().sheets[0], { kind: 'topics', inserted: 1, ignoredColumns: ['Customer_Id', 'Occupation'] })
  })

  t.test('a file nothing can be taken from is a 400 and stores nothing', async (t) => {
    const before = await dataCounts(app, tenant.id)
    const cases: { file: { name: string, content: string }, fields?: Record<string, string>, error: string | RegExp }[] = [
      {
        file: csv('orders.csv', 'Order,Amount', '1,2'),
        error: 'No sheet of orders.csv could be imported (orders.csv: headers ["Order","Amount"] match no sheet; expected one of: ' +
          'Customers (Customer_Id, Occupation, Type); External interactions (Date Start, Interaction, Customers); Products of discussion (Date, Product))'
      },
      { file: { name: 'empty.csv', content: '' }, error: 'No sheet of empty.csv could be imported (empty.csv: the sheet is empty)' },
      { file: { name: 'broken.xlsx', content: 'not a zip' }, error: /^broken\.xlsx could not be read as an \.xlsx workbook: / },
      {
        file: csv('c.csv', 'Customer_Id', '1'),
        fields: { mapping: '{"Orders":{}}' },
        error: 'the mapping names an unknown sheet "Orders" (known: Customers, External interactions, Products of discussion)'
      },
      { file: { name: 'seed.xlsx', content: 'x' }, fields: { sheet: 'customers' }, error: 'sheet applies to a CSV file only: a workbook\'s sheets are recognised by their headers' }
    ]
    for (const { file, fields, error } of cases) {
      const res = await upload(app, tenant.keys.admin, file, { fields })
      t.same([res.statusCode, res.json().code], [400, 'BAD_REQUEST'], file.name)
      if (typeof error === 'string') t.equal(res.json().error, error)
      else t.match(res.json().error, error)
    }
    t.same(await dataCounts(app, tenant.id), before)
  })

  t.test('bad requests are refused before reading anything', async (t) => {
    const wrongType = await upload(app, tenant.keys.admin, { name: 'notes.pdf', content: 'x' })
    t.same(wrongType.json(), { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', error: 'Cannot import "notes.pdf": send an .xlsx workbook or a .csv file' })
    const noFile = await upload(app, tenant.keys.admin, { name: 'a.csv', content: 'x' }, { fileField: 'attachment' })
    t.equal(noFile.statusCode, 400)
    const badOption = await upload(app, tenant.keys.admin, csv('a.csv', 'Customer_Id', '1'), { query: 'date_order=sideways' })
    t.same([badOption.statusCode, badOption.json().details], [400, [{ field: 'querystring/date_order', message: 'must be equal to one of the allowed values' }]])
    const unknown = await upload(app, tenant.keys.admin, csv('a.csv', 'Customer_Id', '1'), { fields: { owner: 'me' } })
    t.equal(unknown.statusCode, 400)
    const json = await app.inject({ method: 'POST', url: '/api/v1/imports', headers: bearer(tenant.keys.admin), payload: { file: '/etc/passwd' } })
    t.same(json.json(), { statusCode: 400, code: 'BAD_REQUEST', error: 'Send the file as multipart/form-data in the field "file"' })
    for (const key of [tenant.keys.manager, tenant.keys.agent]) {
      t.equal((await upload(app, key, csv('a.csv', 'Customer_Id', '1'))).statusCode, 403)
    }
  })

  t.test('another client\'s import answers 404', async (t) => {
    const theirs = (await app.inject({ method: 'GET', url: '/api/v1/imports', headers: bearer(other.keys.manager) })).json().data[0].id
    for (const url of [`/api/v1/imports/${theirs}`, `/api/v1/imports/${theirs}/rejects.csv`, '/api/v1/imports/5f18d12f42262eec0d43567d']) {
      const res = await app.inject({ method: 'GET', url, headers: bearer(tenant.keys.manager) })
      t.equal(res.statusCode, 404, url)
      t.match(res.json().error, /^Import [0-9a-f]{24} not found$/)
    }
  })
})
