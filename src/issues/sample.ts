/**
 * The sample issue (emails/issues/*.md): the May & June 2024 issue in the project's own words,
 * loaded as a draft on an empty database so a new install has something real to preview and send.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConflictError } from '../errors';
import { EMAILS_DIR } from '../paths';
import type { Importers } from './importers';
import type { IssuesService } from './service';

export const SAMPLE_DIR = path.join(EMAILS_DIR, 'issues');

export function sampleIssueFiles(): string[] {
  return readdirSync(SAMPLE_DIR)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => path.join(SAMPLE_DIR, f));
}

/**
 * Creates the sample issues as drafts when there is no issue at all; returns how many. Processes
 * that boot together on a new database (an API and workers) all see no issue: the slug's unique
 * index lets one create each sample, and the others take "already exists" as done.
 */
export async function loadSampleIssues(issues: IssuesService, importers: Importers): Promise<number> {
  if ((await issues.count()) > 0) return 0;
  let n = 0;
  for (const file of sampleIssueFiles()) {
    const { document } = await importers.import(readFileSync(file, 'utf8'), 'markdown');
    try {
      await issues.create(document, { by: null });
      n++;
    } catch (err) {
      if (!(err instanceof ConflictError && err.code === 'slug_taken')) throw err;
    }
  }
  return n;
}
