import t from 'tap'
import type { CommandStartedEvent } from 'mongodb'
import { buildTestApp, bearer, createTenant } from '../helper.js'
import { eventually, startReceiver } from './receiver.js'

const POLL_MS = 1000

/** The webhook dispatcher's own commands (they carry its background comment) while `work` runs, with the time it took. */
async function dispatcherCommandsDuring (app: Awaited<ReturnType<typeof buildTestApp>>, work: () => Promise<void>) {
  const commands: string[] = []
  const listener = (event: CommandStartedEvent) => {
    if (event.command.comment === 'background: webhooks') commands.push(`${event.commandName} ${String(event.command[event.commandName])}`)
  }
  app.mongo.client.on('commandStarted', listener)
  const started = Date.now()
  try {
    await work()
  } finally {
    app.mongo.client.off('commandStarted', listener)
  }
  return { commands, polls: Math.floor((Date.now() - started) / POLL_MS) + 1 }
}

t.test('events of a client without webhook endpoints cost the dispatcher nothing beyond its poll', async (t) => {
  const app = await buildTestApp(t, { monitorCommands: true, env: { WEBHOOK_POLL_MS: String(POLL_MS), WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8,::1/128' } })
  // Another client of the database has an endpoint, so the poll has a client to fan out.
  const hooked = await createTenant(app, 'hooked')
  const receiver = await startReceiver(t)
  const created = await app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: bearer(hooked.keys.admin), payload: { url: receiver.url, eventTypes: ['direct-message'] } })
  t.equal(created.statusCode, 201, created.body)

  const quiet = await createTenant(app, 'quiet')
  for (const name of ['ann', 'bo']) await app.usersRepository.create(quiet.id, { name, role: 'agent' })
  const { commands, polls } = await dispatcherCommandsDuring(app, async () => {
    for (let i = 0; i < 30; i++) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/direct-messages', headers: bearer(quiet.keys.admin), payload: { senderId: 1, recipientId: 2, text: `no hooks ${i}` } })
      t.equal(res.statusCode, 201)
    }
  })
  // A poll reads which clients have endpoints once and looks for due deliveries once; 30 events added nothing to that.
  const distincts = commands.filter((command) => command === 'distinct webhooks').length
  const claims = commands.filter((command) => command === 'find webhookDeliveries').length
  t.ok(distincts <= polls + 1, `${distincts} reads of the clients with endpoints in ${polls} poll intervals`)
  t.ok(claims <= polls + 1, `${claims} looks for due deliveries in ${polls} poll intervals`)
  t.notOk(commands.some((command) => command.includes(quiet.hexId)), 'nothing was read or leased for the client without endpoints')
  t.equal(receiver.received.length, 0, 'and nothing was delivered')
})

t.test('an endpoint created on this instance has its events delivered, and a disabled one stops them', async (t) => {
  const app = await buildTestApp(t, { env: { WEBHOOK_POLL_MS: String(POLL_MS), WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8,::1/128' } })
  const tenant = await createTenant(app, 'watched')
  const admin = bearer(tenant.keys.admin)
  for (const name of ['ann', 'bo']) await app.usersRepository.create(tenant.id, { name, role: 'agent' })
  const receiver = await startReceiver(t)
  // Attempts run concurrently, so deliveries may arrive in any order: they are compared in the order of their events.
  const texts = () => receiver.received.map((r) => JSON.parse(r.body) as { id: number, data: { text: string } })
    .sort((a, b) => a.id - b.id).map((event) => event.data.text)
  const dm = async (text: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/direct-messages', headers: admin, payload: { senderId: 1, recipientId: 2, text } })
    t.equal(res.statusCode, 201)
  }
  await dm('before any endpoint')
  const hook = (await app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: admin, payload: { url: receiver.url, eventTypes: ['direct-message'] } })).json() as { id: string }
  await dm('first')
  await dm('second')
  await eventually(() => receiver.received.length === 2, 'both events delivered')
  t.same(texts(), ['first', 'second'], 'only the events after the endpoint')

  const disabled = await app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${hook.id}`, headers: admin, payload: { enabled: false } })
  t.equal(disabled.statusCode, 200, disabled.body)
  await dm('while disabled')
  const enabled = await app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${hook.id}`, headers: admin, payload: { enabled: true } })
  t.equal(enabled.statusCode, 200, enabled.body)
  await dm('after re-enabling')
  await eventually(() => receiver.received.length === 3, 'the event after re-enabling delivered')
  t.same(texts(), ['first', 'second', 'after re-enabling'], 'nothing stored while disabled')
})
