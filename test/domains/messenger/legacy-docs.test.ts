import t from 'tap'
import { buildTestApp } from '../../helper.js'

/** Each route's own answers; every route also documents 429 and 503, and those with a body 413 and 415 (src/plugins/docs.ts). */
const ownAnswers: [string, string, string[]][] = [
  ['post', '/chatrooms/{chatroom_id}/messages', ['201', '400', '401', '403', '404', '409', '422']],
  ['get', '/chatrooms/{chatroom_id}/messages', ['200', '400', '401', '403', '404']],
  ['get', '/chatrooms/{chatroom_id}/messages/{sender_user_id}', ['200', '400', '401', '403', '404']],
  ['get', '/chatrooms', ['200', '400', '401', '403']],
  ['post', '/chatrooms', ['201', '400', '401', '403', '404', '409', '422']],
  ['get', '/chatrooms/{chatroom_id}', ['200', '400', '401', '403', '404']],
  ['post', '/chatrooms/invite', ['200', '400', '401', '403', '404', '409']],
  ['get', '/users', ['200', '400', '401', '403']],
  ['post', '/users', ['201', '400', '401', '403', '409', '422']],
  ['get', '/users/{user_id}/chatrooms', ['200', '400', '401', '403', '404']]
]
const seedRoutes: [string, string, string[]][] = ownAnswers.map(([method, path, codes]) =>
  [method, path, [...codes, ...(method === 'post' ? ['413', '415'] : []), '429', '503'].sort()])

t.test('the OpenAPI document lists seed 004\'s routes at its paths, as seed contracts with the seed\'s error body', async (t) => {
  const app = await buildTestApp(t)
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  for (const [method, path, codes] of seedRoutes) {
    const operation = doc.paths[path]?.[method]
    t.ok(operation, `${method.toUpperCase()} ${path} is documented`)
    if (!operation) continue
    t.same(operation.tags, ['seed contracts', 'messenger'], `${path}: tagged`)
    t.same(Object.keys(operation.responses).sort(), codes, `${method.toUpperCase()} ${path}: every answer it gives`)
    for (const code of codes.filter((code) => code.startsWith('4'))) {
      const schema = operation.responses[code].content['application/json'].schema
      t.same(Object.keys(schema.properties), ['error'], `${method.toUpperCase()} ${path} ${code}: {"error": "..."}`)
    }
    const success = operation.responses[codes[0] as string].content['application/json'].schema
    t.ok(success.properties.data, `${method.toUpperCase()} ${path}: a {"data": …} envelope`)
    const list = method === 'get' && path !== '/chatrooms/{chatroom_id}'
    const batch = path === '/chatrooms/{chatroom_id}/messages' && method === 'post'
    t.equal(success.properties.data.type, list || batch ? 'array' : 'object', `${method.toUpperCase()} ${path}: ${list ? 'a list' : batch ? 'the batch\'s ids' : 'one record'}`)
    if (list) t.same(success.required.sort(), ['data', 'next_cursor'], `${method.toUpperCase()} ${path}: pages with next_cursor`)
  }
  t.same(doc.paths['/users/{user_id}'].get.tags, ['seed contracts'], 'seed 000\'s GET /users/<ID> is unchanged')
  t.same(Object.keys(doc.paths['/users/{user_id}'].get.responses['200'].content['application/json'].schema.properties), ['user_id', 'name'])
  t.same(doc.paths['/api/v1/users/{userId}'].get.responses['200'].content['application/json'].schema.properties.status.properties.state.enum,
    ['online', 'away', 'busy', 'offline'], 'canonical user reads carry the status')
})
