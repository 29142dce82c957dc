import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openServer } from '../../src/platform/db/database.js';
import { processAlive } from '../../src/platform/db/lock.js';
import { prepareTemplate } from './template.js';

export function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Databases of earlier runs whose process is gone (killed before its teardown ran). */
async function dropLeftovers(admin: postgres.Sql): Promise<void> {
  const rows = await admin<{ datname: string }[]>`select datname from pg_database where datname ~ '^gh_[0-9]+_'`;
  for (const { datname } of rows) {
    const pid = Number(datname.split('_')[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    await admin.unsafe(`drop database if exists "${datname}" with (force)`);
  }
}

/**
 * Makes a template database on the server of TEST_DATABASE_URL; each test file then gets
 * `CREATE DATABASE … TEMPLATE` of it, and everything this run made is dropped at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const base = process.env['TEST_DATABASE_URL'];
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const run = `gh_${process.pid}_${Date.now().toString(36)}`;
  const template = `${run}_tpl`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await dropLeftovers(admin);
  await admin.unsafe(`create database "${template}"`);
  const database = await openServer({ url: databaseUrl(base, template), max: 2 });
  await prepareTemplate(database);
  await database.close();
  project.provide('postgresTemplate', template);
  return async () => {
    const made = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`${run}%`}`;
    for (const { datname } of made) {
      await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    }
    await admin.end();
  };
}
