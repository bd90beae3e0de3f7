import t from 'tap'
import { buildTestApp, bearer, createTenant } from '../../helper.js'

t.test('chatrooms', async (t) => {
  const app = await buildTestApp(t)
  const tenant = await createTenant(app, 'rooms')
  const other = await createTenant(app, 'rooms-other')
  const admin = bearer(tenant.keys.admin)
  for (const name of ['aaron', 'betty', 'carol', 'dave']) await app.usersRepository.create(tenant.id, { name, role: 'agent' })
  for (const name of ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']) await app.usersRepository.create(other.id, { name, role: 'agent' })
  const inject = (method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method, url, payload, headers: { ...admin, ...headers } })
  const rooms = () => app.mongo.db.collection('chatrooms').countDocuments({ clientId: tenant.id })
  const messages = (filter = {}) => app.mongo.db.collection('chatroomMessages').countDocuments({ clientId: tenant.id, ...filter })

  // Room 1: aaron (1), betty (2), carol (3); dave (4) is not a member.
  const created = await inject('POST', '/api/v1/chatrooms', { name: 'my chatroom', createdBy: 1, memberIds: [2, 3, 1] })

  t.test('creates a chatroom whose members are its creator and the listed users, with the client\'s next integer id', async (t) => {
    t.equal(created.statusCode, 201)
    t.match(created.json(), { id: 1, name: 'my chatroom', createdBy: 1, memberCount: 3 })
    const theirs = await app.inject({ method: 'POST', url: '/api/v1/chatrooms', headers: bearer(other.keys.admin), payload: { name: 'theirs', createdBy: 6 } })
    t.match(theirs.json(), { id: 1, name: 'theirs', createdBy: 6, memberCount: 1 }, 'ids count per client')
    const second = await app.inject({ method: 'POST', url: '/api/v1/chatrooms', headers: bearer(other.keys.admin), payload: { name: 'theirs too', createdBy: 6 } })
    t.equal(second.json().id, 2)
    const third = await app.inject({ method: 'POST', url: '/api/v1/chatrooms', headers: bearer(other.keys.admin), payload: { name: 'theirs three', createdBy: 6 } })
    t.equal(third.json().id, 3)
  })

  t.test('a chatroom with unknown or another client\'s users is a 404 naming them, storing nothing', async (t) => {
    const before = await rooms()
    const res = await inject('POST', '/api/v1/chatrooms', { name: 'x', createdBy: 1, memberIds: [6, 5] })
    t.equal(res.statusCode, 404)
    t.same(res.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Users 6, 5 not found' })
    const blank = await inject('POST', '/api/v1/chatrooms', { name: '   ', createdBy: 1 })
    t.equal(blank.statusCode, 400)
    const repeated = await inject('POST', '/api/v1/chatrooms', { name: 'x', createdBy: 1, memberIds: [2, 2] })
    t.equal(repeated.statusCode, 400)
    t.equal(await rooms(), before)
  })

  t.test('lists and gets chatrooms; another client\'s chatroom id is a 404', async (t) => {
    const list = await inject('GET', '/api/v1/chatrooms')
    t.same(list.json().data.map((room: { name: string }) => room.name), ['my chatroom'])
    t.equal(list.json().nextCursor, null)
    const one = await inject('GET', '/api/v1/chatrooms/1')
    t.same(one.json(), created.json())
    const theirs = await inject('GET', '/api/v1/chatrooms/3')
    t.equal(theirs.statusCode, 404)
    t.same(theirs.json(), { statusCode: 404, code: 'NOT_FOUND', error: 'Chatroom 3 not found' })
  })

  t.test('a member invites users; inviting again changes nothing; a non-member may not invite', async (t) => {
    const extra = await inject('POST', '/api/v1/chatrooms', { name: 'side room', createdBy: 2 })
    const id = extra.json().id
    const invited = await inject('POST', `/api/v1/chatrooms/${id}/members`, { invitedBy: 2, userIds: [1, 4] })
    t.equal(invited.statusCode, 200)
    t.equal(invited.json().memberCount, 3)
    const again = await inject('POST', `/api/v1/chatrooms/${id}/members`, { invitedBy: 2, userIds: [1, 4] })
    t.equal(again.json().memberCount, 3)
    const outsider = await inject('POST', '/api/v1/chatrooms/1/members', { invitedBy: 4, userIds: [4] })
    t.equal(outsider.statusCode, 403)
    t.same(outsider.json(), { statusCode: 403, code: 'FORBIDDEN', error: 'User 4 is not a member of chatroom 1' })
    const unknown = await inject('POST', '/api/v1/chatrooms/1/members', { invitedBy: 1, userIds: [4, 9] })
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.json().error, 'User 9 not found')
    t.equal((await inject('GET', '/api/v1/chatrooms/1')).json().memberCount, 3, 'a refused invitation adds no one')

    const members = await inject('GET', `/api/v1/chatrooms/${id}/members?limit=2`)
    t.same(members.json().data.map((user: { id: number, name: string }) => [user.id, user.name]), [[1, 'aaron'], [2, 'betty']])
    const rest = await inject('GET', `/api/v1/chatrooms/${id}/members?limit=2&cursor=${members.json().nextCursor}`)
    t.same(rest.json().data.map((user: { id: number }) => user.id), [4])
    t.equal(rest.json().nextCursor, null)

    const davesRooms = await inject('GET', '/api/v1/users/4/chatrooms')
    t.same(davesRooms.json().data.map((room: { id: number }) => room.id), [id])
    const aaronsRooms = await inject('GET', '/api/v1/users/1/chatrooms?limit=1')
    t.same(aaronsRooms.json().data.map((room: { id: number }) => room.id), [1])
    const aaronsNext = await inject('GET', `/api/v1/users/1/chatrooms?limit=1&cursor=${aaronsRooms.json().nextCursor}`)
    t.same(aaronsNext.json().data.map((room: { id: number }) => room.id), [id])
    t.equal((await inject('GET', '/api/v1/users/9/chatrooms')).statusCode, 404)
  })

  t.test('a member posts a message; a non-member gets 403 and an unknown sender 404, storing nothing', async (t) => {
    const res = await inject('POST', '/api/v1/chatrooms/1/messages', { senderId: 2, text: 'hi. how are you?' })
    t.equal(res.statusCode, 201)
    t.match(res.json(), { id: 1, chatroomId: 1, senderId: 2, text: 'hi. how are you?' })
    const before = await messages()
    const outsider = await inject('POST', '/api/v1/chatrooms/1/messages', { senderId: 4, text: 'let me in' })
    t.equal(outsider.statusCode, 403)
    t.same(outsider.json(), { statusCode: 403, code: 'FORBIDDEN', error: 'User 4 is not a member of chatroom 1' })
    const unknown = await inject('POST', '/api/v1/chatrooms/1/messages', { senderId: 6, text: 'hello?' })
    t.equal(unknown.statusCode, 404)
    t.equal(unknown.json().error, 'User 6 not found')
    const elsewhere = await app.inject({ method: 'POST', url: '/api/v1/chatrooms/1/messages', headers: bearer(other.keys.admin), payload: { senderId: 2, text: 'x' } })
    t.equal(elsewhere.statusCode, 403, 'the other client\'s room 1 is its own, and user 2 is not in it')
    t.equal(await messages(), before)
  })

  t.test('a retried post with the same Idempotency-Key stores one message', async (t) => {
    const key = { 'idempotency-key': 'room-post-1' }
    const first = await inject('POST', '/api/v1/chatrooms/1/messages', { senderId: 1, text: 'once' }, key)
    const retry = await inject('POST', '/api/v1/chatrooms/1/messages', { senderId: 1, text: 'once' }, key)
    t.same(retry.json(), first.json())
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.equal(await messages({ text: 'once' }), 1)
  })

  t.test('members read the messages a page at a time, oldest or newest first, from everyone or one sender', async (t) => {
    for (const [senderId, text] of [[1, 'im well'], [1, 'how r u?'], [2, 'great!']] as const) {
      await inject('POST', '/api/v1/chatrooms/1/messages', { senderId, text })
    }
    const page = await inject('GET', '/api/v1/chatrooms/1/messages?userId=3&limit=3')
    t.same(page.json().data.map((m: { text: string }) => m.text), ['hi. how are you?', 'once', 'im well'])
    const next = await inject('GET', `/api/v1/chatrooms/1/messages?userId=3&limit=3&cursor=${page.json().nextCursor}`)
    t.same(next.json().data.map((m: { text: string }) => m.text), ['how r u?', 'great!'])
    t.equal(next.json().nextCursor, null)
    const newest = await inject('GET', '/api/v1/chatrooms/1/messages?userId=3&order=desc&limit=2')
    t.same(newest.json().data.map((m: { text: string }) => m.text), ['great!', 'how r u?'])
    const older = await inject('GET', `/api/v1/chatrooms/1/messages?userId=3&order=desc&limit=2&cursor=${newest.json().nextCursor}`)
    t.same(older.json().data.map((m: { text: string }) => m.text), ['im well', 'once'])
    const fromAaron = await inject('GET', '/api/v1/chatrooms/1/messages?userId=3&senderId=1')
    t.same(fromAaron.json().data.map((m: { text: string }) => m.text), ['once', 'im well', 'how r u?'])
  })

  t.test('a non-member may not read a chatroom; another client\'s chatroom is a 404', async (t) => {
    const res = await inject('GET', '/api/v1/chatrooms/1/messages?userId=4')
    t.equal(res.statusCode, 403)
    t.equal(res.json().error, 'User 4 is not a member of chatroom 1')
    t.equal((await inject('GET', '/api/v1/chatrooms/1/messages')).statusCode, 400, 'the reader is required')
    const theirs = await inject('GET', '/api/v1/chatrooms/3/messages?userId=1')
    t.equal(theirs.statusCode, 404)
    t.equal(theirs.json().error, 'Chatroom 3 not found')
  })
})
