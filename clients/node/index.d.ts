// Type declarations for the hyperlight-nanvix client (written by hand; see index.js).

export type Language = 'python' | 'javascript';

export type Termination =
  | 'exited'
  | 'timed_out'
  | 'cpu_time_exceeded'
  | 'faulted'
  | 'audit_failed'
  | 'vm_failed';

export type ResourceLimit = 'output' | 'open_files' | 'tmp_quota' | 'memory' | 'output_files';

export interface SandboxClientOptions {
  /** The server's base address, e.g. `http://127.0.0.1:8080`. */
  url: string | URL;
  /** The bearer token the server asks for (`serve --token-file`). */
  token?: string;
}

export interface RunOptions {
  language: Language;
  /** The whole program. */
  code: string;
  /** The program's arguments: `sys.argv[1:]` in Python, `scriptArgs` in JavaScript. */
  args?: string[];
  /** The program's whole standard input. */
  stdin?: string;
  /** Wall-clock limit; at most the server's. */
  timeoutMs?: number;
  /** Guest memory in MiB; at most the server's. */
  memoryMb?: number;
  /** Most bytes returned of each of stdout and stderr; at most the server's. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** The status a shell would report: the program's own, 124 on timeout, 128+N when killed by signal N. */
  exitCode: number;
  termination: Termination;
  /** How the run ended, for a human, e.g. `exited with status 0`. */
  description: string;
  outputTruncated: boolean;
  durationMs: number;
  limitsReached: ResourceLimit[];
}

export interface HealthCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
}

export interface Health {
  status: 'ok' | 'warn' | 'fail';
  checks: HealthCheck[];
}

/** A request the server refused or could not serve. */
export class SandboxError extends Error {
  /** The HTTP status, e.g. 401, 413, 429, 503. */
  readonly status: number;
  /** The server's kind of error, e.g. `unauthorized`, `too_many_requests`, `sandbox_unavailable`. */
  readonly code: string;
}

export class SandboxClient {
  constructor(options: SandboxClientOptions);
  /** Resolves when the program has ended, whatever its exit status; rejects with a SandboxError when refused. */
  run(options: RunOptions): Promise<RunResult>;
  health(options?: { signal?: AbortSignal }): Promise<Health>;
}
