/** Memory section: bytes per remembered delivery id in MemoryStore, measured in a clean child process. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface MemoryMeasurement {
  ids: number;
  keyExample: string;
  heapBytes: number;
  externalBytes: number;
  rssBytes: number;
  bytesPerId: number;
  heapBytesPerId: number;
  externalBytesPerId: number;
}

const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));

export function runMemory(ids: number): Promise<MemoryMeasurement> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', CHILD, String(ids)],
      { maxBuffer: 1024 * 1024, timeout: 300_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`memory child failed: ${error.message}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(stdout.trim()) as MemoryMeasurement);
      },
    );
  });
}
