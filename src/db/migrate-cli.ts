import { connectDatabase, redact } from './connect.js'
import { createMigrator } from './migrate.js'

/** `npm run migrate` applies pending migrations to MONGODB_URI; `npm run migrate:status` lists them; `-- down` reverts the last one. */
const command = process.argv[2] ?? 'up'
const uri = process.env.MONGODB_URI
if (!uri) {
  console.error('MONGODB_URI is not set: migrations run against a real server. (The embedded and memory-server modes migrate automatically at start.)')
  process.exit(2)
}
if (!['up', 'down', 'status'].includes(command)) {
  console.error(`Unknown migrate command "${command}": use up, down or status`)
  process.exit(2)
}

const connection = await connectDatabase({ MONGODB_URI: uri, MONGO_ENGINE: 'embedded', MONGODB_DB: process.env.MONGODB_DB ?? 'switchboard' })
try {
  const migrator = createMigrator(connection.db, (line) => console.log(line))
  console.log(`Database ${connection.db.databaseName} at ${redact(uri)}`)
  if (command === 'status') {
    for (const migration of await migrator.executed()) console.log(`  applied  ${migration.name}`)
    for (const migration of await migrator.pending()) console.log(`  pending  ${migration.name}`)
  } else if (command === 'down') {
    await migrator.down()
  } else {
    const applied = await migrator.up()
    console.log(applied.length ? `Applied ${applied.length} migration(s)` : 'Nothing to apply: the database is up to date')
  }
} finally {
  await connection.close()
}
