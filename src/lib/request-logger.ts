import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger.js'

type LogArguments = Parameters<FastifyBaseLogger['info']>
/** The parts of pino's logger (Fastify's) that FastifyBaseLogger does not name. */
type PinoLogger = FastifyBaseLogger & { isLevelEnabled(level: string): boolean, bindings(): Bindings }

/**
 * A request's logger that becomes a real child logger (with the request id) only when something is logged at an
 * enabled level: creating a pino child for every request costs about a microsecond, and at `warn` and above most
 * requests log nothing.
 */
class LazyRequestLogger {
  #child: PinoLogger | undefined
  readonly #parent: PinoLogger
  readonly #bindings: Bindings

  constructor (parent: PinoLogger, bindings: Bindings) {
    this.#parent = parent
    this.#bindings = bindings
  }

  get #real (): PinoLogger { return (this.#child ??= this.#parent.child(this.#bindings) as PinoLogger) }
  get level (): string { return (this.#child ?? this.#parent).level }
  set level (level: string) { this.#real.level = level }
  isLevelEnabled (level: string): boolean { return (this.#child ?? this.#parent).isLevelEnabled(level) }
  bindings (): Bindings { return this.#real.bindings() }
  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger { return this.#real.child(bindings, options) }
  // Below warn nothing is logged unless this logger was given a level of its own (then its child exists).
  trace (...args: LogArguments): void { this.#child?.trace(...args) }
  debug (...args: LogArguments): void { this.#child?.debug(...args) }
  info (...args: LogArguments): void { this.#child?.info(...args) }
  silent (): void {}
  warn (...args: LogArguments): void { this.#real.warn(...args) }
  error (...args: LogArguments): void { this.#real.error(...args) }
  fatal (...args: LogArguments): void { this.#real.fatal(...args) }
}

/** Fastify's `childLoggerFactory`: a lazy child while trace, debug and info are off (nothing a request logs by itself), else pino's. */
export function requestLogger (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const pino = logger as PinoLogger
  // Without a logger (logger: false) Fastify's silent logger is its own child.
  if (typeof pino.isLevelEnabled !== 'function' || options.level !== undefined || options.serializers !== undefined || pino.isLevelEnabled('info')) {
    return logger.child(bindings, options)
  }
  return new LazyRequestLogger(pino, bindings) as unknown as FastifyBaseLogger
}
