import { applyMigrations, type Database } from '../../src/platform/db/database.js';
import { seedDemo } from '../../src/seed/demo.js';

/** The state every test file starts from: migrations applied and the demo data seeded as of now. */
export async function prepareTemplate(database: Database): Promise<void> {
  await applyMigrations(database);
  await seedDemo(database.db, { now: new Date() });
}

export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
