/**
 * Node built-ins and optional packages, reached at run time only: the main
 * entry imports no Node built-in statically (it also runs on Bun, Deno and
 * workerd), and `@opentelemetry/api` is an optional peer that may be absent.
 * `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno) answers synchronously;
 * where it is missing, these answer undefined and the feature stays off.
 */

interface BuiltinLoader {
  getBuiltinModule?: (id: string) => unknown;
}

/** A Node built-in module, or undefined where this runtime has no synchronous way to it. */
export function nodeBuiltin<T>(id: string): T | undefined {
  try {
    const host = (globalThis as { process?: BuiltinLoader }).process;
    return host?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

interface ModuleBuiltin {
  createRequire(from: string): (id: string) => unknown;
}

/** Where this module lives, to resolve packages from: the CJS build has __filename, the ESM build import.meta.url. */
function here(): string | undefined {
  return typeof __filename === 'string' ? __filename : import.meta.url;
}

/**
 * An installed package, resolved from this one (so a pnpm peer resolves as the app
 * installed it), or undefined when it is not installed or cannot be loaded here.
 */
export function optionalPackage<T>(id: string): T | undefined {
  try {
    const from = here();
    const module = nodeBuiltin<ModuleBuiltin>('node:module');
    if (!from || !module) return undefined;
    return module.createRequire(from)(id) as T;
  } catch {
    return undefined;
  }
}
