import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * The suite runs on PGlite always, and on the PostgreSQL server of TEST_DATABASE_URL as well
 * when it is set (CI sets it). Each test file gets a fresh database made from a template that
 * the project's global setup migrates and seeds once.
 */
const shared = {
  include: ['test/**/*.test.ts'],
  exclude: ['test/unit/**', 'node_modules/**'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  // vitest would load graphql's ESM build for our code and its CJS build for type-graphql and
  // Apollo: two realms, "Cannot use GraphQLObjectType from another module". One copy for all.
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    projects: [
      // Pure modules (the case workflow, report periods, scope paths, masking, push's kinds and
      // batches, the configuration): no database, no hub; seconds for the whole tier.
      { extends: true as const, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 } },
      { extends: true as const, test: { ...shared, name: 'pglite', env: { GRIDHUB_TEST_DB: 'pglite' }, globalSetup: ['test/helpers/setup-pglite.ts'] } },
      // Files that never touch a test database (the GraphiQL page, the CLI's own processes, the
      // committed schema) run once, in the PGlite project.
      ...(process.env['TEST_DATABASE_URL']
        ? [{ extends: true as const, test: { ...shared, exclude: ['test/unit/**', 'test/web/**', 'test/cli/**', 'test/schema-files.test.ts', 'node_modules/**'], name: 'postgres', env: { GRIDHUB_TEST_DB: 'postgres' }, globalSetup: ['test/helpers/setup-postgres.ts'] } }]
        : []),
    ],
  },
});
