/**
 * System metrics of a script's process tree, the way MLflow's own system metrics monitor names
 * them: CPU and memory of the root process and all its descendants (read from `/proc`, Linux
 * only), plus every GPU through `nvidia-smi` when that binary is on the PATH. One sample every
 * interval, step = sample index, handed to `write` (the daemon logs it to the run through the
 * tenant's scope, so it streams live like any other point). Stops by itself when the root process
 * exits.
 *
 * CPU is a share of the whole machine (0–100, as MLflow's `system/cpu_utilization_percentage`),
 * memory is the tree's resident set.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import { availableParallelism, platform, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import { SystemMetricNames } from '../../../protocol/src/index.ts';
import type { Metric } from '../tracking/types.ts';

/** Clock ticks per second of `/proc/<pid>/stat` times; 100 on every Linux the daemon runs on. */
const DEFAULT_CLK_TCK = 100;
const DEFAULT_PAGE_SIZE = 4096;
/** How often the root process is checked for exit, independent of the sampling interval. */
const LIVENESS_MS = 500;
const NVIDIA_SMI_TIMEOUT_MS = 5000;

export interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  rssPages: number;
}

/** Parses `/proc/<pid>/stat`; the command name may hold spaces and parentheses, so split after the last `)`. */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields from 3 (state) on; index 0 here is field 3.
  const f = text.slice(close + 2).split(' ');
  const ppid = Number(f[1]);
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  const rss = Number(f[21]);
  if (![pid, ppid, utime, stime, rss].every(Number.isFinite)) return undefined;
  return { pid, ppid, state: f[0] ?? '?', cpuTicks: utime + stime, rssPages: rss };
}

export interface TreeUsage {
  /** The root is gone or a zombie. */
  exited: boolean;
  pids: number[];
  /** Summed utime + stime of the live tree, clock ticks. */
  cpuTicks: number;
  rssBytes: number;
}

/** Reads every process once and sums the tree under `root`. */
export async function readTree(root: number, procRoot = '/proc', pageSize = DEFAULT_PAGE_SIZE): Promise<TreeUsage> {
  const entries = await readdir(procRoot).catch(() => [] as string[]);
  const stats = new Map<number, ProcStat>();
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const text = await readFile(join(procRoot, e, 'stat'), 'utf8').catch(() => undefined);
        const s = text === undefined ? undefined : parseStat(text);
        if (s) stats.set(s.pid, s);
      }),
  );
  const rootStat = stats.get(root);
  if (!rootStat || rootStat.state === 'Z' || rootStat.state === 'X') return { exited: true, pids: [], cpuTicks: 0, rssBytes: 0 };
  const children = new Map<number, number[]>();
  for (const s of stats.values()) {
    const list = children.get(s.ppid);
    if (list) list.push(s.pid);
    else children.set(s.ppid, [s.pid]);
  }
  const pids: number[] = [];
  let cpuTicks = 0;
  let rssPages = 0;
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const s = stats.get(pid);
    if (!s) continue;
    pids.push(pid);
    cpuTicks += s.cpuTicks;
    rssPages += s.rssPages;
    queue.push(...(children.get(pid) ?? []));
  }
  return { exited: false, pids, cpuTicks, rssBytes: rssPages * pageSize };
}

/** Whether `/proc/<pid>` is a running (not zombie) process. */
async function alive(pid: number, procRoot: string): Promise<boolean> {
  const text = await readFile(join(procRoot, String(pid), 'stat'), 'utf8').catch(() => undefined);
  const s = text === undefined ? undefined : parseStat(text);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

export interface GpuSample {
  utilization: number;
  memoryMb: number;
}

/** Parses `nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits`: one GPU a line. */
export function parseNvidiaSmi(text: string): GpuSample[] {
  const out: GpuSample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [u, m] = line.split(',').map((x) => Number(x.trim()));
    out.push({ utilization: Number.isFinite(u) ? u! : NaN, memoryMb: Number.isFinite(m) ? m! : NaN });
  }
  return out;
}

/** The `nvidia-smi` on the PATH, if any. */
export async function findNvidiaSmi(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const names = platform() === 'win32' ? ['nvidia-smi.exe'] : ['nvidia-smi'];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const name of names) {
      const candidate = join(dir, name);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // next
      }
    }
  }
  return undefined;
}

export type GpuReader = () => Promise<GpuSample[]>;

export function nvidiaSmiReader(binary: string): GpuReader {
  return () =>
    new Promise((resolve) => {
      execFile(
        binary,
        ['--query-gpu=utilization.gpu,memory.used', '--format=csv,noheader,nounits'],
        { timeout: NVIDIA_SMI_TIMEOUT_MS, windowsHide: true },
        (err, stdout) => resolve(err ? [] : parseNvidiaSmi(String(stdout))),
      );
    });
}

/** `getconf NAME` as a number, or the fallback. */
function getconf(name: string, fallback: number): Promise<number> {
  return new Promise((resolve) => {
    execFile('getconf', [name], { timeout: 2000 }, (err, stdout) => {
      const n = Number(String(stdout).trim());
      resolve(!err && Number.isInteger(n) && n > 0 ? n : fallback);
    });
  });
}

let systemConstants: Promise<{ clkTck: number; pageSize: number }> | undefined;
function readSystemConstants(): Promise<{ clkTck: number; pageSize: number }> {
  systemConstants ??= Promise.all([getconf('CLK_TCK', DEFAULT_CLK_TCK), getconf('PAGESIZE', DEFAULT_PAGE_SIZE)]).then(([clkTck, pageSize]) => ({
    clkTck,
    pageSize,
  }));
  return systemConstants;
}

/** Whether this machine can sample process trees (`/proc` exists). */
export async function canSampleProcesses(procRoot = '/proc'): Promise<boolean> {
  if (platform() !== 'linux' && procRoot === '/proc') return false;
  return access(join(procRoot, 'self', 'stat')).then(
    () => true,
    () => false,
  );
}

export type SamplerEnd = 'exited' | 'stopped' | 'failed';

export interface SamplerOptions {
  pid: number;
  intervalMs: number;
  /** Logs one sample's points; a rejection is passed to `onWriteError`. */
  write(metrics: Metric[]): Promise<void>;
  /** Decides whether the sampler goes on after a failed write (default: it stops). */
  onWriteError?(err: unknown): 'continue' | 'stop';
  onEnd?(reason: SamplerEnd): void;
  /** `undefined`: none (no nvidia-smi). */
  gpu?: GpuReader;
  procRoot?: string;
  now?: () => number;
  cores?: number;
}

export class ProcessTreeSampler {
  private readonly options: SamplerOptions;
  private readonly procRoot: string;
  private readonly now: () => number;
  private readonly cores: number;
  private sampleTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private last: { ticks: number; at: number } | undefined;
  private consts = { clkTck: DEFAULT_CLK_TCK, pageSize: DEFAULT_PAGE_SIZE };
  private busy = false;
  private endedWith: SamplerEnd | undefined;
  /** Samples logged so far (the next one's step). */
  samples = 0;

  constructor(options: SamplerOptions) {
    this.options = options;
    this.procRoot = options.procRoot ?? '/proc';
    this.now = options.now ?? Date.now;
    this.cores = options.cores ?? availableParallelism();
  }

  get ended(): SamplerEnd | undefined {
    return this.endedWith;
  }

  /** Takes the CPU baseline, then samples every interval until the process exits or `stop()`. */
  async start(): Promise<void> {
    this.consts = await readSystemConstants();
    const first = await readTree(this.options.pid, this.procRoot, this.consts.pageSize);
    if (first.exited) {
      this.end('exited');
      return;
    }
    this.last = { ticks: first.cpuTicks, at: this.now() };
    this.sampleTimer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.sampleTimer.unref();
    this.livenessTimer = setInterval(() => {
      void alive(this.options.pid, this.procRoot).then((ok) => {
        if (!ok) this.end('exited');
      });
    }, Math.min(LIVENESS_MS, this.options.intervalMs));
    this.livenessTimer.unref();
  }

  stop(): void {
    this.end('stopped');
  }

  /** One sample now (also what the timer calls). */
  async tick(): Promise<void> {
    if (this.endedWith !== undefined || this.busy) return;
    this.busy = true;
    try {
      const [tree, gpus] = await Promise.all([
        readTree(this.options.pid, this.procRoot, this.consts.pageSize),
        this.options.gpu ? this.options.gpu().catch(() => [] as GpuSample[]) : Promise.resolve([] as GpuSample[]),
      ]);
      if (this.endedWith !== undefined) return;
      if (tree.exited) {
        this.end('exited');
        return;
      }
      const at = this.now();
      const prev = this.last ?? { ticks: tree.cpuTicks, at };
      this.last = { ticks: tree.cpuTicks, at };
      const seconds = Math.max((at - prev.at) / 1000, 1e-3);
      // A child that exited takes its ticks with it: never report a negative share.
      const cpuSeconds = Math.max(0, tree.cpuTicks - prev.ticks) / this.consts.clkTck;
      const cpu = Math.min(100, (cpuSeconds / seconds / this.cores) * 100);
      const step = this.samples;
      const metric = (key: string, value: number): Metric => ({ key, value: round(value), timestamp: at, step });
      const metrics: Metric[] = [
        metric(SystemMetricNames.cpu, cpu),
        metric(SystemMetricNames.memoryMb, tree.rssBytes / (1024 * 1024)),
        metric(SystemMetricNames.memoryPercent, (tree.rssBytes / totalmem()) * 100),
      ];
      gpus.forEach((g, i) => {
        if (Number.isFinite(g.utilization)) metrics.push(metric(SystemMetricNames.gpuUtilization(i), g.utilization));
        if (Number.isFinite(g.memoryMb)) metrics.push(metric(SystemMetricNames.gpuMemoryMb(i), g.memoryMb));
      });
      try {
        await this.options.write(metrics);
        this.samples++;
      } catch (err) {
        if ((this.options.onWriteError?.(err) ?? 'stop') === 'stop') this.end('failed');
      }
    } finally {
      this.busy = false;
    }
  }

  private end(reason: SamplerEnd): void {
    if (this.endedWith !== undefined) return;
    this.endedWith = reason;
    clearInterval(this.sampleTimer);
    clearInterval(this.livenessTimer);
    this.options.onEnd?.(reason);
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
