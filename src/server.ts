import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { describeDemoClients } from '../mock_data/seed.js'

const app = await buildApp().catch((error: Error) => {
  console.error(`Switchboard could not start: ${error.message}`)
  process.exit(1)
})

// Long enough for every in-flight request to finish or reach its handler timeout.
closeWithGrace({ delay: app.config.HANDLER_TIMEOUT_MS + 5000 }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an error')
  else app.log.info({ signal }, 'shutting down: finishing in-flight requests')
  await app.close()
})

try {
  const address = await app.listen({ port: app.config.PORT, host: app.config.HOST })
  const lines = [`Switchboard is listening on ${address} (database: ${app.mongo.mode}); API docs at ${address}/docs`]
  if (!app.config.ADMIN_API_KEY) lines.push(`Platform key for this run (set ADMIN_API_KEY to choose one): ${app.platformKey}`)
  if (app.demoClients) lines.push('Demo clients and their API keys:', describeDemoClients(app.demoClients))
  console.log(lines.join('\n'))
} catch (error) {
  app.log.error({ err: error }, 'could not listen')
  await app.close()
  process.exit(1)
}
