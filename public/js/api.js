/** The public API, called with the key the user pasted (kept in this tab's sessionStorage, never in a URL). */

const storageKey = 'switchboard.apiKey'

export const apiKey = {
  get: () => sessionStorage.getItem(storageKey),
  set: (key) => sessionStorage.setItem(storageKey, key),
  clear: () => sessionStorage.removeItem(storageKey)
}

export class ApiError extends Error {
  constructor (status, message) {
    super(message)
    this.status = status
  }
}

/** Fired on window when the API refuses the key (401), so the page can ask for another. */
export const unauthorizedEvent = 'switchboard:unauthorized'

function urlOf (path, params) {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value))
  }
  const search = query.toString()
  return search ? `${path}?${search}` : path
}

/** GETs a route of the API and resolves with its JSON body; an error answer rejects with the API's own message. */
export async function getJson (path, params = {}) {
  let response
  try {
    response = await fetch(urlOf(path, params), {
      headers: { authorization: `Bearer ${apiKey.get() ?? ''}`, accept: 'application/json' },
      cache: 'no-store'
    })
  } catch {
    throw new ApiError(0, 'The server could not be reached')
  }
  const body = await response.json().catch(() => null)
  if (response.ok) return body
  const error = new ApiError(response.status, body?.error ?? `The server answered ${response.status}`)
  if (response.status === 401) window.dispatchEvent(new CustomEvent(unauthorizedEvent, { detail: error }))
  throw error
}

/** Every item of a cursor-paginated list route (bounded, for the page's small pick lists). */
export async function getAll (path, params = {}, maxPages = 10) {
  const items = []
  let cursor
  for (let page = 0; page < maxPages; page++) {
    const body = await getJson(path, { ...params, limit: 100, cursor })
    items.push(...body.data)
    cursor = body.nextCursor
    if (!cursor) break
  }
  return items
}
