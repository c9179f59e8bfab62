// Client for `hyperlight-nanvix serve` (docs/serve.md): no dependencies, Node's own fetch.

const LANGUAGES = new Set(['python', 'javascript']);

/** A request the server refused or could not serve: `status` is the HTTP status, `code` the server's kind of error. */
export class SandboxError extends Error {
  constructor(message, { status, code }) {
    super(message);
    this.name = 'SandboxError';
    this.status = status;
    this.code = code;
  }
}

export class SandboxClient {
  #url;
  #token;

  /**
   * @param {{ url: string | URL, token?: string }} options the server's base address
   *   (e.g. http://127.0.0.1:8080) and the bearer token it asks for, if any
   */
  constructor({ url, token } = {}) {
    if (url === undefined || url === null || url === '') {
      throw new TypeError('url is required, e.g. http://127.0.0.1:8080');
    }
    const base = new URL(url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError(`url must be http or https, not ${base.protocol}`);
    }
    if (!base.pathname.endsWith('/')) {
      base.pathname += '/';
    }
    if (token !== undefined && (typeof token !== 'string' || token === '')) {
      throw new TypeError('token must be a non-empty string');
    }
    this.#url = base;
    this.#token = token;
  }

  /**
   * Runs a program in a fresh micro-VM. Resolves when it has ended, whatever its exit status;
   * rejects with a SandboxError when the server refused the request or could not run it.
   */
  async run({ language, code, args, stdin, timeoutMs, memoryMb, maxOutputBytes, signal } = {}) {
    if (!LANGUAGES.has(language)) {
      throw new TypeError(`language must be 'python' or 'javascript', not ${JSON.stringify(language)}`);
    }
    if (typeof code !== 'string') {
      throw new TypeError('code must be a string');
    }
    if (args !== undefined && (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string'))) {
      throw new TypeError('args must be an array of strings');
    }
    const body = { language, code, args, stdin, timeoutMs, memoryMb, maxOutputBytes };
    const result = await this.#request('POST', 'v1/run', body, signal);
    return {
      stdout: result.stdout,
      stderr: result.stderr,
      exitCode: result.exitCode,
      termination: result.termination,
      description: result.description,
      outputTruncated: result.outputTruncated,
      durationMs: result.durationMs,
      limitsReached: result.limitsReached,
    };
  }

  /** The server's health checks; `status` is 'fail' (and the server answered 503) when no run can work. */
  async health({ signal } = {}) {
    return this.#request('GET', 'health', undefined, signal, [503]);
  }

  async #request(method, path, body, signal, alsoFine = []) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    if (this.#token !== undefined) {
      headers.Authorization = `Bearer ${this.#token}`;
    }
    const response = await fetch(new URL(path, this.#url), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok || alsoFine.includes(response.status)) {
      if (parsed === undefined) {
        throw new SandboxError(`the server's answer is not JSON: ${text.slice(0, 200)}`,
          { status: response.status, code: 'invalid_response' });
      }
      return parsed;
    }
    const message = parsed?.message ?? (text.slice(0, 200) || response.statusText);
    throw new SandboxError(message, { status: response.status, code: parsed?.error ?? 'http_error' });
  }
}
