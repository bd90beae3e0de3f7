import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import multipart, { type MultipartFile } from '@fastify/multipart'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { isAlive } from '../../lib/processes.js'

/** The most an upload may weigh (a million interaction rows as CSV is about 40 MB). */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024

/**
 * Switchboard's uploads live under one known folder: `<tmp>/switchboard-uploads/<pid>-<random>/` per running app, one
 * folder per upload inside it. An upload is removed when its request ends (answered, failed or aborted), an app's
 * folder when the app closes, and folders left by a process that stopped without closing (crash, kill) at start-up.
 */
export const UPLOAD_ROOT = join(tmpdir(), 'switchboard-uploads')

/** App folders of this process that are alive (several apps may share a process, as in tests). */
const liveFolders = new Set<string>()

export interface Upload { path: string, fileName: string, size: number }

declare module 'fastify' {
  interface FastifyRequest {
    importUpload: Upload | null
    importUploadDir: string | null
    /** The handler is importing the upload: it removes the file itself when done, even if the client went away. */
    importUploadInUse: boolean
  }
}

function tooLarge (): Error {
  return Object.assign(new Error(`The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB`), { statusCode: 413, code: 'PAYLOAD_TOO_LARGE' })
}

/** Older versions kept each upload in `<tmp>/switchboard-import-*`; one untouched for longer than any import can take is left over. */
const LEGACY_PREFIX = 'switchboard-import-'
const LEGACY_AGE_MS = 2 * 60 * 60 * 1000

async function sweepLegacyUploads (): Promise<number> {
  let removed = 0
  for (const entry of await readdir(tmpdir()).catch(() => [] as string[])) {
    if (!entry.startsWith(LEGACY_PREFIX)) continue
    const path = join(tmpdir(), entry)
    const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: Date.now() }))
    if (Date.now() - mtimeMs < LEGACY_AGE_MS) continue
    await rm(path, { recursive: true, force: true })
    removed++
  }
  return removed
}

/**
 * Removes the app folders of processes that stopped (or of an earlier process that had this one's pid), and uploads
 * older versions left in the temporary directory; returns how many folders it removed.
 */
export async function sweepUploads (root = UPLOAD_ROOT): Promise<number> {
  const entries = await readdir(root).catch(() => [] as string[])
  let removed = await sweepLegacyUploads()
  for (const entry of entries) {
    const pid = Number(/^(\d+)-/.exec(entry)?.[1])
    if (!Number.isInteger(pid) || liveFolders.has(join(root, entry))) continue
    if (pid !== process.pid && isAlive(pid)) continue
    await rm(join(root, entry), { recursive: true, force: true })
    removed++
  }
  return removed
}

/** Removes the request's upload, once; safe to call from every way a request can end. */
export async function discardUpload (request: FastifyRequest): Promise<void> {
  const dir = request.importUploadDir
  if (!dir) return
  request.importUploadDir = null
  request.importUpload = null
  await rm(dir, { recursive: true, force: true })
}

/** Multipart uploads for the import routes: the file goes to disk as it arrives, the other fields become the body. */
export async function registerUploads (app: FastifyInstance): Promise<void> {
  await mkdir(UPLOAD_ROOT, { recursive: true })
  await sweepUploads()
  const folder = await mkdtemp(join(UPLOAD_ROOT, `${process.pid}-`))
  liveFolders.add(folder)
  app.addHook('onClose', async () => {
    liveFolders.delete(folder)
    await rm(folder, { recursive: true, force: true })
  })

  /** Saves the multipart part named `file` into an upload folder of its own; any other part is skipped. */
  async function saveFile (this: FastifyRequest, part: MultipartFile): Promise<void> {
    if (part.fieldname !== 'file' || this.importUploadDir) {
      part.file.resume()
      part.value = part.filename
      return
    }
    const dir = await mkdtemp(join(folder, 'upload-'))
    this.importUploadDir = dir
    const path = join(dir, 'upload')
    try {
      await pipeline(part.file, createWriteStream(path))
      if (this.raw.destroyed && !this.raw.complete) throw new Error('the upload was aborted')
      if (part.file.truncated) throw tooLarge()
    } catch (error) {
      await discardUpload(this)
      throw error
    }
    this.importUpload = { path, fileName: part.filename || 'upload', size: (await stat(path)).size }
    part.value = part.filename
  }

  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    onFile: saveFile,
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 2, fields: 10, fieldSize: 64 * 1024 }
  })
  app.decorateRequest('importUpload', null)
  app.decorateRequest('importUploadDir', null)
  app.decorateRequest('importUploadInUse', false)
  app.addHook('onResponse', discardUpload)
  app.addHook('onRequestAbort', async (request) => { if (!request.importUploadInUse) await discardUpload(request) })
}
