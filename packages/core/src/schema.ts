import type { StandardSchemaV1 } from '@standard-schema/spec';
import { HookgateError } from './errors.js';

export type { StandardSchemaV1 };

/** Event type → schema of its payload (zod, valibot, arktype: any Standard Schema). */
export type EventSchemas = Record<string, StandardSchemaV1>;

export class SchemaMismatchError extends HookgateError {
  /** The validator's issues, for logs; never sent to the sender. */
  readonly issues: readonly StandardSchemaV1.Issue[];
  constructor(type: string, issues: readonly StandardSchemaV1.Issue[]) {
    const paths = issues
      .slice(0, 5)
      .map((issue) => pathText(issue.path))
      .join(', ');
    super('schema_mismatch', `The "${type}" event does not match its schema${paths ? ` at ${paths}` : ''}`);
    this.issues = issues;
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
