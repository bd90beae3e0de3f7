import t from 'tap'
import { buildTestApp, bearer } from '../../helper.js'
import { chatsSeeder } from '../../../mock_data/seeders/chats.js'
import { hashKey } from '../../../src/domains/clients/api-keys-repository.js'

const agent = bearer('sb_demo_acme_agent')

t.test('the demo data holds the agent-chat seed\'s chats and messages', async (t) => {
  const app = await buildTestApp(t, { seed: true })
  const acme = app.demoClients?.find((client) => client.nickName === 'acme')
  if (!acme) throw new Error('the demo client acme is missing')
  const db = app.mongo.db
  const chatsOf = () => db.collection('chats').find({ clientId: acme.id }, { projection: { _id: 0, clientId: 0 } }).sort({ chatId: 1 }).toArray()
  const messagesOf = () => db.collection('messages').find({ clientId: acme.id }, { projection: { _id: 0, clientId: 0 } }).sort({ messageId: 1 }).toArray()

  t.test('chats exactly as the seed\'s table, times in UTC to the millisecond', async (t) => {
    const at = (time: string) => new Date(`2020-09-29T${time}Z`)
    t.same(await chatsOf(), [
      { chatId: 1, customerName: 'John', state: 'closed', created: at('08:55:20.540'), userId: 1, handleStart: at('09:00:20.540'), handleEnd: at('09:05:20.540') },
      { chatId: 2, customerName: 'Jane', state: 'open', created: at('09:00:20.540'), userId: 1, handleStart: at('09:02:20.540') },
      { chatId: 3, customerName: 'Jerry', state: 'closed', created: at('09:00:20.540'), userId: 3, handleStart: at('09:02:20.540'), handleEnd: at('09:05:20.540') },
      { chatId: 4, customerName: 'Jacintha', state: 'closed', created: at('08:40:20.540'), userId: 3, handleStart: at('08:44:20.540'), handleEnd: at('08:54:20.540') },
      { chatId: 5, customerName: 'Julia', state: 'queued', created: at('08:55:20.540') },
      { chatId: 6, customerName: 'Joseph', state: 'queued', created: at('08:50:20.540') }
    ])
  })

  t.test('messages exactly as the seed\'s table; the customer\'s have no user', async (t) => {
    const messages = await messagesOf()
    const keyId = async (key: string) => (await db.collection('apiKeys').findOne({ hash: hashKey(key) }))?._id
    const widget = await keyId('sb_demo_acme_agent')
    t.equal(messages.length, 13)
    t.same(messages[0], { chatId: 1, messageId: 1, text: 'Hello, I need to cancel my reservation.', sentAt: new Date('2020-09-29T09:00:20.540Z'), createdByKeyId: widget })
    t.same(messages[11], {
      chatId: 4, messageId: 12, text: 'You can find it on our website.', userId: 3, sentAt: new Date('2020-09-29T08:53:20.540Z'), createdByKeyId: await keyId('sb_demo_acme_user3')
    })
    t.same(messages.map((message) => message.userId ?? null), [null, 1, 1, null, null, 1, null, 3, null, null, 3, 3, null])
    const authors = [widget, await keyId('sb_demo_acme_user1'), undefined, await keyId('sb_demo_acme_user3')]
    t.same(messages.map((message) => message.createdByKeyId), messages.map((message) => authors[message.userId ?? 0]),
      'an agent\'s message was written by that agent\'s bound key, the customer\'s by the integration key')
  })

  t.test('the canonical API lists chat 3\'s messages in order, ties by id', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/chats/3/messages', headers: agent })
    t.same(res.json(), {
      data: [
        { id: 7, chatId: 3, text: 'What are your opening hours?.', userId: null, sentAt: '2020-09-29T09:02:20.540Z' },
        { id: 8, chatId: 3, text: 'Monday to Friday, 9am to 6pm.', userId: 3, sentAt: '2020-09-29T09:04:20.540Z' },
        { id: 9, chatId: 3, text: 'Thanks.', userId: null, sentAt: '2020-09-29T09:04:20.540Z' }
      ],
      nextCursor: null
    })
  })

  t.test('seeding again changes nothing', async (t) => {
    const [chats, messages] = [await chatsOf(), await messagesOf()]
    await chatsSeeder.seed({ db, clients: Object.fromEntries(app.demoClients?.map((client) => [client.nickName, client.id]) ?? []) as never })
    t.same(await chatsOf(), chats)
    t.same(await messagesOf(), messages)
  })

  t.test('new chats and messages get the ids after the seed\'s', async (t) => {
    const chat = await app.inject({ method: 'POST', url: '/api/v1/chats', headers: agent, payload: { customerName: 'Jim' } })
    t.equal(chat.json().id, 7)
    const message = await app.inject({ method: 'POST', url: '/chats/5/messages', headers: agent, payload: { text: 'Is anyone there?' } })
    t.equal(message.statusCode, 201)
    t.equal(message.json().message_id, 14)
  })
})
