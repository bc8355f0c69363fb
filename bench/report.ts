/** The printed report (one table per section, then the targets) and the JSON it is written as. */
import { SIZES } from './fixtures.js';
import { costRatio, type HttpMeasurement, median, processSpread } from './http.js';
import { HTTP_ROWS } from './http-rows.js';
import type { MemoryMeasurement } from './memory.js';
import { VERIFY_ROWS, type VerifyMeasurement } from './verify.js';

export interface TargetCheck {
  target: string;
  size: string;
  value: number;
  max?: number;
  min?: number;
  met: boolean;
  /** Context printed after the figure. */
  note?: string;
}

export interface Report {
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  machine: { node: string; cpu: string; cores: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  settings: unknown;
  verify: VerifyMeasurement[];
  memory: MemoryMeasurement | undefined;
  http: HttpMeasurement[];
  targets: TargetCheck[];
}

const BASELINE_MARK = { limit: 'L', 'limit-parse': 'LP' } as const;

function time(ns: number): string {
  const us = ns / 1000;
  if (us >= 100) return `${us.toFixed(0)} µs`;
  if (us >= 10) return `${us.toFixed(1)} µs`;
  return `${us.toFixed(2)} µs`;
}

const ratio = (value: number) => (value >= 10 ? value.toFixed(1) : value.toFixed(2));

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function verifyTable(verify: readonly VerifyMeasurement[]): string[] {
  const find = (row: string, size: string) => verify.find((m) => m.row === row && m.size === size)?.ns;
  const rows = VERIFY_ROWS.filter((row) => verify.some((m) => m.row === row.id));
  const sizes = SIZES.filter((size) => verify.some((m) => m.size === size.label));
  const labelWidth = Math.max(...rows.map((row) => row.label.length), 4) + 1;
  const cellWidth = 30;
  const lines = [
    'VERIFICATION: mean time per operation (best round); ratios in the same run:',
    '  ×L = to the limit (HMAC-SHA256 + timingSafeEqual), ×LP = to limit + JSON.parse,',
    '  ×acc = a rejection to its own acceptance, ×hg = a peer to hookgate doing the same work (higher: hookgate faster)',
    `${pad('task', labelWidth)}|${sizes.map((size) => pad(` ${size.label}`, cellWidth)).join('|')}`,
    `${'-'.repeat(labelWidth)}|${sizes.map(() => '-'.repeat(cellWidth)).join('|')}`,
  ];
  for (const row of rows) {
    const cells = sizes.map((size) => {
      const value = find(row.id, size.label);
      if (value === undefined) return pad(' -', cellWidth);
      const base = find(row.baseline, size.label);
      let text = ` ${pad(time(value), 9, true)}`;
      if (base !== undefined) text += ` ${pad(ratio(value / base), 5, true)}×${BASELINE_MARK[row.baseline]}`;
      const accept = row.acceptOf === undefined ? undefined : find(row.acceptOf, size.label);
      const counterpart = row.counterpart === undefined ? undefined : find(row.counterpart, size.label);
      if (counterpart !== undefined) text += ` ${ratio(value / counterpart)}×hg`;
      else if (accept !== undefined) text += ` ${ratio(value / accept)}×acc`;
      return pad(text, cellWidth);
    });
    lines.push(`${pad(row.label, labelWidth)}|${cells.join('|')}`);
  }
  return lines;
}

function httpTable(http: readonly HttpMeasurement[]): string[] {
  const rounds = Math.max(...http.map((m) => m.rounds.length));
  const instances = Math.max(...http.map((m) => m.instances ?? 1));
  const pinned = http[0]?.pinned;
  const processes = instances > 1 ? `, ${instances} server processes per row (each in a block of the rounds)` : '';
  const lines = [
    `HTTP: autocannon on 127.0.0.1, 1 KiB signed JSON, a fresh delivery id per request; medians of ${rounds} interleaved rounds${processes}${pinned ? `, server on core ${pinned.server}, load on core ${pinned.load}` : ''};`,
    '  "×" = this row\'s server CPU per request over the other row\'s (median of per-round ratios; below 1: cheaper)',
    `${pad('server', 46)}|${pad('req/s', 9, true)} |${pad('p50 ms', 7, true)} |${pad('p99 ms', 7, true)} |${pad('CPU µs/req', 11, true)} | CPU/req ratios`,
  ];
  for (const row of HTTP_ROWS) {
    const mine = http.find((m) => m.row === row.id);
    if (!mine) continue;
    const ratios = (row.compare ?? [])
      .map((compare) => {
        const theirs = http.find((m) => m.row === compare.row);
        return theirs ? `${ratio(costRatio(mine, theirs))}× ${compare.row}` : undefined;
      })
      .filter(Boolean)
      .join(', ');
    lines.push(
      `${pad(row.label, 46)}|${pad(Math.round(mine.requestsPerSec).toString(), 9, true)} |${pad(String(mine.p50Ms), 7, true)} |${pad(String(mine.p99Ms), 7, true)} |${pad(mine.cpuMicrosPerRequest.toFixed(1), 11, true)} | ${ratios}`,
    );
  }
  if (instances > 1) {
    // The instrument's own floor: the same code in different processes.
    const spreads = http.map((m) => processSpread(m)).filter((spread) => Number.isFinite(spread));
    lines.push(
      `  one row's processes: their median CPU/req differ by up to ${ratio(Math.max(...spreads))}× (median over rows ${ratio(median(spreads))}×), the same code in different processes`,
    );
  }
  return lines;
}

export function formatReport(report: Report): string {
  const lines: string[] = [
    `hookgate bench, ${report.mode} run, ${report.startedAt} (node ${report.machine.node}, ${report.machine.cores}× ${report.machine.cpu}, load ${report.machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')})`,
    '',
  ];
  if (report.verify.length > 0) lines.push(...verifyTable(report.verify), '');
  if (report.memory) {
    const m = report.memory;
    lines.push(
      `MEMORY: MemoryStore at ${m.ids.toLocaleString('en-US')} remembered ids (keys like "${m.keyExample}"):`,
      `  ${m.bytesPerId.toFixed(1)} bytes per id (JS heap ${m.heapBytesPerId.toFixed(1)} + typed arrays ${m.externalBytesPerId.toFixed(1)}), key strings included`,
      '',
    );
  }
  if (report.http.length > 0) lines.push(...httpTable(report.http), '');
  if (report.targets.length > 0) {
    lines.push('TARGETS (issues 6, 12, 14 and 16)');
    for (const check of report.targets) {
      const bound = check.max !== undefined ? `max ${check.max.toFixed(2)}` : `min ${check.min?.toFixed(2)}`;
      lines.push(
        `  ${check.met ? 'met   ' : 'MISSED'} ${pad(check.size, 7)} ${check.target}: ${check.value.toFixed(2)} (${bound})${check.note ? `; ${check.note}` : ''}`,
      );
    }
    lines.push(`  ${report.targets.filter((c) => c.met).length}/${report.targets.length} met`);
  }
  return `${lines.join('\n')}\n`;
}
