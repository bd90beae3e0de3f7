import { dayOf, isTimeZone, startOfDay as zonedStartOfDay } from '../../lib/dates.js'

export { isTimeZone }

/** A half-open interval of instants [from, to); either end may be open. */
export interface Period { from?: Date, to?: Date }

/**
 * The instant a calendar day (YYYY-MM-DD) begins in a time zone; `dayOffset` moves to a later day.
 * Usually local midnight; where a daylight-saving jump skips midnight, the first instant of that day.
 */
export function startOfDay (date: string, timeZone: string, dayOffset = 0): Date {
  return zonedStartOfDay(dayOf(date) + dayOffset, timeZone)
}

/** Inclusive calendar days in a time zone as instants: from the start of `startDate` to the start of the day after `endDate`. */
export function periodOfDays (startDate: string | undefined, endDate: string | undefined, timeZone: string): Period {
  return {
    from: startDate === undefined ? undefined : startOfDay(startDate, timeZone),
    to: endDate === undefined ? undefined : startOfDay(endDate, timeZone, 1)
  }
}
