import fc from 'fast-check'
import { breakValue, mutation, nastyValue, valid, type Hints, type JsonSchema } from './openapi-arbitraries.js'

interface Parameter { in: 'path' | 'query' | 'header', name: string, required?: boolean, description?: string, schema: JsonSchema }

export interface Operation {
  method: string
  /** OpenAPI path, e.g. /api/v1/chats/{chatId} */
  path: string
  /** Fastify route url, e.g. /api/v1/chats/:chatId */
  url: string
  parameters: Parameter[]
  bodyType: 'json' | 'multipart' | null
  bodySchema?: JsonSchema
  streams: boolean
  tags: string[]
}

interface OpenApiDocument {
  paths: Record<string, Record<string, {
    parameters?: Parameter[]
    tags?: string[]
    requestBody?: { content: Record<string, { schema: JsonSchema }> }
    responses?: Record<string, { content?: Record<string, unknown> }>
  }>>
}

/** Every operation of the OpenAPI document. */
export function listOperations (doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const content = operation.requestBody?.content ?? {}
      const json = content['application/json']
      const multipart = content['multipart/form-data']
      operations.push({
        method: method.toUpperCase(),
        path,
        url: path.replace(/\{([^}]+)\}/g, ':$1'),
        parameters: operation.parameters ?? [],
        bodyType: json ? 'json' : multipart ? 'multipart' : null,
        bodySchema: (json ?? multipart)?.schema,
        streams: Object.values(operation.responses ?? {}).some((response) => 'text/event-stream' in (response.content ?? {})),
        tags: operation.tags ?? []
      })
    }
  }
  return operations
}

export interface FuzzRequest {
  method: string
  url: string
  headers: Record<string, string>
  payload?: string | Buffer
  /** What was generated, for the report of a failure. */
  described: string
}

const text = (value: unknown): string => typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined'
/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD); a value starting with RAW: goes into the path as it is. */
const pathSegment = (value: string): string => value.startsWith('RAW:')
  ? value.slice(4)
  : [...Buffer.from(value, 'utf8')].map((byte) => /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('')
const headerSafe = (value: string): string => /^[\t\x20-\x7e]*$/.test(value) ? value : pathSegment(value)

/** A value for a slot: valid for its schema half the time, broken otherwise. */
function slot (schema: JsonSchema | undefined, hints: Hints): fc.Arbitrary<unknown> {
  const good = valid(schema, hints)
  return fc.oneof(
    { weight: 5, arbitrary: good },
    { weight: 5, arbitrary: fc.tuple(good, mutation).map(([value, change]) => breakValue(value, change)) }
  )
}

const rawBodies = fc.constantFrom('', '{', 'not json', 'null', '[]', '"text"', '{"a":1}{"b":2}', '['.repeat(5000), '\u0000')

function multipartBody (fields: Record<string, unknown>, file: Buffer, fileName: string): { payload: Buffer, type: string } {
  const boundary = '----switchboardfuzz'
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'file' || value === undefined) continue
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${text(value)}\r\n`))
  }
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${fileName}"\r\ncontent-type: application/octet-stream\r\n\r\n`))
  parts.push(file, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` }
}

const csvCell = nastyValue.map((value) => `"${text(value).slice(0, 200).replaceAll('"', '""')}"`)
const uploadFile = fc.oneof(
  fc.tuple(fc.array(fc.array(csvCell, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }), fc.constantFrom('data.csv', 'x.xlsx', '../../x.csv', 'é.csv'))
    .map(([rows, name]) => ({ file: Buffer.from(rows.map((row) => row.join(',')).join('\n')), name })),
  fc.tuple(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom('book.xlsx', 'data.csv', 'noext'))
    .map(([bytes, name]) => ({ file: Buffer.from(bytes), name }))
)

/** Requests for one operation: parameters, query and body generated from the schemas, then mostly broken. */
export function requestArbitrary (operation: Operation, hints: Hints, authorization: fc.Arbitrary<string | null>): fc.Arbitrary<FuzzRequest> {
  const params = operation.parameters
  const values = Object.fromEntries(params.map((param) => [`${param.in}:${param.name}`, fc.option(slot(param.schema, hints), { freq: param.required ? 10 : 2 })]))
  const extraQuery = fc.option(fc.tuple(fc.constantFrom('$where', 'clientId', 'a.b', '__proto__', 'limit', 'x'), nastyValue), { freq: 4 })
  const body = operation.bodyType ? fc.oneof({ weight: 9, arbitrary: slot(operation.bodySchema, hints) }, { weight: 1, arbitrary: rawBodies.map((raw) => ({ raw })) }) : fc.constant(undefined)
  const file = operation.bodyType === 'multipart' ? uploadFile : fc.constant(null)

  return fc.record({ values: fc.record(values), extraQuery, body, file, authorization }).map(({ values, extraQuery, body, file, authorization }) => {
    let url = operation.path
    const query = new URLSearchParams()
    const headers: Record<string, string> = {}
    for (const param of params) {
      const value = values[`${param.in}:${param.name}`]
      if (param.in === 'path') url = url.replace(`{${param.name}}`, pathSegment(text(value ?? '')))
      else if (value === null || value === undefined) continue
      else if (param.in === 'query') query.append(param.name, text(value))
      else if (param.in === 'header') headers[param.name] = headerSafe(text(value))
    }
    if (extraQuery) query.append(extraQuery[0], text(extraQuery[1]))
    if (authorization) headers.authorization = authorization
    const search = query.toString()
    const request: FuzzRequest = { method: operation.method, url: search ? `${url}?${search}` : url, headers, described: '' }
    if (body !== undefined) {
      if (operation.bodyType === 'multipart' && file && typeof body === 'object' && body !== null && !('raw' in body)) {
        const built = multipartBody(body as Record<string, unknown>, file.file, file.name)
        request.payload = built.payload
        headers['content-type'] = built.type
      } else {
        request.payload = typeof body === 'object' && body !== null && 'raw' in body ? String(body.raw) : JSON.stringify(body) ?? ''
        headers['content-type'] = 'application/json'
      }
    }
    request.described = `${request.method} ${request.url.slice(0, 300)} body=${String(request.payload ?? '').slice(0, 300)}`
    return request
  })
}
