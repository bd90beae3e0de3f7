import t from 'tap'
import { Writable } from 'node:stream'
import { buildApp } from '../../src/app.js'
import { PLATFORM_KEY } from '../helper.js'

async function appLogging (t: { teardown(fn: () => unknown): void }, level: string) {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done() } })
  const app = await buildApp({
    env: { NODE_ENV: 'test', LOG_LEVEL: level, SEED_DEMO: 'false', ADMIN_API_KEY: PLATFORM_KEY, RATE_LIMIT_MAX: '0', ...(process.env.MONGODB_URI ? { MONGODB_URI: process.env.MONGODB_URI } : {}) },
    logger: { level, stream },
    migrate: true
  })
  app.get('/test/log', { config: { auth: 'public' } }, async (request) => {
    request.log.trace('a trace line')
    request.log.debug('a debug line')
    request.log.info('an info line')
    request.log.warn({ detail: 1 }, 'a warning')
    return { ok: true }
  })
  app.get('/test/logger', { config: { auth: 'public' } }, async (request) => {
    const log = request.log as typeof request.log & { isLevelEnabled(level: string): boolean, bindings(): Record<string, unknown> }
    log.silent('never')
    log.child({ part: 'child' }).error('from a child')
    log.fatal('a fatal line')
    const levels = { level: log.level, info: log.isLevelEnabled('info') }
    log.level = 'error'
    log.warn('below the request\'s own level now')
    log.level = 'debug'
    log.debug('a debug line of this request')
    log.level = 'error'
    return { ...levels, warn: log.isLevelEnabled('warn'), bindings: Object.keys(log.bindings()) }
  })
  app.get('/test/fail', { config: { auth: 'public' } }, async () => { throw new Error('kaboom') })
  await app.ready()
  t.teardown(() => app.close())
  return { app, lines }
}

t.test('at warn, request loggers log what they are given, with the request id, and nothing below warn', async (t) => {
  const { app, lines } = await appLogging(t, 'warn')
  lines.length = 0
  const res = await app.inject({ method: 'GET', url: '/test/log' })
  t.equal(res.statusCode, 200)
  t.match(lines, [{ level: 40, msg: 'a warning', detail: 1, reqId: res.headers['x-request-id'] }])
  t.equal(lines.length, 1, 'no info line, no request log')

  lines.length = 0
  const logger = await app.inject({ method: 'GET', url: '/test/logger' })
  t.same(logger.json(), { level: 'warn', info: false, warn: false, bindings: ['reqId'] }, 'a level set on the request\'s logger is its own')
  const reqId = logger.headers['x-request-id']
  t.match(lines, [{ level: 50, msg: 'from a child', part: 'child', reqId }, { level: 60, msg: 'a fatal line', reqId }, { level: 20, msg: 'a debug line of this request', reqId }])
  t.equal(lines.length, 3)

  lines.length = 0
  const failed = await app.inject({ method: 'GET', url: '/test/fail' })
  t.equal(failed.statusCode, 500)
  t.match(lines, [{ level: 50, msg: 'request failed', reqId: failed.headers['x-request-id'], err: { message: 'kaboom' } }])
})

t.test('at info, every request is logged with its id', async (t) => {
  const { app, lines } = await appLogging(t, 'info')
  lines.length = 0
  const res = await app.inject({ method: 'GET', url: '/test/log', headers: { 'x-request-id': 'trace-42' } })
  t.equal(res.statusCode, 200)
  t.same(lines.map((line) => line.msg), ['incoming request', 'an info line', 'a warning', 'request completed'])
  t.ok(lines.every((line) => line.reqId === 'trace-42'))
})
