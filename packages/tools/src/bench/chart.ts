import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from '@flume-rpc/netty-compat';

/**
 * docs/benchmarks.svg from the full (non-quick) result files: throughput.json's median events/s
 * per client and in-flight count, and recovery.json's time to recover per round. Hand-written SVG:
 * two bar charts need no plotting dependency.
 */

// dist/bench/chart.js -> the repository root; only a checkout has a docs/ there (an installed package does not).
const REPO_DOCS = fileURLToPath(new URL('../../../../docs/', import.meta.url));
export const DEFAULT_CHART_FILE = path.join(REPO_DOCS, 'benchmarks.svg');

interface ThroughputFigures {
  inFlight: number[];
  /** "ours@8" -> median events/s. */
  medians: Record<string, number>;
  startedAt: string;
}

interface RecoveryFigures {
  /** null where a round never recovered (Infinity is written to JSON as null). */
  recoveryMs: Array<number | null>;
  boundMs: number | null;
  startedAt: string;
}

const CLIENTS = [
  { name: 'ours', colour: '#2b6cb0' },
  { name: 'avsc', colour: '#a0aec0' },
  { name: 'raw', colour: '#718096' },
  { name: 'client', colour: '#63b3ed' },
] as const;

/**
 * Called by runBench after a full run with --update-docs: rewrites the chart when both result files it needs
 * exist and the docs folder is there. Never throws: a chart must not fail a benchmark run.
 */
export async function regenerateBenchChart(
  resultsDir: string,
  log: (line: string) => void,
  outFile = DEFAULT_CHART_FILE,
): Promise<void> {
  try {
    if (!existsSync(path.dirname(outFile))) {
      log(`chart: ${path.dirname(outFile)} not found; chart not written`);
      return;
    }
    const written = await writeBenchChart(resultsDir, outFile);
    log(
      written ? `wrote ${written}` : `chart: ${resultsDir} lacks throughput.json or recovery.json; chart not written`,
    );
  } catch (err) {
    log(`chart: not written: ${describe(err)}`);
  }
}

/**
 * Writes the chart; null (and nothing written) unless both result files are there: a run into
 * another --out folder must not replace the committed chart with one that lacks a panel.
 */
export async function writeBenchChart(resultsDir: string, outFile: string): Promise<string | null> {
  const throughput = parseThroughput(await readJson(path.join(resultsDir, 'throughput.json')));
  const recovery = parseRecovery(await readJson(path.join(resultsDir, 'recovery.json')));
  if (!throughput || !recovery) return null;
  await writeFile(outFile, renderBenchChart(throughput, recovery));
  return outFile;
}

async function readJson(file: string): Promise<unknown> {
  if (!existsSync(file)) return null;
  return JSON.parse(await readFile(file, 'utf8')) as unknown;
}

function parseThroughput(json: unknown): ThroughputFigures | null {
  const file = json as { settings?: { inFlight?: unknown }; data?: { medians?: unknown }; startedAt?: unknown } | null;
  const inFlight = file?.settings?.inFlight;
  const medians = file?.data?.medians;
  if (!Array.isArray(inFlight) || typeof medians !== 'object' || medians === null) return null;
  return {
    inFlight: inFlight.filter((n): n is number => typeof n === 'number'),
    medians: medians as Record<string, number>,
    startedAt: String(file?.startedAt ?? ''),
  };
}

function parseRecovery(json: unknown): RecoveryFigures | null {
  const file = json as {
    settings?: { retryBackoffMaxMs?: unknown };
    data?: { rounds?: unknown };
    startedAt?: unknown;
  } | null;
  const rounds = file?.data?.rounds;
  if (!Array.isArray(rounds)) return null;
  const recoveryMs = rounds.map((r) => {
    const ms = (r as { recoveryMs?: unknown } | null)?.recoveryMs;
    return typeof ms === 'number' && Number.isFinite(ms) ? ms : null;
  });
  const backoffMax = file?.settings?.retryBackoffMaxMs;
  // The recovery scenario's own target: retry-backoff-max + 50 ms.
  return {
    recoveryMs,
    boundMs: typeof backoffMax === 'number' ? backoffMax + 50 : null,
    startedAt: String(file?.startedAt ?? ''),
  };
}

const WIDTH = 800;
const HEIGHT = 330;
const TOP = 50;
const BOTTOM = 270;

export function renderBenchChart(throughput: ThroughputFigures | null, recovery: RecoveryFigures | null): string {
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    ...throughputPanel(throughput, 50, 400),
    ...recoveryPanel(recovery, 500, 770),
    text(
      10,
      HEIGHT - 8,
      `flume-rpc benchmarks; throughput run ${throughput?.startedAt || 'n/a'}, recovery run ${recovery?.startedAt || 'n/a'}; redrawn by flume-rpc bench --update-docs`,
      { size: 10, fill: '#4a5568' },
    ),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function throughputPanel(figures: ThroughputFigures | null, left: number, right: number): string[] {
  const out = [
    text(left, 20, 'appendBatch throughput (median events/s; 100 events x 256 B)', { weight: 'bold', size: 12 }),
  ];
  if (!figures || figures.inFlight.length === 0) return [...out, text(left, (TOP + BOTTOM) / 2, 'no throughput.json')];
  const values = figures.inFlight.flatMap((n) => CLIENTS.map((c) => figures.medians[`${c.name}@${n}`] ?? 0));
  const top = niceCeiling(Math.max(...values, 1));
  out.push(...axis(left, right, top, (v) => (v === 0 ? '0' : `${Math.round(v / 1000)}k`)));
  const groupWidth = (right - left) / figures.inFlight.length;
  const barWidth = (groupWidth * 0.8) / CLIENTS.length;
  figures.inFlight.forEach((n, g) => {
    const groupLeft = left + g * groupWidth + groupWidth * 0.1;
    CLIENTS.forEach((client, i) => {
      const value = figures.medians[`${client.name}@${n}`] ?? 0;
      const x = groupLeft + i * barWidth;
      const h = ((BOTTOM - TOP) * value) / top;
      out.push(
        `<rect x="${fmt(x + 2)}" y="${fmt(BOTTOM - h)}" width="${fmt(barWidth - 4)}" height="${fmt(h)}" fill="${client.colour}"/>`,
      );
      out.push(text(x + barWidth / 2, BOTTOM - h - 4, `${(value / 1000).toFixed(0)}k`, { anchor: 'middle', size: 10 }));
      out.push(text(x + barWidth / 2, BOTTOM + 14, client.name, { anchor: 'middle', size: 10 }));
    });
    out.push(text(left + (g + 0.5) * groupWidth, BOTTOM + 30, `${n} in flight`, { anchor: 'middle', weight: 'bold' }));
  });
  return out;
}

function recoveryPanel(figures: RecoveryFigures | null, left: number, right: number): string[] {
  const out = [text(left, 20, 'handshake-stall recovery (ms, per round)', { weight: 'bold', size: 12 })];
  if (!figures || figures.recoveryMs.length === 0) return [...out, text(left, (TOP + BOTTOM) / 2, 'no recovery.json')];
  const finite = figures.recoveryMs.filter((v): v is number => v !== null);
  const top = niceCeiling(Math.max(...finite, figures.boundMs ?? 0, 1));
  out.push(...axis(left, right, top, (v) => String(Math.round(v))));
  const barWidth = (right - left) / figures.recoveryMs.length;
  figures.recoveryMs.forEach((value, i) => {
    const x = left + i * barWidth;
    if (value === null) {
      // A round that never recovered: marked, not drawn as a bar of some arbitrary height.
      out.push(text(x + barWidth / 2, BOTTOM - 6, 'none', { anchor: 'middle', fill: '#c53030', size: 10 }));
    } else {
      const h = ((BOTTOM - TOP) * value) / top;
      out.push(
        `<rect x="${fmt(x + 3)}" y="${fmt(BOTTOM - h)}" width="${fmt(barWidth - 6)}" height="${fmt(h)}" fill="#2f855a"/>`,
      );
      out.push(text(x + barWidth / 2, BOTTOM - h - 4, value.toFixed(0), { anchor: 'middle', size: 9 }));
    }
    out.push(text(x + barWidth / 2, BOTTOM + 14, String(i + 1), { anchor: 'middle', size: 10 }));
  });
  out.push(text((left + right) / 2, BOTTOM + 30, 'round', { anchor: 'middle', weight: 'bold' }));
  if (figures.boundMs !== null) {
    const y = BOTTOM - ((BOTTOM - TOP) * figures.boundMs) / top;
    out.push(
      `<line x1="${left}" y1="${fmt(y)}" x2="${right}" y2="${fmt(y)}" stroke="#c53030" stroke-dasharray="4 3"/>`,
    );
    out.push(text(right, y - 4, `target ${figures.boundMs} ms`, { anchor: 'end', fill: '#c53030', size: 10 }));
  }
  return out;
}

/** Baseline, and four gridlines labelled on the left. */
function axis(left: number, right: number, top: number, label: (value: number) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= 4; i += 1) {
    const y = BOTTOM - ((BOTTOM - TOP) * i) / 4;
    out.push(
      `<line x1="${left}" y1="${fmt(y)}" x2="${right}" y2="${fmt(y)}" stroke="${i === 0 ? '#2d3748' : '#e2e8f0'}"/>`,
    );
    out.push(text(left - 4, y + 4, label((top * i) / 4), { anchor: 'end', size: 10, fill: '#4a5568' }));
  }
  return out;
}

/** 1, 2, 3, 4, 5, 6 or 8 times a power of ten, at or above `value`: round gridline labels. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 3, 4, 5, 6, 8, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

interface TextStyle {
  anchor?: 'start' | 'middle' | 'end';
  size?: number;
  weight?: 'bold';
  fill?: string;
}

function text(x: number, y: number, content: string, style: TextStyle = {}): string {
  const attributes = [
    `x="${fmt(x)}"`,
    `y="${fmt(y)}"`,
    style.anchor && style.anchor !== 'start' ? `text-anchor="${style.anchor}"` : '',
    style.size ? `font-size="${style.size}"` : '',
    style.weight ? `font-weight="${style.weight}"` : '',
    `fill="${style.fill ?? '#1a202c'}"`,
  ].filter(Boolean);
  return `<text ${attributes.join(' ')}>${escapeXml(content)}</text>`;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(n: number): string {
  return n.toFixed(1);
}
