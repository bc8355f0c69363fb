import type { StandardSchemaV1 } from '@standard-schema/spec';
import { HookgateError } from './errors.js';

export type { StandardSchemaV1 };

/** Event type → schema of its payload (zod, valibot, arktype: any Standard Schema). */
export type EventSchemas = Record<string, StandardSchemaV1>;

export class SchemaMismatchError extends HookgateError {
  /** The validator's issues, for logs; never sent to the sender. */
  readonly issues: readonly StandardSchemaV1.Issue[];
  /** The event type whose schema failed. */
  readonly type: string;
  constructor(type: string, issues: readonly StandardSchemaV1.Issue[]) {
    // Paths can hold payload keys (records, maps): they stay on `issues`, out of the answer.
    super('schema_mismatch', 'The event does not match the schema for its type');
    this.type = type;
    this.issues = issues;
  }

  /** The failing paths, e.g. `data.amount`, for logs. */
  get paths(): string[] {
    return this.issues.map((issue) => pathText(issue.path));
  }
}

function pathText(path: StandardSchemaV1.Issue['path']): string {
  if (!path || path.length === 0) return '(root)';
  return path.map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
}

export function validate(schema: StandardSchemaV1, type: string, payload: unknown): unknown | Promise<unknown> {
  const result = schema['~standard'].validate(payload);
  if (result instanceof Promise) return result.then((settled) => unwrap(settled, type));
  return unwrap(result, type);
}

function unwrap(result: StandardSchemaV1.Result<unknown>, type: string): unknown {
  if (result.issues) throw new SchemaMismatchError(type, result.issues);
  return result.value;
}
