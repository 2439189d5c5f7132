// The plans of the statements a piece of Ward runs, so that a test can hold it to reading its rows
// by index: at a provincial health system's volumes a statement that reads a whole table, or a
// whole institution's rows, takes hundreds of milliseconds where an index takes one. A test database
// is small, so the plans are taken with sequential scans priced out: a statement then reads a table
// whole only when no index serves it, and reads by an index's leading column alone only when no
// index holds the rest of what it asks.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Schema } from '../src/db/schema.ts';

export interface Statement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

export interface RecordingKysely {
  readonly db: Kysely<Schema>;
  /** Every statement run through `db`, in order. */
  readonly statements: Statement[];
  destroy(): Promise<void>;
}

/** A Kysely on the database at `url` (one connection) that records the statements it runs. */
export function recordingKysely(url: string): RecordingKysely {
  const statements: Statement[] = [];
  const db = new Kysely<Schema>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
    log: (event) => {
      if (event.level === 'query') statements.push(event.query);
    },
  });
  return { db, statements, destroy: () => db.destroy() };
}

/** A node of `EXPLAIN (FORMAT JSON)`, with the fields these checks read. */
export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly 'Index Cond'?: string;
  readonly Filter?: string;
  readonly Plans?: readonly PlanNode[];
}

/** The plan PostgreSQL picks for `statement` with sequential scans priced out. */
export async function planOf(owner: pg.Client, statement: Statement): Promise<PlanNode> {
  await owner.query('BEGIN');
  try {
    await owner.query('SET LOCAL enable_seqscan = off');
    const { rows } = await owner.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${statement.sql}`,
      [...statement.parameters],
    );
    const plan = rows[0]?.['QUERY PLAN'][0].Plan;
    if (!plan) throw new Error(`no plan for ${statement.sql}`);
    return plan;
  } finally {
    await owner.query('ROLLBACK');
  }
}

/** Every node of the plan, the root first. */
export function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

export interface TableRead {
  readonly node: string;
  /** What the read is bounded by: its index condition (a bitmap scan's, of every index it combines). */
  readonly indexCond: string;
  /** What it reads and then throws away. */
  readonly filter: string;
}

/** How the plan reads `table` (unqualified, as in the plan): one entry per node that reads it. */
export function readsOf(plan: PlanNode, table: string): TableRead[] {
  return nodesOf(plan)
    .filter((node) => node['Relation Name'] === table)
    .map((node) => ({
      node: node['Index Name'] ? `${node['Node Type']} using ${node['Index Name']}` : node['Node Type'],
      indexCond: [node, ...nodesOf(node).filter((n) => n['Node Type'] === 'Bitmap Index Scan')]
        .map((n) => n['Index Cond'] ?? '')
        .join(' '),
      filter: node.Filter ?? '',
    }));
}

/** The plan as text, for a failing assertion's message. */
export function showPlan(statement: Statement, plan: PlanNode): string {
  return `${statement.sql}\n${JSON.stringify(plan, null, 1)}`;
}
