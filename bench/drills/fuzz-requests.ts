// The fuzz drill's request generator: Ward's operations read from its OpenAPI document, and random
// or mutated requests for them. Requests that carry a valid session and could write are made
// invalid on purpose (malformed JSON, a wrong media type, a body or path that breaks the schema), so
// that a correct Ward refuses them before any handler runs and nothing in the database changes.
import { randomUUID } from 'node:crypto';

export interface JsonSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly format?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
}

export interface Parameter {
  readonly name: string;
  readonly schema: JsonSchema;
  readonly required: boolean;
}

export interface Operation {
  readonly method: string;
  /** OpenAPI path template, e.g. `/api/institutions/{iid}/patients`. */
  readonly template: string;
  readonly pathParams: readonly Parameter[];
  readonly query: readonly Parameter[];
  readonly body: JsonSchema | undefined;
}

interface OpenApiOperation {
  readonly parameters?: readonly { name: string; in: string; required?: boolean; schema?: JsonSchema }[];
  readonly requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** Every operation the OpenAPI document lists, plus the routes it hides (health, docs, the web app). */
export function operationsFrom(doc: {
  paths: Record<string, Record<string, OpenApiOperation>>;
}): Operation[] {
  const operations: Operation[] = [];
  for (const [template, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      const parameters = op.parameters ?? [];
      const of = (where: string): Parameter[] =>
        parameters
          .filter((p) => p.in === where)
          .map((p) => ({ name: p.name, schema: p.schema ?? {}, required: p.required ?? false }));
      operations.push({
        method: method.toUpperCase(),
        template,
        pathParams: of('path'),
        query: of('query'),
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  for (const template of ['/healthz', '/readyz', '/api/docs', '/', '/index.html', '/api', '/api/nothing']) {
    operations.push({ method: 'GET', template, pathParams: [], query: [], body: undefined });
  }
  return operations;
}

export const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];

/** Real ids by path parameter name (`iid`, `pid`, …), from this and other institutions. */
export type IdPool = Readonly<Record<string, readonly string[]>>;

export interface Session {
  readonly label: string;
  readonly token: string;
}

export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
  /** Which operation it aims at and how, for the report. */
  readonly label: string;
  /** True when the request carries a valid session and aims at a write: it must be refused. */
  readonly mustBeRefused: boolean;
}

class Dice {
  readonly #random: () => number;
  constructor(random: () => number) {
    this.#random = random;
  }
  chance(p: number): boolean {
    return this.#random() < p;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.#random() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.#random() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

const GARBAGE_SEGMENTS = [
  'abc',
  '0',
  '-1',
  '1e309',
  'null',
  'undefined',
  'NaN',
  '..',
  '../',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f',
  '%00',
  '%zz',
  '%',
  '%E2%80%AE',
  '%F0%9F%98%80',
  '%C3%A9%E4%B8%AD%E6%96%87%F0%9F%98%80',
  '%E2%80%AEgnp.exe',
  "1'%20OR%20'1'%3D'1",
  '%3Cscript%3E',
  '%ED%A0%80',
  '%C0%AF',
  '%FF%FE',
  '{00000000-0000-0000-0000-000000000000}',
  'urn:uuid:',
  '__proto__',
  'constructor',
];

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  "' OR '1'='1' --",
  '"; DROP TABLE ward.users; --',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '\u202e\u0000\uffff',
  '\ud800',
  '😀'.repeat(300),
  'é'.repeat(5000),
  '%00%0d%0a',
  '\r\nSet-Cookie: x=y',
  '1970-13-45',
  '9999-99-99T99:99:99Z',
  'NaN',
  '-0',
  'true',
];

function hugeString(dice: Dice): string {
  return dice.pick(['A', 'é', '😀', '\\', '"', '0']).repeat(dice.int(10_000, 300_000));
}

function nested(dice: Dice, depth: number): unknown {
  let value: unknown = dice.pick([1, 'x', null]);
  for (let i = 0; i < depth; i++) value = dice.chance(0.5) ? [value] : { a: value };
  return value;
}

/** A value meant to break things: of any JSON type, deep, long or odd. */
function hostileValue(dice: Dice): unknown {
  switch (dice.int(0, 9)) {
    case 0:
      return dice.pick(HOSTILE_STRINGS);
    case 1:
      return hugeString(dice);
    case 2:
      return dice.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, Number.MAX_VALUE, Number.MIN_VALUE]);
    case 3:
      return dice.pick([null, true, false]);
    case 4:
      return nested(dice, dice.int(50, 3000));
    case 5:
      return Array.from({ length: dice.int(1000, 20_000) }, (_, i) => i);
    case 6:
      return Object.fromEntries(Array.from({ length: dice.int(100, 3000) }, (_, i) => [`k${String(i)}`, i]));
    case 7:
      return [];
    case 8:
      return {};
    default:
      return randomUUID();
  }
}

function allowedTypes(schema: JsonSchema): Set<string> {
  const types = new Set<string>();
  if (schema.type !== undefined) types.add(schema.type === 'integer' ? 'number' : schema.type);
  for (const value of schema.enum ?? []) types.add(value === null ? 'null' : typeof value);
  for (const branch of schema.anyOf ?? []) for (const t of allowedTypes(branch)) types.add(t);
  return types;
}

/** A value whose JSON type the schema does not allow (types are never coerced), or undefined. */
function wrongType(dice: Dice, schema: JsonSchema): unknown {
  const allowed = allowedTypes(schema);
  if (allowed.size === 0) return undefined;
  const candidates: [string, () => unknown][] = [
    ['string', () => dice.pick(HOSTILE_STRINGS)],
    ['number', () => dice.pick([0, -1, 1.5, 1e308])],
    ['boolean', () => dice.chance(0.5)],
    ['null', () => null],
    ['object', () => (dice.chance(0.3) ? nested(dice, dice.int(10, 2000)) : { $gt: '' })],
    ['array', () => [dice.pick(HOSTILE_STRINGS)]],
  ];
  const usable = candidates.filter(([type]) => !allowed.has(type));
  return usable.length === 0 ? undefined : dice.pick(usable)[1]();
}

function text(dice: Dice, min = 1, max = 40): string {
  const letters = Array.from('abcdefghijklmnopqrstuvwxyz ÁéñøЖ中');
  const length = dice.int(Math.max(1, min), Math.max(Math.max(1, min), Math.min(max, 40)));
  let out = 'x';
  while (out.length < length) out += dice.pick(letters);
  return out.slice(0, length);
}

/** A value the schema accepts, near enough (patterns are not solved, only lived with). */
function validValue(dice: Dice, schema: JsonSchema, ids: IdPool, name = ''): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined && schema.enum.length > 0) return dice.pick(schema.enum);
  if (schema.anyOf !== undefined && schema.anyOf.length > 0)
    return validValue(dice, dice.pick(schema.anyOf), ids, name);
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uuid') return dice.pick(ids[name] ?? [randomUUID()]);
      if (schema.format === 'date')
        return `19${String(dice.int(10, 99))}-0${String(dice.int(1, 9))}-1${String(dice.int(0, 9))}`;
      if (schema.format === 'date-time') return new Date(Date.now() - dice.int(0, 1e9)).toISOString();
      if (schema.format === 'email') return `${text(dice, 3, 10).replace(/[^a-z]/g, 'q')}@example.org`;
      return text(dice, schema.minLength ?? 1, schema.maxLength ?? 40);
    case 'integer':
    case 'number':
      return dice.int(schema.minimum ?? 1, Math.min(schema.maximum ?? 100, (schema.minimum ?? 1) + 100));
    case 'boolean':
      return dice.chance(0.5);
    case 'null':
      return null;
    case 'array': {
      const count = dice.int(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3));
      return Array.from({ length: count }, () => validValue(dice, schema.items ?? {}, ids));
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || dice.chance(0.5))
          out[key] = validValue(dice, property, ids, key);
      }
      return out;
    }
    default:
      return 'x';
  }
}

/** JSON text with a key that would pollute a prototype if a parser let it through. */
function pollutingJson(dice: Dice, base: unknown): string {
  const inner = JSON.stringify(base ?? {});
  const payload = dice.pick([
    '"__proto__":{"isAdmin":true,"roles":["institution_admin"]}',
    '"constructor":{"prototype":{"isAdmin":true}}',
    '"__proto__":null',
  ]);
  return inner.startsWith('{') && inner.length > 2 ? `{${payload},${inner.slice(1)}` : `{${payload}}`;
}

const MALFORMED_JSON = [
  '{',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":undefined}',
  '[1,2',
  '{"a":"\\x00"}',
  '{"a":"\\ud800"',
  '{"a":1}}',
  '\u0000',
  'null null',
  '{"a":1}{"b":2}',
  '['.repeat(5000),
  '{"a":'.repeat(2000),
];

// Media types Ward has no parser for: refused with 415 whatever the body says.
const WRONG_MEDIA_TYPES = [
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'text/html',
  'image/png',
];

// Spellings of JSON (and plain text) that a parser might match while validation is skipped: a
// schema-breaking body sent with them must still be refused.
const ODD_JSON_MEDIA_TYPES = [
  'application/json',
  'Application/JSON',
  'application/json; charset=utf-8',
  'application/json ; charset=UTF-8',
  'application/json;charset=utf-7',
  'text/plain',
  'application/json-patch+json',
  'application/jsonx',
];

function jsonType(dice: Dice): string {
  return dice.chance(0.7) ? 'application/json' : dice.pick(ODD_JSON_MEDIA_TYPES);
}

interface Body {
  readonly text: string | undefined;
  readonly contentType: string | undefined;
  readonly how: string;
}

/** A body a correct Ward refuses before any handler runs; undefined when none is certain. */
function refusedBody(dice: Dice, op: Operation | undefined, ids: IdPool): Body {
  const schema = op?.body;
  const strategies: (() => Body | undefined)[] = [
    () => ({ text: dice.pick(MALFORMED_JSON), contentType: 'application/json', how: 'malformed JSON' }),
    () => ({ text: '', contentType: 'application/json', how: 'empty JSON body' }),
    () => ({
      text: JSON.stringify(validValue(dice, schema ?? { type: 'object' }, ids)) || 'x',
      contentType: dice.pick(WRONG_MEDIA_TYPES),
      how: 'unsupported media type',
    }),
    () => ({
      text: pollutingJson(dice, schema ? validValue(dice, schema, ids) : {}),
      contentType: 'application/json',
      how: 'prototype-polluting key',
    }),
  ];
  if (schema?.type === 'object') {
    strategies.push(() => {
      const body = validValue(dice, schema, ids) as Record<string, unknown>;
      const required = schema.required ?? [];
      if (required.length > 0 && dice.chance(0.5)) {
        const missing = dice.pick(required);
        mutateFreely(dice, body, missing);
        Reflect.deleteProperty(body, missing);
        return { text: JSON.stringify(body), contentType: jsonType(dice), how: `missing ${missing}` };
      }
      const keys = Object.keys(schema.properties ?? {});
      const candidates = keys.filter((k) => schema.properties?.[k] !== undefined);
      for (let tries = 0; tries < 5 && candidates.length > 0; tries++) {
        const key = dice.pick(candidates);
        const wrong = wrongType(dice, schema.properties?.[key] ?? {});
        if (wrong === undefined) continue;
        mutateFreely(dice, body, key);
        body[key] = wrong;
        return { text: JSON.stringify(body), contentType: jsonType(dice), how: `wrong type for ${key}` };
      }
      if (schema.additionalProperties === false) {
        const extra = dice.pick(['isAdmin', 'role', 'institutionId', 'id', 'version2', '$where', 'toString']);
        body[extra] = hostileValue(dice);
        return { text: JSON.stringify(body), contentType: jsonType(dice), how: `extra field ${extra}` };
      }
      return undefined;
    });
    strategies.push(() => ({
      text: JSON.stringify(dice.pick([[], 'text', 42, null, true, [validValue(dice, schema, ids)]])),
      contentType: 'application/json',
      how: 'not an object',
    }));
  }
  for (let tries = 0; tries < 5; tries++) {
    const body = dice.pick(strategies)();
    if (body !== undefined) return body;
  }
  return { text: '{', contentType: 'application/json', how: 'malformed JSON' };
}

/** Random changes to every property but `keep` (which the caller breaks on purpose). */
function mutateFreely(dice: Dice, body: Record<string, unknown>, keep: string): void {
  for (const key of Object.keys(body)) {
    if (key !== keep && dice.chance(0.3)) body[key] = hostileValue(dice);
  }
}

/** Any body at all: valid, mutated, malformed, mistyped, huge or absent. */
function anyBody(dice: Dice, op: Operation | undefined, ids: IdPool): Body {
  const schema = op?.body;
  const roll = dice.int(0, 9);
  if (roll <= 2 && schema !== undefined) {
    return {
      text: JSON.stringify(validValue(dice, schema, ids)),
      contentType: jsonType(dice),
      how: 'valid body',
    };
  }
  if (roll <= 4 && schema?.type === 'object') {
    const body = validValue(dice, schema, ids) as Record<string, unknown>;
    mutateFreely(dice, body, '');
    if (dice.chance(0.3)) body[dice.pick(['extra', 'isAdmin', 'id'])] = hostileValue(dice);
    return { text: JSON.stringify(body), contentType: jsonType(dice), how: 'mutated body' };
  }
  if (roll === 5) return { text: undefined, contentType: undefined, how: 'no body' };
  // JSON with a byte-order mark is valid JSON to Ward's parser: sent only where anything goes.
  if (roll === 6 && schema !== undefined && dice.chance(0.2)) {
    return {
      text: `\uFEFF${JSON.stringify(validValue(dice, schema, ids))}`,
      contentType: 'application/json',
      how: 'BOM before JSON',
    };
  }
  if (roll === 6 && dice.chance(0.1)) {
    // Over the 1 MiB body limit.
    return {
      text: JSON.stringify({ a: 'A'.repeat(1_100_000) }),
      contentType: 'application/json',
      how: 'body over the limit',
    };
  }
  return refusedBody(dice, op, ids);
}

function pathFor(dice: Dice, op: Operation, ids: IdPool): { path: string; garbage: boolean } {
  let garbage = false;
  const path = op.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const roll = dice.int(0, 9);
    if (roll <= 5) {
      const pool = ids[name];
      return pool && pool.length > 0 ? dice.pick(pool) : randomUUID();
    }
    if (roll <= 6) {
      // Well-formed but unknown: a new one, the nil and max uuids, upper case.
      return dice.pick([
        randomUUID(),
        randomUUID().toUpperCase(),
        '00000000-0000-0000-0000-000000000000',
        'ffffffff-ffff-ffff-ffff-ffffffffffff',
      ]);
    }
    garbage = true;
    if (roll === 7) return dice.pick(GARBAGE_SEGMENTS);
    if (roll === 8) return 'a'.repeat(dice.int(101, 4000));
    return randomUUID() + dice.pick(['.json', '%20', ';x=1', 'x', '%00']);
  });
  return { path, garbage };
}

/** A generated value as query-string text. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Percent-encodes every byte of the UTF-8 form (a lone surrogate becomes U+FFFD, not an exception). */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

function queryFor(dice: Dice, op: Operation, ids: IdPool): string {
  const parts: string[] = [];
  for (const param of op.query) {
    if (!param.required && dice.chance(0.5)) continue;
    const roll = dice.int(0, 9);
    const value =
      roll <= 5
        ? asText(validValue(dice, param.schema, ids, param.name))
        : roll <= 7
          ? dice.pick(HOSTILE_STRINGS)
          : roll === 8
            ? 'q'.repeat(dice.int(100, 3000))
            : dice.pick(GARBAGE_SEGMENTS);
    parts.push(`${encode(param.name)}=${roll === 9 ? value : encode(value)}`);
    if (dice.chance(0.05)) parts.push(`${encode(param.name)}=again`);
  }
  if (dice.chance(0.1))
    parts.push(dice.pick(['__proto__[x]=1', 'constructor[prototype][x]=1', 'a[]=1', '%zz=1', '=', '&&']));
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

export interface Generator {
  next(): FuzzRequest;
}

/**
 * Random requests across `operations`, with no session, a garbage one, or a valid one of the
 * given `sessions` (as a bearer token or the session cookie).
 */
export function requestGenerator(
  random: () => number,
  operations: readonly Operation[],
  sessions: readonly Session[],
  ids: IdPool,
): Generator {
  const dice = new Dice(random);
  const byRoute = new Map(operations.map((op) => [`${op.method} ${op.template}`, op]));
  return {
    next: () => {
      const aimed = dice.pick(operations);
      const method = dice.chance(0.8) ? aimed.method : dice.pick(ALL_METHODS);
      const op = byRoute.get(`${method} ${aimed.template}`);
      const { path, garbage } = pathFor(dice, aimed, ids);
      const query = queryFor(dice, op ?? aimed, ids);
      const headers: Record<string, string> = {};
      const sessionRoll = dice.int(0, 9);
      let sessionLabel: string;
      let validSession = false;
      if (sessionRoll <= 1) sessionLabel = 'no session';
      else if (sessionRoll === 2) {
        sessionLabel = 'garbage session';
        const token = dice.pick([
          randomUUID(),
          'x'.repeat(dice.int(1, 3000)),
          '..',
          'null',
          `${randomUUID()}.${randomUUID()}`,
        ]);
        if (dice.chance(0.5))
          headers.authorization = `${dice.pick(['Bearer', 'bearer', 'Basic', 'Token'])} ${token}`;
        else headers.cookie = `ward_session=${encode(token)}`;
      } else {
        const session = dice.pick(sessions);
        validSession = true;
        if (dice.chance(0.8)) {
          headers.authorization = `Bearer ${session.token}`;
          sessionLabel = `${session.label} bearer`;
        } else {
          headers.cookie = `ward_session=${session.token}`;
          sessionLabel = `${session.label} cookie`;
          if (dice.chance(0.7)) headers['sec-fetch-site'] = dice.pick(['same-origin', 'cross-site', 'none']);
        }
      }
      const writes = WRITE_METHODS.has(method);
      const mustBeRefused = validSession && writes;
      // A valid session may only write what is refused: a broken path parameter does it, else the body.
      const body: Body =
        method === 'GET' || method === 'HEAD'
          ? { text: undefined, contentType: undefined, how: 'no body' }
          : mustBeRefused && !garbage
            ? refusedBody(dice, op, ids)
            : anyBody(dice, op, ids);
      if (body.contentType !== undefined) headers['content-type'] = body.contentType;
      if (method === 'PUT' && dice.chance(0.5))
        headers['if-match'] = dice.pick(['"1"', '"999"', '*', 'W/"1"', '"x"', '']);
      if (dice.chance(0.1)) headers.accept = dice.pick(['text/csv', 'application/xml', '*/*', 'text/html']);
      return {
        method,
        path: `${path}${query}`,
        headers,
        body: body.text,
        label: `${method} ${aimed.template} [${sessionLabel}; ${garbage ? 'broken path; ' : ''}${body.how}]`,
        mustBeRefused,
      };
    },
  };
}

/** Writes that change nothing (a password-strength check): a valid session may have them accepted. */
export const NON_WRITING = new Set(['POST /api/me/password/check']);

// In query strings: text PostgreSQL cannot store (NUL), quotes and LIKE wildcards, a lone
// surrogate (sent as U+FFFD). In bodies only NUL, which no valid write may hold.
const SWEEP_QUERY_TEXT = ['a\u0000b', "x' OR '1'='1' --", '%_\\\ud800'];
const SWEEP_BODY_TEXT = ['a\u0000b', '\u0000'];

function firstIds(ids: IdPool): IdPool {
  return Object.fromEntries(Object.entries(ids).map(([name, pool]) => [name, pool.slice(0, 1)]));
}

/**
 * The same requests every run, so that rare combinations are not left to chance: each query
 * parameter holding each of SWEEP_QUERY_TEXT, then each top-level text field of each body holding
 * NUL, sent with every valid session (aimed at the first institution's records, which they may
 * reach). Text PostgreSQL cannot store is invalid input: a write holding it must be refused.
 */
export function sweepRequests(
  operations: readonly Operation[],
  sessions: readonly Session[],
  ids: IdPool,
): FuzzRequest[] {
  const own = firstIds(ids);
  const dice = new Dice(() => 0.25);
  const out: FuzzRequest[] = [];
  for (const op of operations) {
    const path = op.template.replace(/\{(\w+)\}/g, (_, name: string) => own[name]?.[0] ?? randomUUID());
    const route = `${op.method} ${op.template}`;
    for (const param of op.query) {
      for (const value of SWEEP_QUERY_TEXT) {
        const rest = op.query
          .filter((p) => p.required && p.name !== param.name)
          .map((p) => `${encode(p.name)}=${encode(asText(validValue(dice, p.schema, own, p.name)))}`);
        const query = [`${encode(param.name)}=${encode(value)}`, ...rest].join('&');
        for (const session of sessions) {
          out.push({
            method: op.method,
            path: `${path}?${query}`,
            headers: { authorization: `Bearer ${session.token}` },
            body: undefined,
            label: `${route} [${session.label} bearer; sweep ?${param.name}]`,
            mustBeRefused: WRITE_METHODS.has(op.method) && !NON_WRITING.has(route),
          });
        }
      }
    }
    const schema = op.body;
    if (schema?.type !== 'object') continue;
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      if (property.type !== 'string' || property.format !== undefined || property.enum !== undefined)
        continue;
      for (const value of SWEEP_BODY_TEXT) {
        const body = validValue(dice, schema, own) as Record<string, unknown>;
        body[key] = value;
        for (const session of sessions) {
          out.push({
            method: op.method,
            path,
            headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
            label: `${route} [${session.label} bearer; sweep body ${key}]`,
            mustBeRefused: WRITE_METHODS.has(op.method) && !NON_WRITING.has(route),
          });
        }
      }
    }
  }
  return out;
}
