/** An error answered to the client as mongod shapes it: `{ ok: 0, errmsg, code, codeName }`. */
export class CommandError extends Error {
  readonly code: number
  readonly codeName: string
  readonly extra: Record<string, unknown>

  constructor (code: number, codeName: string, message: string, extra: Record<string, unknown> = {}) {
    super(message)
    this.code = code
    this.codeName = codeName
    this.extra = extra
  }
}

export const badValue = (message: string): CommandError => new CommandError(2, 'BadValue', message)
export const typeMismatch = (message: string): CommandError => new CommandError(14, 'TypeMismatch', message)
export const namespaceNotFound = (message: string): CommandError => new CommandError(26, 'NamespaceNotFound', message)

/** Converts anything thrown while executing a command into a CommandError (mingo throws plain errors). */
export function asCommandError (error: unknown): CommandError {
  if (error instanceof CommandError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (message.startsWith('Use of undefined variable: ')) return new CommandError(17276, 'Location17276', message)
  return new CommandError(2, 'BadValue', message)
}
