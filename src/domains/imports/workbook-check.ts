import yauzl, { type Entry, type ZipFile } from 'yauzl'
import { IMPORT_LIMITS, ImportLimitError, tooMany } from './limits.js'
import { StringTagCounter } from './string-count.js'

/** The file is not a zip archive, or its parts do not agree with its directory. */
export class WorkbookFormatError extends Error {
  override name = 'WorkbookFormatError'
}

const DATA_DESCRIPTOR_BIT = 0x08
/** A data descriptor after an entry's data: crc, sizes (32- or 64-bit) and an optional signature. */
const MAX_DESCRIPTOR_BYTES = 24

/** The directory's claims about an entry, checked against its local header; returns where the entry's data ends. */
async function checkLocalHeader (zip: ZipFile, entry: Entry): Promise<number> {
  const header = await zip.readLocalFileHeaderPromise(entry)
  const sameName = header.fileName.equals(entry.fileNameRaw)
  const sameMethod = header.compressionMethod === entry.compressionMethod
  const descriptor = (header.generalPurposeBitFlag & DATA_DESCRIPTOR_BIT) !== 0
  const sameSizes = descriptor || (header.compressedSize === 0xffffffff || header.compressedSize === entry.compressedSize)
  if (!sameName || !sameMethod || !sameSizes) throw new WorkbookFormatError(`the part ${entry.fileName} does not match the workbook's directory`)
  return header.fileDataStart + entry.compressedSize
}

/**
 * Inflates an entry to count its bytes; yauzl fails when they are more or fewer than the directory says. The shared
 * strings' `<si>` elements are counted meanwhile: more than an import takes is refused before any XML is parsed.
 */
async function checkInflatedSize (zip: ZipFile, entry: Entry): Promise<void> {
  const stream = await zip.openReadStreamPromise(entry)
  const strings = entry.fileName === 'xl/sharedStrings.xml' ? new StringTagCounter() : undefined
  for await (const chunk of stream) {
    if (strings === undefined) continue
    strings.push((chunk as Buffer).toString('latin1'))
    if (strings.count > IMPORT_LIMITS.sharedStrings) throw tooMany('shared strings in the workbook', IMPORT_LIMITS.sharedStrings)
  }
}

/**
 * Reads an .xlsx's central directory before any parsing and refuses what would expand beyond IMPORT_LIMITS: too many
 * parts, too many bytes once uncompressed (in all, or in the shared strings); and, as it inflates them, too many
 * shared strings. Then checks that the archive holds exactly what its directory says (local headers, one part after
 * another, inflated sizes), because the workbook reader streams the parts by their local headers: a directory that
 * lies cannot smuggle a larger part past these checks.
 */
export async function checkWorkbook (path: string): Promise<void> {
  let zip: ZipFile
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false })
  } catch (error) {
    throw new WorkbookFormatError(`not an .xlsx workbook (${(error as Error).message})`)
  }
  try {
    if (zip.entryCount > IMPORT_LIMITS.workbookParts) throw tooMany('parts in the workbook', IMPORT_LIMITS.workbookParts)
    // Where the directory starts (yauzl's cursor before the first entry is read): the parts must run up to it.
    const directoryStart = zip.readEntryCursor as unknown as number
    const entries: Entry[] = []
    let total = 0
    for await (const entry of zip.eachEntry()) {
      total += entry.uncompressedSize
      if (total > IMPORT_LIMITS.uncompressedBytes) throw tooMany('bytes in the workbook once uncompressed', IMPORT_LIMITS.uncompressedBytes)
      if (entry.fileName === 'xl/sharedStrings.xml' && entry.uncompressedSize > IMPORT_LIMITS.sharedStringsBytes) {
        throw tooMany('bytes of shared strings once uncompressed', IMPORT_LIMITS.sharedStringsBytes)
      }
      entries.push(entry)
    }
    entries.sort((a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader)
    let expectedStart = 0
    for (const entry of entries) {
      const gap = entry.relativeOffsetOfLocalHeader - expectedStart
      if (gap < 0 || gap > MAX_DESCRIPTOR_BYTES) throw new WorkbookFormatError(`the workbook holds data its directory does not list (before ${entry.fileName})`)
      expectedStart = await checkLocalHeader(zip, entry)
      await checkInflatedSize(zip, entry)
    }
    const tail = directoryStart - expectedStart
    if (tail < 0 || tail > MAX_DESCRIPTOR_BYTES) throw new WorkbookFormatError('the workbook holds data its directory does not list (after its last part)')
  } catch (error) {
    if (error instanceof WorkbookFormatError || error instanceof ImportLimitError) throw error
    throw new WorkbookFormatError(`the workbook is damaged (${(error as Error).message})`)
  } finally {
    zip.close()
  }
}
