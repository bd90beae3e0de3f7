import t from 'tap'
import { bearer, buildTestApp, createTenant } from '../../helper.js'
import type { TSchema } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { encodeCursor } from '../../../src/lib/cursor.js'
import * as schemas from '../../../src/domains/interactions/client-stats-schemas.js'
import { handClient, neighbourClient } from './client-fixture.js'

// ajv-formats is CommonJS: its default export is the function (or, as TypeScript sees it, a module holding it).
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv

const all = { from: null, to: null }
const february = { from: '2024-02-01', to: '2024-02-29' }
/** The 29 days that end the day before 1 February. */
const januaryBefore = { from: '2024-01-03', to: '2024-01-31' }

t.test('client-wide statistics on a hand-computed client', async (t) => {
  const app = await buildTestApp(t)
  const { tenant, channels } = await handClient(app)
  const neighbour = await neighbourClient(app)
  const empty = await createTenant(app)
  const get = async (url: string, key = tenant.keys.manager) => {
    const res = await app.inject({ method: 'GET', url, headers: bearer(key) })
    return { status: res.statusCode, body: res.json() }
  }
  const ok = async (url: string, key?: string) => {
    const res = await get(url, key)
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${JSON.stringify(res.body)}`)
    return res.body
  }
  const cell = (name: string, count: number) => ({ engagementId: channels[name], name, count })
  /** Interactions per channel, in creation order: Email, Call, Chat. */
  const mix = (email: number, call: number) => [cell('Email', email), cell('Call', call), cell('Chat', 0)]
  const counted = (email: number, call: number) => ({ total: email + call, channels: mix(email, call) })

  t.test('channels: interactions and distinct customers per channel, Chat at zero', async (t) => {
    t.strictSame(await ok('/api/v1/stats/channels'), {
      tz: 'UTC',
      current: {
        period: all,
        total: 7,
        customers: 4,
        channels: [{ ...cell('Email', 4), customers: 4 }, { ...cell('Call', 3), customers: 2 }, { ...cell('Chat', 0), customers: 0 }]
      },
      previous: null
    })
    t.strictSame(await ok('/api/v1/stats/channels?from=2024-02-01&to=2024-02-29&compare=previous'), {
      tz: 'UTC',
      current: { period: february, total: 4, customers: 2, channels: [{ ...cell('Email', 2), customers: 2 }, { ...cell('Call', 2), customers: 1 }, { ...cell('Chat', 0), customers: 0 }] },
      previous: { period: januaryBefore, total: 2, customers: 1, channels: [{ ...cell('Email', 1), customers: 1 }, { ...cell('Call', 1), customers: 1 }, { ...cell('Chat', 0), customers: 0 }] }
    })
  })

  t.test('customers: ranked by interactions then id, with their channel mix and labels; the inferred one included', async (t) => {
    t.strictSame(await ok('/api/v1/stats/customers'), {
      tz: 'UTC',
      summary: { current: { period: all, customers: 4, interactions: 7, withoutCustomer: 1 }, previous: null },
      data: [
        { customerId: 1, type: 'Gold', inferred: false, current: counted(1, 1), previous: null },
        { customerId: 7, type: null, inferred: true, current: counted(1, 1), previous: null },
        { customerId: 2, type: 'Silver', inferred: false, current: counted(1, 0), previous: null },
        { customerId: 5, type: null, inferred: false, current: counted(1, 0), previous: null }
      ],
      nextCursor: null
    })
  })

  t.test('customers: compare=previous gives the same customers\' figures in the period before', async (t) => {
    t.strictSame(await ok('/api/v1/stats/customers?from=2024-02-01&to=2024-02-29&compare=previous'), {
      tz: 'UTC',
      summary: {
        current: { period: february, customers: 2, interactions: 4, withoutCustomer: 1 },
        previous: { period: januaryBefore, customers: 1, interactions: 2, withoutCustomer: 0 }
      },
      data: [
        { customerId: 7, type: null, inferred: true, current: counted(1, 1), previous: counted(0, 0) },
        { customerId: 2, type: 'Silver', inferred: false, current: counted(1, 0), previous: counted(0, 0) }
      ],
      nextCursor: null
    })
  })

  t.test('customers: cursor pages walk the ranking without gaps or repeats', async (t) => {
    for (const limit of [1, 2, 3]) {
      const seen: number[] = []
      let cursor: string | null = null
      for (let page = 0; page < 10; page++) {
        const body = await ok(`/api/v1/stats/customers?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
        t.ok(body.data.length <= limit)
        t.equal(body.summary.current.customers, 4, 'the summary covers the whole ranking on every page')
        seen.push(...body.data.map((row: { customerId: number }) => row.customerId))
        cursor = body.nextCursor
        if (!cursor) break
      }
      t.strictSame(seen, [1, 7, 2, 5], `limit ${limit}`)
    }
  })

  t.test('the date bounds are whole local days of tz', async (t) => {
    const ids = async (query: string) => (await ok(`/api/v1/stats/customers?${query}`)).data.map((row: { customerId: number, current: { total: number } }) => [row.customerId, row.current.total])
    t.strictSame(await ids('from=2024-02-29&to=2024-02-29'), [[7, 1]], '23:30 UTC on 29 February is in that day')
    t.strictSame(await ids('to=2024-02-28&from=2024-02-01'), [[2, 1], [7, 1]])
    t.strictSame(await ids('from=2024-02-01&to=2024-02-29&tz=Asia/Tokyo'), [[2, 1], [7, 1]], 'in Tokyo the last Call is on 1 March')
    t.strictSame(await ids('from=2024-03-01&to=2024-03-01&tz=Asia/Tokyo'), [[7, 1]])
    t.strictSame(await ids('from=2024-03-16'), [])
    const tokyo = await ok('/api/v1/stats/channels?from=2024-03-01&to=2024-03-31&tz=Asia/Tokyo')
    t.strictSame([tokyo.tz, tokyo.current.total, tokyo.current.channels.map((c: { count: number }) => c.count)], ['Asia/Tokyo', 2, [1, 1, 0]])
  })

  t.test('topics: explicit and calendar topics counted alike, every calendar product ranked, untagged apart', async (t) => {
    t.strictSame(await ok('/api/v1/stats/topics'), {
      tz: 'UTC',
      summary: { current: { period: all, topics: 4, untagged: 2 }, previous: null },
      data: [
        { topic: 'Sand', current: { total: 3, explicit: 1, calendar: 2, channels: mix(1, 2) }, previous: null },
        { topic: 'Boat', current: { total: 2, explicit: 1, calendar: 1, channels: mix(1, 1) }, previous: null },
        { topic: 'Refunds', current: { total: 1, explicit: 1, calendar: 0, channels: mix(0, 1) }, previous: null },
        { topic: 'Kites', current: { total: 0, explicit: 0, calendar: 0, channels: mix(0, 0) }, previous: null }
      ],
      nextCursor: null
    })
  })

  t.test('topics: compare=previous and cursor pages', async (t) => {
    const body = await ok('/api/v1/stats/topics?from=2024-02-01&to=2024-02-29&compare=previous&limit=3')
    t.strictSame(body.summary, { current: { period: february, topics: 4, untagged: 1 }, previous: { period: januaryBefore, topics: 3, untagged: 0 } })
    t.strictSame(body.data, [
      { topic: 'Sand', current: { total: 2, explicit: 0, calendar: 2, channels: mix(1, 1) }, previous: { total: 1, explicit: 1, calendar: 0, channels: mix(0, 1) } },
      { topic: 'Refunds', current: { total: 1, explicit: 1, calendar: 0, channels: mix(0, 1) }, previous: { total: 0, explicit: 0, calendar: 0, channels: mix(0, 0) } },
      { topic: 'Boat', current: { total: 0, explicit: 0, calendar: 0, channels: mix(0, 0) }, previous: { total: 2, explicit: 1, calendar: 1, channels: mix(1, 1) } }
    ])
    const rest = await ok(`/api/v1/stats/topics?from=2024-02-01&to=2024-02-29&compare=previous&limit=3&cursor=${body.nextCursor}`)
    t.strictSame(rest.data.map((row: { topic: string, current: { total: number }, previous: { total: number } }) => [row.topic, row.current.total, row.previous.total]), [['Kites', 0, 0]])
    t.equal(rest.nextCursor, null)
  })

  t.test('customer types: interactions per type, untyped and inferred customers apart, a type without interactions at zero', async (t) => {
    t.strictSame(await ok('/api/v1/stats/customer-types'), {
      tz: 'UTC',
      summary: { current: { period: all, types: 5, interactions: 7, withoutCustomer: 1 }, previous: null },
      data: [
        { type: 'Gold', inferred: false, current: counted(1, 1), previous: null },
        { type: null, inferred: true, current: counted(1, 1), previous: null },
        { type: 'Silver', inferred: false, current: counted(1, 0), previous: null },
        { type: null, inferred: false, current: counted(1, 0), previous: null },
        { type: 'Bronze', inferred: false, current: counted(0, 0), previous: null }
      ],
      nextCursor: null
    })
  })

  t.test('customer types: compare=previous and cursor pages', async (t) => {
    const first = await ok('/api/v1/stats/customer-types?from=2024-02-01&to=2024-02-29&compare=previous&limit=2')
    t.strictSame(first.summary, {
      current: { period: february, types: 5, interactions: 4, withoutCustomer: 1 },
      previous: { period: januaryBefore, types: 5, interactions: 2, withoutCustomer: 0 }
    })
    t.strictSame(first.data, [
      { type: null, inferred: true, current: counted(1, 1), previous: counted(0, 0) },
      { type: 'Silver', inferred: false, current: counted(1, 0), previous: counted(0, 0) }
    ])
    const second = await ok(`/api/v1/stats/customer-types?from=2024-02-01&to=2024-02-29&compare=previous&limit=2&cursor=${first.nextCursor}`)
    t.strictSame(second.data, [
      { type: 'Bronze', inferred: false, current: counted(0, 0), previous: counted(0, 0) },
      { type: 'Gold', inferred: false, current: counted(0, 0), previous: counted(1, 1) }
    ])
    const third = await ok(`/api/v1/stats/customer-types?from=2024-02-01&to=2024-02-29&compare=previous&limit=2&cursor=${second.nextCursor}`)
    t.strictSame(third.data, [{ type: null, inferred: false, current: counted(0, 0), previous: counted(0, 0) }])
    t.equal(third.nextCursor, null)
  })

  t.test('customers per type: every customer counted once, inferred ones under their own label, active ones per period', async (t) => {
    t.strictSame(await ok('/api/v1/stats/customer-types/customers'), {
      tz: 'UTC',
      summary: { types: 5, customers: 6, current: { period: all, active: 4 }, previous: null },
      data: [
        { type: 'Gold', inferred: false, customers: 2, current: { active: 1 }, previous: null },
        { type: 'Bronze', inferred: false, customers: 1, current: { active: 0 }, previous: null },
        { type: 'Silver', inferred: false, customers: 1, current: { active: 1 }, previous: null },
        { type: null, inferred: false, customers: 1, current: { active: 1 }, previous: null },
        { type: null, inferred: true, customers: 1, current: { active: 1 }, previous: null }
      ],
      nextCursor: null
    })
    const compared = await ok('/api/v1/stats/customer-types/customers?from=2024-02-01&to=2024-02-29&compare=previous&limit=4')
    t.strictSame(compared.summary, { types: 5, customers: 6, current: { period: february, active: 2 }, previous: { period: januaryBefore, active: 1 } })
    t.strictSame(compared.data.map((row: { type: string | null, inferred: boolean, current: { active: number }, previous: { active: number } }) =>
      [row.type, row.inferred, row.current.active, row.previous.active]), [['Gold', false, 0, 1], ['Bronze', false, 0, 0], ['Silver', false, 1, 0], [null, false, 0, 0]])
    const rest = await ok(`/api/v1/stats/customer-types/customers?from=2024-02-01&to=2024-02-29&compare=previous&limit=4&cursor=${compared.nextCursor}`)
    t.strictSame(rest.data, [{ type: null, inferred: true, customers: 1, current: { active: 1 }, previous: { active: 0 } }])
  })

  t.test('another client\'s data stays invisible, and its own figures are its own', async (t) => {
    const theirs = await ok('/api/v1/stats/customers', neighbour.keys.manager)
    t.strictSame(theirs.data.map((row: { customerId: number, type: string | null, inferred: boolean, current: { total: number } }) =>
      [row.customerId, row.type, row.inferred, row.current.total]), [[1, 'Gold', false, 2], [8, null, true, 1], [9, 'Platinum', false, 1]])
    const topics = await ok('/api/v1/stats/topics', neighbour.keys.manager)
    t.strictSame(topics.data.map((row: { topic: string }) => row.topic), ['Secret'])
    const types = await ok('/api/v1/stats/customer-types/customers', neighbour.keys.manager)
    t.strictSame(types.summary, { types: 3, customers: 3, current: { period: all, active: 3 }, previous: null })
  })

  t.test('a client with nothing gets empty rankings and zero summaries', async (t) => {
    const key = empty.keys.manager
    t.strictSame(await ok('/api/v1/stats/channels', key), { tz: 'UTC', current: { period: all, total: 0, customers: 0, channels: [] }, previous: null })
    t.strictSame(await ok('/api/v1/stats/customers', key), { tz: 'UTC', summary: { current: { period: all, customers: 0, interactions: 0, withoutCustomer: 0 }, previous: null }, data: [], nextCursor: null })
    t.strictSame(await ok('/api/v1/stats/topics', key), { tz: 'UTC', summary: { current: { period: all, topics: 0, untagged: 0 }, previous: null }, data: [], nextCursor: null })
    t.strictSame(await ok('/api/v1/stats/customer-types?from=2024-01-01&to=2024-01-31&compare=previous', key), {
      tz: 'UTC',
      summary: { current: { period: { from: '2024-01-01', to: '2024-01-31' }, types: 0, interactions: 0, withoutCustomer: 0 }, previous: { period: { from: '2023-12-01', to: '2023-12-31' }, types: 0, interactions: 0, withoutCustomer: 0 } },
      data: [],
      nextCursor: null
    })
    t.strictSame(await ok('/api/v1/stats/customer-types/customers', key), { tz: 'UTC', summary: { types: 0, customers: 0, current: { period: all, active: 0 }, previous: null }, data: [], nextCursor: null })
  })

  const routes = ['/api/v1/stats/channels', '/api/v1/stats/customers', '/api/v1/stats/topics', '/api/v1/stats/customer-types', '/api/v1/stats/customer-types/customers']

  t.test('every bad query is a 400 with its reason, on every route', async (t) => {
    const cases: [string, string][] = [
      ['compare=previous', 'COMPARISON_NEEDS_RANGE'],
      ['from=2024-01-01&compare=previous', 'COMPARISON_NEEDS_RANGE'],
      ['from=2024-02-01&to=2024-01-31', 'INVERTED_RANGE'],
      ['tz=Mars/Olympus_Mons', 'UNKNOWN_TIME_ZONE'],
      ['from=2024-02-30', 'VALIDATION_ERROR'],
      ['to=31/01/2024', 'VALIDATION_ERROR'],
      ['compare=next', 'VALIDATION_ERROR'],
      ['customerId=1', 'VALIDATION_ERROR']
    ]
    for (const route of routes) {
      for (const [query, code] of cases) {
        const res = await get(`${route}?${query}`)
        t.strictSame([res.status, res.body.code], [400, code], `${route}?${query}`)
      }
    }
  })

  t.test('ranking pages are bounded and their cursors checked', async (t) => {
    const forged: Record<string, string[]> = {
      '/api/v1/stats/customers': [encodeCursor({ total: 'many', customerId: 1 }), encodeCursor({ total: 1, customerId: 0 }), encodeCursor({ total: 1, topic: 'Sand' })],
      '/api/v1/stats/topics': [encodeCursor({ total: 1, topic: 7 }), encodeCursor({ total: -1, topic: 'Sand' }), encodeCursor({ total: 1, customerId: 1 })],
      '/api/v1/stats/customer-types': [encodeCursor({ total: 1, category: 3, type: null }), encodeCursor({ total: 1, category: 0, type: 5 }), encodeCursor({ customers: 1, category: 0, type: 'Gold' })],
      '/api/v1/stats/customer-types/customers': [encodeCursor({ customers: 1.5, category: 0, type: 'Gold' }), encodeCursor({ total: 1, category: 0, type: 'Gold' })]
    }
    for (const [route, cursors] of Object.entries(forged)) {
      for (const query of ['limit=0', 'limit=101', 'limit=ten']) {
        const res = await get(`${route}?${query}`)
        t.strictSame([res.status, res.body.code], [400, 'VALIDATION_ERROR'], `${route}?${query}`)
      }
      for (const cursor of [...cursors, 'not-a-cursor', encodeCursor({ $where: 'sleep(1000)' })]) {
        const res = await get(`${route}?cursor=${encodeURIComponent(cursor)}`)
        t.strictSame([res.status, res.body.code], [400, 'INVALID_CURSOR'], `${route} cursor ${cursor}`)
      }
      t.equal((await get(`${route}?limit=100`)).status, 200, `${route}?limit=100`)
    }
  })

  t.test('the client-wide statistics need a manager key', async (t) => {
    for (const route of routes) {
      const res = await get(route, tenant.keys.agent)
      t.strictSame([res.status, res.body], [403, { statusCode: 403, code: 'FORBIDDEN', error: 'This route needs the manager role; this key has agent' }], route)
      t.equal((await app.inject({ method: 'GET', url: route })).statusCode, 401, `${route} without a key`)
    }
  })

  t.test('every response schema carries an example that it accepts', async (t) => {
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }))
    const responses = Object.entries(schemas).filter(([name]) => name.endsWith('ResponseSchema')) as [string, TSchema][]
    t.equal(responses.length, 5)
    for (const [name, schema] of responses) {
      t.equal(schema.examples?.length, 1, name)
      const validate = ajv.compile(schema)
      t.ok(validate(schema.examples[0]), `${name}: ${ajv.errorsText(validate.errors)}`)
    }
  })

  t.test('the OpenAPI document describes each route with its parameters, responses and tag', async (t) => {
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
    for (const route of routes) {
      const operation = spec.paths[route].get
      t.strictSame(operation.tags, ['statistics'], route)
      t.strictSame(Object.keys(operation.responses).sort(), ['200', '400', '401', '403', '429', '503'], route)
      const names = operation.parameters.map((param: { name: string }) => param.name).sort()
      t.strictSame(names, route === '/api/v1/stats/channels' ? ['compare', 'from', 'to', 'tz'] : ['compare', 'cursor', 'from', 'limit', 'to', 'tz'], route)
      t.ok(operation.description.length > 40, `${route} is described`)
      t.type(operation.responses['200'].content['application/json'].example, 'object', `${route} shows an example answer`)
    }
  })
})
