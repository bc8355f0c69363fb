/**
 * Splits a callgrind count of a Node process into its steady part and its lumps, for
 * `instructions.ts` (HTTP servers) and `instructions-core.ts` (the receiver in-process).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Runs a TypeScript script in Node (its main thread alone: the garbage collector and the
 * compilers count as the script's work) under callgrind, which writes its counts to `out`.
 */
export function underCallgrind(
  out: string,
  script: string,
  args: readonly string[],
  stderr: 'ignore' | 'inherit' = 'ignore',
): ChildProcess {
  const node = [process.execPath, '--single-threaded', '--import', 'tsx', script, ...args];
  return spawn('valgrind', ['-q', '--tool=callgrind', `--callgrind-out-file=${out}`, ...node], {
    stdio: ['ignore', 'ignore', stderr],
  });
}

/** Zeroes the counts of a process running under callgrind: what runs after is what is counted. */
export function zeroCounts(pid: number | undefined): void {
  execFileSync('callgrind_control', ['-z', String(pid)], { stdio: 'ignore' });
}

/** Exits with a clear message when valgrind is not installed. */
export function requireValgrind(command: string): void {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    process.stderr.write(`${command} needs valgrind (apt-get install valgrind)\n`);
    process.exit(1);
  }
}

/** An instruction count as printed: whole, with thousands separators, right-aligned. */
export const thousands = (value: number) => Math.round(value).toLocaleString('en-US').padStart(9);

/** Instructions per counted request: all of them, and those of full garbage collections and of the compilers. */
export interface Count {
  total: number;
  gc: number;
  compiler: number;
}

// V8's own functions by what they do, matched on callgrind_annotate's `file:function` lines (the
// node binary keeps its C++ symbols). A full collection (marking, sweeping, compaction) comes every
// tens of thousands of requests; a scavenge every thousand or so, as steady as the requests that
// fill the young generation, so it stays in the steady count. JIT code has no symbol: steady work.
const SCAVENGE_FUNCTION = /Scaveng/;
const FULL_GC_FUNCTION =
  /v8::internal::\S*(?:Mark|Sweep|Evacuat|PointersUpdating|RememberedSetUpdating|Compaction)|heap::base::|cppgc::/;
const COMPILER_FUNCTION =
  /v8::internal::(?:compiler::|maglev::|baseline::|interpreter::Bytecode|Compiler::|OptimizingCompileDispatcher|Parser\b|Parser::|ParserBase|PreParser|Scanner|AstValueFactory|Zone\b|Zone::|DeclarationScope|Scope::)/;

/** Picks out of a callgrind file's self costs by function those of full collections and of the compilers. */
export function countOf(file: string, total: number, counted: number): Count {
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  let gc = 0;
  let compiler = 0;
  for (const line of annotated.split('\n')) {
    const match = /^\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*)$/.exec(line);
    if (!match) continue;
    const cost = Number(match[1]!.replaceAll(',', ''));
    // callgrind_annotate also lists the outermost frames (main, the event loop) with the whole total.
    if (cost > total / 2) continue;
    const name = match[2]!;
    if (SCAVENGE_FUNCTION.test(name)) continue;
    if (FULL_GC_FUNCTION.test(name)) gc += cost;
    else if (COMPILER_FUNCTION.test(name)) compiler += cost;
  }
  return { total: total / counted, gc: gc / counted, compiler: compiler / counted };
}

export const steady = (count: Count) => count.total - count.gc - count.compiler;

/** A callgrind file's count per counted request (`counted`: what ran after its counts were zeroed). */
export function countFile(file: string, counted: number): Count {
  const totals = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
  if (!totals) throw new Error(`no totals in ${file}`);
  return countOf(file, Number(totals[1]), counted);
}
