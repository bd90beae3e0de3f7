/**
 * The `$count` stage as mongod runs it: mingo answers `{<field>: 0}` for no input, mongod no document at all; and mongod
 * checks the field's name as it parses the stage, whatever the input.
 */
import { Lazy, type Iterator } from 'mingo/lazy'
import type { Options } from 'mingo/types'
import { CommandError } from './errors.js'

/** The checks mongod makes of a `$count` field name, in its order and with its codes. */
export function checkCountField (field: unknown): string {
  if (typeof field !== 'string') throw new CommandError(40156, 'Location40156', 'the count field must be a non-empty string')
  if (field.length === 0) throw new CommandError(40157, 'Location40157', 'the count field must be a non-empty string')
  if (field.startsWith('$')) throw new CommandError(40158, 'Location40158', 'the count field cannot be a $-prefixed path')
  if (field.includes('\u0000')) throw new CommandError(40159, 'Location40159', 'the count field cannot contain a null byte')
  if (field.includes('.')) throw new CommandError(40160, 'Location40160', "the count field cannot contain '.'")
  return field
}

export function count (collection: Iterator, expr: unknown, _options: Options): Iterator {
  const field = checkCountField(expr)
  return collection.transform((docs) => Lazy(docs.length === 0 ? [] : [{ [field]: docs.length }]))
}
