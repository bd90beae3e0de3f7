import { SingleBar, Presets } from 'cli-progress'
import { connectDatabase, redact } from '../src/db/connect.js'
import { createMigrator } from '../src/db/migrate.js'
import { describeDemoClients, seedDemo } from './seed.js'

/** `npm run seed`: loads the demo data into the server named by MONGODB_URI (idempotent). */
const uri = process.env.MONGODB_URI
if (!uri) {
  console.error('MONGODB_URI is not set: npm run seed loads demo data into a running server. (npm start seeds the embedded engine by itself.)')
  process.exit(2)
}
if (process.env.NODE_ENV === 'production') {
  console.error('Refusing to load demo data (with its published API keys) when NODE_ENV=production')
  process.exit(2)
}

const connection = await connectDatabase({ MONGODB_URI: uri, MONGO_ENGINE: 'embedded', MONGODB_DB: process.env.MONGODB_DB ?? 'switchboard' })
try {
  const pending = await createMigrator(connection.db).pending()
  if (pending.length > 0) {
    console.error(`The database has ${pending.length} pending migration(s): run npm run migrate first`)
    process.exitCode = 1
  } else {
    const bar = new SingleBar({ format: 'Seeding {bar} {value}/{total} {step}' }, Presets.shades_classic)
    bar.start(1, 0, { step: '' })
    const clients = await seedDemo(connection.db, (done, total, step) => { bar.setTotal(total); bar.update(done, { step }) })
    bar.stop()
    console.log(`Demo data loaded into ${connection.db.databaseName} at ${redact(uri)}. Clients and API keys:`)
    console.log(describeDemoClients(clients))
  }
} finally {
  await connection.close()
}
