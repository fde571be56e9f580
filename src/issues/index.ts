/** The issues capability's services, built once by the composition root. */
import type { Pool } from '../db/pool';
import type { Queries } from '../db/queries';
import { loadTemplates } from '../rendering/templates';
import { VariantStore } from '../rendering/variant-store';
import { Variants } from '../rendering/variants';
import type { Topics } from '../topics';
import { Importers } from './importers';
import { IssuesService } from './service';

export interface IssueServices {
  issues: IssuesService;
  importers: Importers;
  variants: Variants;
}

export function createIssueServices(deps: { pool: Pool; queries: Queries; topics: Topics; postalAddress: string }): IssueServices {
  const issues = new IssuesService(deps.pool, deps.queries, deps.topics);
  return {
    issues,
    importers: new Importers(deps.topics),
    // Templates are read once at boot: a broken or missing template fails the boot, not a send.
    variants: new Variants(new VariantStore(deps.pool, deps.queries), issues, deps.topics, loadTemplates(), deps.postalAddress),
  };
}
