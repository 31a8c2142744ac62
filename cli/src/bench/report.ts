// The bench's output: one row per measure with its target and whether it was met, printed as a
// table and written as JSON together with the hardware line.
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';

export interface BenchRow {
  area: 'ingest' | 'mqtt' | 'durability' | 'verify' | 'settlement' | 'registry' | 'shards' | 'memory' | 'dashboard';
  measure: string;
  value: string;
  target: string;
  /** null: informational, no target */
  met: boolean | null;
}

export interface Hardware {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  node: string;
  platform: string;
}

export function hardware(): Hardware {
  const list = cpus();
  return { cpuModel: list[0]?.model.trim() ?? 'unknown', cores: list.length, ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, node: process.version, platform: `${process.platform}-${process.arch}` };
}

export function hardwareLine(h: Hardware): string {
  return `${h.cpuModel}, ${h.cores} cores, ${h.ramGiB} GiB RAM, Node ${h.node}, ${h.platform}`;
}

export function formatTable(rows: BenchRow[]): string {
  const head = ['area', 'measure', 'value', 'target', 'met'];
  const cells = rows.map((r) => [r.area, r.measure, r.value, r.target, r.met === null ? '—' : r.met ? 'met' : 'NOT met']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export async function writeResults(path: string, data: { hardware: Hardware; mode: string; startedAt: string; rows: BenchRow[]; raw: Record<string, unknown> }): Promise<void> {
  await writeFile(path, `${JSON.stringify(data, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}
