import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'

/**
 * `npm run lint:openapi`: builds the app on the embedded engine (whatever MONGODB_URI says), writes the OpenAPI
 * document it serves at /docs/json to a temporary file and lints it with Redocly's recommended rules.
 * Exits with Redocly's status: non-zero on any error (warnings are printed and pass).
 */
async function currentDocument (): Promise<string> {
  const app = await buildApp({
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO: 'false', ADMIN_API_KEY: 'sb_platform_lint_openapi_only' },
    logger: false,
    migrate: true
  })
  try {
    const res = await app.inject({ method: 'GET', url: '/docs/json' })
    if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}`)
    return res.body
  } finally {
    await app.close()
  }
}

const folder = await mkdtemp(join(tmpdir(), 'switchboard-openapi-'))
try {
  const file = join(folder, 'openapi.json')
  await writeFile(file, await currentDocument())
  const redocly = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js')
  const lint = spawnSync(process.execPath, [redocly, 'lint', file, '--extends=recommended', '--format=stylish', '--max-problems=1000'], {
    stdio: 'inherit',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    timeout: 120_000
  })
  if (lint.error) throw lint.error
  process.exitCode = lint.status ?? 1
} finally {
  await rm(folder, { recursive: true, force: true })
}
