import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { EXIT_CONFIG } from '@boltlink/config/env';
import { lineSplitter } from './log-format.ts';

export interface ServiceSpec {
  name: string;
  /** Folder under apps/. */
  dir: string;
  port: number;
  /**
   * METRICS_PORT for services that run several workers (node:cluster): the primary serves /metrics summed
   * over all workers there, where the service port would answer from whichever worker took the connection.
   */
  metricsPort?: number;
}

export interface SupervisorOptions {
  root: string;
  env: NodeJS.ProcessEnv;
  log: (source: string, line: string) => void;
  /**
   * Called once a service crashed too often, or exited on a configuration error (EXIT_CONFIG, never
   * restarted: the same variables fail the same way): the stack must stop instead of looping. `exitCode` is
   * what the stack should exit with.
   */
  onGiveUp: (name: string, reason: string, exitCode: number) => void;
  maxCrashes?: number;
  crashWindowMs?: number;
}

/**
 * Runs one service with `node --import tsx`, restarting it after a crash with a short backoff; after
 * maxCrashes within crashWindowMs it gives up (a port in use would crash forever), and at once when the
 * service exits with EXIT_CONFIG.
 */
export class ServiceProcess {
  #child: ChildProcess | undefined;
  #stopping = false;
  #crashes: number[] = [];
  #restartTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly spec: ServiceSpec,
    private readonly options: SupervisorOptions,
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    const { spec, options } = this;
    const cwd = join(options.root, 'apps', spec.dir);
    // Own process group: a terminal Ctrl-C reaches only the runner, which stops services before the
    // databases they flush to.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd,
      env: {
        ...options.env,
        PORT: String(spec.port),
        ...(spec.metricsPort === undefined ? {} : { METRICS_PORT: String(spec.metricsPort) }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.#child = child;
    const out = lineSplitter((line) => options.log(spec.name, line));
    const err = lineSplitter((line) => options.log(spec.name, line));
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', (error) => options.log(spec.name, `could not start: ${error.message}`));
    child.once('exit', (code, signal) => {
      out.flush();
      err.flush();
      if (this.#child === child) this.#child = undefined;
      if (this.#stopping) return;
      this.#onCrash(code, signal);
    });
  }

  #onCrash(code: number | null, signal: NodeJS.Signals | null): void {
    const { spec, options } = this;
    if (code === EXIT_CONFIG) {
      options.onGiveUp(
        spec.name,
        `refused its configuration (exit ${EXIT_CONFIG}, not restarted)`,
        EXIT_CONFIG,
      );
      return;
    }
    const now = Date.now();
    const windowMs = options.crashWindowMs ?? 60_000;
    this.#crashes = [...this.#crashes.filter((at) => now - at < windowMs), now];
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const maxCrashes = options.maxCrashes ?? 3;
    if (this.#crashes.length >= maxCrashes) {
      options.onGiveUp(
        spec.name,
        `exited ${this.#crashes.length} times within ${windowMs / 1000} s (last: ${how})`,
        1,
      );
      return;
    }
    const delayMs = 1_000 * 2 ** (this.#crashes.length - 1);
    options.log('stack', `${spec.name} exited unexpectedly (${how}); restarting in ${delayMs / 1000} s`);
    this.#restartTimer = setTimeout(() => {
      if (!this.#stopping) this.start();
    }, delayMs);
  }

  /** SIGTERM (the service's graceful shutdown), then SIGKILL to the whole group after graceMs. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => {
      this.options.log('stack', `${this.spec.name} did not stop within ${graceMs} ms: killing it`);
      signalGroup(child, 'SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
    // Anything the service itself spawned into its group goes too.
    signalGroup(child, 'SIGKILL');
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}
