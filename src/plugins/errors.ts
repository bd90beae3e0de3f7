import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import {
  MongoServerError, MongoNetworkError, MongoServerSelectionError, MongoNotConnectedError, MongoTopologyClosedError,
  MongoOperationTimeoutError, MongoClientClosedError, MongoDriverError
} from 'mongodb'
import type { FastifySchemaValidationError, SchemaErrorFormatter } from 'fastify/types/schema.js'
import { NOT_BLANK_PATTERNS } from '../lib/text.js'
import { INTEGER_ID_PATTERN, type ErrorBody } from '../schemas/common.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Seed contract routes answer errors as `{"error": "..."}` only. */
    legacyErrors?: boolean
  }
}

const codeNames: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE'
}

/** Server answers that mean "not now" (shutting down, stepping down, unreachable host), not a bad request. */
const transientServerCodes = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436])

function isDatabaseUnavailable (error: unknown): boolean {
  return error instanceof MongoNetworkError || error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError || error instanceof MongoTopologyClosedError ||
    error instanceof MongoOperationTimeoutError || error instanceof MongoClientClosedError ||
    (error instanceof MongoDriverError && error.name === 'MongoWaitQueueTimeoutError') ||
    (error instanceof MongoServerError && transientServerCodes.has(Number(error.code)))
}

/** Turns any thrown error into the API's error envelope; internals of a 5xx never reach the client. */
function toEnvelope (error: FastifyError, request: FastifyRequest): ErrorBody {
  if (error.validation) {
    const context = error.validationContext ?? 'request'
    const details = error.validation.map((issue) => {
      const missing = (issue.params as { missingProperty?: string }).missingProperty
      const path = `${issue.instancePath}${missing ? `/${missing}` : ''}`.replace(/^\//, '').replaceAll('/', '.')
      return { field: path ? `${context}/${path}` : context, message: issue.message ?? 'is invalid' }
    })
    return { statusCode: 400, code: 'VALIDATION_ERROR', error: error.message, details }
  }
  if (error instanceof MongoServerError && Number(error.code) === 11000) {
    const fields = Object.keys(error.keyValue ?? {}).filter((key) => key !== 'clientId')
    return { statusCode: 409, code: 'DUPLICATE', error: `A record with the same ${fields.join(', ') || 'key'} already exists` }
  }
  if (isDatabaseUnavailable(error)) {
    request.log.error({ err: error }, 'database unavailable')
    return { statusCode: 503, code: 'DATABASE_UNAVAILABLE', error: 'The database is unavailable; retry shortly' }
  }
  const statusCode = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
  if (statusCode >= 500) {
    request.log.error({ err: error, reqId: request.id }, 'request failed')
    return { statusCode, code: codeNames[statusCode] ?? 'INTERNAL_ERROR', error: statusCode === 503 ? error.message : 'Internal server error' }
  }
  const code = error.code && !error.code.startsWith('FST_') ? error.code : codeNames[statusCode] ?? 'BAD_REQUEST'
  return { statusCode, code, error: error.message }
}

function send (reply: FastifyReply, body: ErrorBody) {
  if (reply.request.routeOptions.config?.legacyErrors) return reply.code(body.statusCode).send({ error: body.error })
  return reply.code(body.statusCode).send(body)
}

/** Fastify's own wording: `params/chatId must be integer, body/text must NOT have fewer than 1 characters`. */
const fastifyFormat: SchemaErrorFormatter = (errors, dataVar) =>
  new Error(errors.map((issue) => `${dataVar}${issue.instancePath} ${issue.message ?? 'is invalid'}`).join(', '))

/** What the shared patterns mean, instead of the pattern itself. */
const patternMeanings = new Map([[INTEGER_ID_PATTERN, 'must be integer'], ...NOT_BLANK_PATTERNS])

/**
 * Failures of the shared patterns are worded by their meaning: an id failing the integer grammar (`abc`, `0x1`, `1e0`,
 * `01`) "must be integer", as ajv says of `abc` without it; blank text "must contain a visible character".
 */
function plainMessages (errors: FastifySchemaValidationError[]): FastifySchemaValidationError[] {
  for (const issue of errors) {
    const meaning = issue.keyword === 'pattern' ? patternMeanings.get(String((issue.params as { pattern?: string }).pattern)) : undefined
    if (meaning) issue.message = meaning
  }
  return errors
}

export default fp(async function errorsPlugin (app) {
  app.addHook('onRoute', (route) => {
    const format: SchemaErrorFormatter = route.schemaErrorFormatter ?? fastifyFormat
    route.schemaErrorFormatter = (errors, dataVar) => format(plainMessages(errors), dataVar)
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = toEnvelope(error, request)
    if (body.statusCode === 503) reply.header('retry-after', '1')
    return send(reply, body)
  })

  app.setNotFoundHandler((request, reply) => {
    return send(reply, { statusCode: 404, code: 'NOT_FOUND', error: `Route ${request.method} ${request.url.split('?')[0]} not found` })
  })
}, { name: 'errors' })
