import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

// ajv-formats is CommonJS: its default export is the function (or, as TypeScript sees it, a module holding it).
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv

interface DocumentedResponse { content?: Record<string, { schema?: unknown }> }
interface OpenApiDocument { paths: Record<string, Record<string, { responses?: Record<string, DocumentedResponse> }>> }

export interface Answer { statusCode: number, headers: Record<string, unknown>, body: string }

/** JSON Pointer token, then URI fragment encoding: `/api/v1/users/{userId}` → `~1api~1v1~1users~1%7BuserId%7D`. */
const token = (text: string): string => encodeURIComponent(text.replaceAll('~', '~0').replaceAll('/', '~1'))

/**
 * Checks real answers against the OpenAPI document: the status is documented for the operation, the media type is one the
 * status documents, and the body is valid under its schema (OpenAPI 3.0 schemas: ajv reads `nullable`, and the whole
 * document is registered so `#/components/...` references resolve).
 */
export function contractChecker (doc: OpenApiDocument) {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false })
  addFormats(ajv)
  ajv.addFormat('binary', true)
  ajv.addSchema(doc as object, 'openapi.json')
  const compiled = new Map<string, ValidateFunction>()

  function validatorFor (path: string, method: string, status: string, media: string): ValidateFunction {
    const ref = `openapi.json#/paths/${token(path)}/${method}/responses/${status}/content/${token(media)}/schema`
    let validate = compiled.get(ref)
    if (!validate) {
      validate = ajv.compile({ $ref: ref })
      compiled.set(ref, validate)
    }
    return validate
  }

  /** What is wrong with `answer` as an answer of `method path`, or null when it matches the document. */
  return function problem (path: string, method: string, answer: Answer): string | null {
    const responses = doc.paths[path]?.[method.toLowerCase()]?.responses ?? {}
    const status = String(answer.statusCode)
    const documented = responses[status]
    if (!documented) return `status ${status} is not documented (documented: ${Object.keys(responses).join(', ')})`
    const content = documented.content ?? {}
    const header = String(answer.headers['content-type'] ?? '')
    const media = header.split(';')[0]?.trim().toLowerCase() ?? ''
    if (Object.keys(content).length === 0) return answer.body === '' ? null : `status ${status} documents no body, got ${media}`
    if (!(media in content)) return `${status} answered ${media || 'no content type'}, documented: ${Object.keys(content).join(', ')}`
    if (!content[media]?.schema) return null
    let body: unknown = answer.body
    if (media === 'application/json' || media.endsWith('+json')) {
      try {
        body = JSON.parse(answer.body)
      } catch {
        return `${status} ${media} body is not JSON: ${answer.body.slice(0, 200)}`
      }
    }
    const validate = validatorFor(path, method.toLowerCase(), status, media)
    if (validate(body)) return null
    const errors = (validate.errors ?? []).slice(0, 5).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''}`).join('; ')
    return `${status} body violates its schema: ${errors} — ${answer.body.slice(0, 300)}`
  }
}
