import t from 'tap'
import { buildApp } from '../src/app.js'

const quiet = { NODE_ENV: 'test', LOG_LEVEL: 'silent' }

t.test('start-up fails with a message naming a bad variable', async (t) => {
  await t.rejects(buildApp({ env: { ...quiet, PORT: 'eighty' }, logger: false }), /PORT/)
  await t.rejects(buildApp({ env: { ...quiet, MONGO_ENGINE: 'sqlite' }, logger: false }), /MONGO_ENGINE/)
  await t.rejects(buildApp({ env: { ...quiet, MONGODB_URI: 'postgres://x' }, logger: false }), /MONGODB_URI/)
  await t.rejects(buildApp({ env: { ...quiet, ADMIN_API_KEY: 'short' }, logger: false }), /ADMIN_API_KEY/)
})

t.test('start-up fails loudly when MONGODB_URI names a server that does not answer', async (t) => {
  await t.rejects(
    buildApp({ env: { ...quiet, MONGODB_URI: 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300' }, logger: false }),
    /Cannot reach MongoDB at mongodb:\/\/127\.0\.0\.1:1/
  )
})

t.test('production refuses to start without a platform key', async (t) => {
  await t.rejects(buildApp({ env: { ...quiet, NODE_ENV: 'production', SEED_DEMO: 'false' }, logger: false }), /ADMIN_API_KEY must be set in production/)
})

t.test('production refuses to load the demo data', async (t) => {
  await t.rejects(
    buildApp({ env: { ...quiet, NODE_ENV: 'production', ADMIN_API_KEY: 'a-long-production-secret', SEED_DEMO: 'true' }, logger: false }),
    /SEED_DEMO: demo data .* is never loaded when NODE_ENV=production/
  )
})

t.test('MONGO_ENGINE=memory-server without a mongod binary fails with a message saying how to provide one', async (t) => {
  // Point the downloader at a closed local port so the outcome does not depend on the network.
  const saved = { mirror: process.env.MONGOMS_DOWNLOAD_MIRROR, binary: process.env.MONGOMS_SYSTEM_BINARY }
  process.env.MONGOMS_DOWNLOAD_MIRROR = 'http://127.0.0.1:9'
  delete process.env.MONGOMS_SYSTEM_BINARY
  t.teardown(() => {
    if (saved.mirror === undefined) delete process.env.MONGOMS_DOWNLOAD_MIRROR
    else process.env.MONGOMS_DOWNLOAD_MIRROR = saved.mirror
    if (saved.binary !== undefined) process.env.MONGOMS_SYSTEM_BINARY = saved.binary
  })
  await t.rejects(
    buildApp({ env: { ...quiet, MONGO_ENGINE: 'memory-server' }, logger: false }),
    /MONGO_ENGINE=memory-server: no mongod binary is available .*MONGOMS_SYSTEM_BINARY/
  )
})
