import type { Seeder } from './types.js'

/** Every domain's demo data, in loading order. */
export const seeders: Seeder[] = []
