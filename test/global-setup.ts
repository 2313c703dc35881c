import type { TestProject } from 'vitest/node';
import { postgresReachable } from './support/databases.ts';

/** Probes PostgreSQL once for the whole run. */
export default async function setup(project: TestProject) {
  project.provide('pgAvailable', await postgresReachable());
}
