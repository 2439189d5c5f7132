import { createHash } from 'node:crypto';
import {
  sql,
  type Compilable,
  type CompiledQuery,
  type Kysely,
  type QueryResult,
  type RawBuilder,
} from 'kysely';
import pg from 'pg';

// PostgreSQL parses and plans an unnamed statement every time it runs. For the few statements
// nearly every request makes (the session check, the patient read, the audit rows, a sign-in's
// four), that work was as much of the database's CPU as executing them. Those statements run as
// named prepared statements instead: parsed and planned once per connection, then only executed.
// Only statements marked here are prepared, because a prepared statement is planned for any
// parameters, which suits an index lookup but not, say, a search whose best plan depends on the
// text searched for.

const MARK = '/* prepared */ ';
// Each connection keeps every statement it prepared. A marked statement whose text varied without
// bound (a list of values spelled out) would grow that without bound: past this many distinct
// texts, new ones run unnamed.
const MAX_PREPARED = 200;
const names = new Map<string, string>();

function nameFor(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined || names.size >= MAX_PREPARED) return known;
  const name = `ward_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
  names.set(text, name);
  return name;
}

/**
 * node-pg's client, running statements marked by `prepared` as named prepared statements. The name
 * comes from the text, so the same text is prepared once per connection and never clashes.
 */
export class PreparingClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const plain = this.query.bind(this) as (...args: unknown[]) => unknown;
    this.query = ((...args: unknown[]) => {
      const [text, values] = args;
      if (args.length === 2 && typeof text === 'string' && text.startsWith(MARK) && Array.isArray(values)) {
        const name = nameFor(text);
        if (name !== undefined) return plain({ name, text, values });
      }
      return plain(...args);
    }) as typeof this.query;
  }
}

/** Runs `query` as a prepared statement (see above): its text must not depend on its values. */
export async function runPrepared<DB, R>(
  db: Kysely<DB>,
  query: Compilable<R> | RawBuilder<R>,
): Promise<QueryResult<R>> {
  const compiled: CompiledQuery<R> = 'isRawBuilder' in query ? query.compile(db) : query.compile();
  return db.executeQuery<R>({ ...compiled, sql: MARK + compiled.sql });
}

/** The n-th value of a `PreparedStatement` (from 1), where the statement's SQL takes it. */
export type Param = <T = unknown>(n: number) => RawBuilder<T>;
const param: Param = <T>(n: number) => sql.raw<T>(`$${n}`);

/**
 * A prepared statement built once with Kysely, its values numbered parameters, so that running it
 * costs no building or compiling: for statements a busy node runs thousands of times a second.
 */
export class PreparedStatement<DB, R> {
  readonly #build: (db: Kysely<DB>, param: Param) => Compilable<R> | RawBuilder<R>;
  #compiled: CompiledQuery<R> | undefined;

  /** `build` must take every value through `param` (checked when first run). */
  constructor(build: (db: Kysely<DB>, param: Param) => Compilable<R> | RawBuilder<R>) {
    this.#build = build;
  }

  async run(db: Kysely<DB>, values: readonly unknown[]): Promise<QueryResult<R>> {
    this.#compiled ??= this.#compile(db);
    return db.executeQuery<R>({ ...this.#compiled, parameters: values });
  }

  #compile(db: Kysely<DB>): CompiledQuery<R> {
    const query = this.#build(db, param);
    const compiled: CompiledQuery<R> = 'isRawBuilder' in query ? query.compile(db) : query.compile();
    // A value Kysely numbered itself would collide with the numbers `param` gave.
    if (compiled.parameters.length > 0)
      throw new Error(`a prepared statement took a value other than through param(): ${compiled.sql}`);
    return { ...compiled, sql: MARK + compiled.sql };
  }
}
