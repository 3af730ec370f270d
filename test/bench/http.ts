import { Agent, request } from 'undici';

/**
 * The benchmark's HTTP client: one undici pool per target, `clients` keep-alive connections, no
 * pipelining, so `clients` concurrent senders each hold one connection. Every call checks its
 * status, so a figure can never come from refused or failed requests.
 */
export class BenchClient {
  readonly base: string;
  readonly #agent: Agent;
  readonly #headers: Record<string, string>;

  constructor(base: string, clients: number, headers: Record<string, string> = {}) {
    this.base = base.replace(/\/+$/, '');
    // A generous timeout: MLflow's server under load can take seconds per 1000-point batch.
    this.#agent = new Agent({ connections: clients, pipelining: 1, headersTimeout: 300_000, bodyTimeout: 300_000 });
    this.#headers = headers;
  }

  /** POSTs a JSON value (a set-up call) and returns the parsed answer; anything but 2xx throws. */
  async postJson(path: string, body: unknown): Promise<any> {
    return this.#json('POST', path, JSON.stringify(body));
  }

  /** GETs with a query string and returns the parsed answer; anything but 2xx throws. */
  async getJson(path: string, query: Record<string, string | number | undefined>): Promise<any> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    return this.#json('GET', `${path}?${qs}`);
  }

  /**
   * POSTs a pre-serialized body on the hot path: the answer is read (so the connection is
   * reusable) but parsed only when the status is not 200, to report it.
   */
  async postRaw(path: string, body: string): Promise<void> {
    const res = await request(this.base + path, {
      method: 'POST',
      dispatcher: this.#agent,
      headers: { ...this.#headers, 'content-type': 'application/json' },
      body,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`POST ${path}: ${res.statusCode} ${text.slice(0, 500)}`);
  }

  async getText(path: string): Promise<string> {
    const res = await request(this.base + path, { method: 'GET', dispatcher: this.#agent, headers: this.#headers });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode} ${text.slice(0, 500)}`);
    return text;
  }

  close(): Promise<void> {
    return this.#agent.close();
  }

  async #json(method: 'GET' | 'POST', path: string, body?: string): Promise<any> {
    const res = await request(this.base + path, {
      method,
      dispatcher: this.#agent,
      headers: { ...this.#headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : {};
  }
}
