import type { CommandStartedEvent } from 'mongodb'
import type { App } from '../../src/app.js'

/** Commands an instance sends on its own (revocation polls, rate-limit flushes) carry this comment (src/db/plugin.ts). */
export function isBackground (event: CommandStartedEvent): boolean {
  const comment: unknown = event.command.comment
  return typeof comment === 'string' && comment.startsWith('background: ')
}

/**
 * The database commands `work` causes, from the driver's command monitoring (the app must be built with
 * `monitorCommands`); background commands are left out, so the count is exact whatever runs beside.
 */
export async function commandsDuring<T> (app: App, work: () => Promise<T>): Promise<{ value: T, commands: string[] }> {
  const commands: string[] = []
  const listener = (event: CommandStartedEvent) => {
    if (!isBackground(event)) commands.push(`${event.commandName} ${String(event.command[event.commandName])}`)
  }
  app.mongo.client.on('commandStarted', listener)
  try {
    const value = await work()
    return { value, commands }
  } finally {
    app.mongo.client.off('commandStarted', listener)
  }
}
