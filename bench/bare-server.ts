/** The ceiling for bench/load.ts: a bare Fastify route returning static JSON, in a process of its own. */
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/static', async () => ({ hello: 'world' }))
const address = await app.listen({ port: 0, host: '127.0.0.1' })
console.log(`Bare Fastify is listening on ${address}`)
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
