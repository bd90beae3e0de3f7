import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import multipart, { type MultipartFile } from '@fastify/multipart'
import type { FastifyInstance, FastifyRequest } from 'fastify'

/** The most an upload may weigh (a million interaction rows as CSV is about 40 MB). */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024

export interface Upload { path: string, fileName: string, size: number }

declare module 'fastify' {
  interface FastifyRequest {
    importUpload: Upload | null
    importUploadDir: string | null
  }
}

function tooLarge (): Error {
  return Object.assign(new Error(`The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB`), { statusCode: 413, code: 'PAYLOAD_TOO_LARGE' })
}

/** Saves the multipart part named `file` to a temporary directory (removed when the response is sent). */
async function saveFile (this: FastifyRequest, part: MultipartFile): Promise<void> {
  if (part.fieldname !== 'file' || this.importUploadDir) {
    part.file.resume()
    part.value = part.filename
    return
  }
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-import-'))
  this.importUploadDir = dir
  const path = join(dir, 'upload')
  await pipeline(part.file, createWriteStream(path))
  if (part.file.truncated) throw tooLarge()
  this.importUpload = { path, fileName: part.filename || 'upload', size: (await stat(path)).size }
  part.value = part.filename
}

/** Multipart uploads for the import routes: the file goes to disk as it arrives, the other fields become the body. */
export async function registerUploads (app: FastifyInstance): Promise<void> {
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    onFile: saveFile,
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 2, fields: 10, fieldSize: 64 * 1024 }
  })
  app.decorateRequest('importUpload', null)
  app.decorateRequest('importUploadDir', null)
  app.addHook('onResponse', async (request) => {
    if (request.importUploadDir) await rm(request.importUploadDir, { recursive: true, force: true })
  })
}
