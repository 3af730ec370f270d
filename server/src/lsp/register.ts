/**
 * Every protocol request goes through one wrapper: parameters checked with the request's zod
 * schema, the handler run, failures mapped to ResponseErrors (errors.ts), and one log line with
 * the method, the outcome and the duration. Never parameters: they may name experiments a
 * user would not want in a shared log, and `setCredentials` carries secrets.
 */
import { performance } from 'node:perf_hooks';
import { CancellationToken, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { z } from 'zod';
import type { RequestDef } from '../../../protocol/src/index.ts';
import { describeError, toResponseError } from './errors.ts';

/** The part of the LSP connection requests are registered on. */
export interface RequestRegistry {
  onRequest(method: string, handler: (...args: unknown[]) => unknown): unknown;
}

/** What a handler gets besides its parameters. */
export interface RequestContext {
  /** Fires when the client cancels the request (`$/cancelRequest`); long work stops then. */
  readonly token: CancellationToken;
}

export type Handler<S extends z.ZodType, R> = (params: z.output<S>, context: RequestContext) => Promise<R>;

export class Requests {
  private readonly connection: RequestRegistry;
  private readonly log: (line: string) => void;
  private readonly registered = new Set<string>();

  constructor(connection: RequestRegistry, log: (line: string) => void) {
    this.connection = connection;
    this.log = log;
  }

  /** The methods registered so far (a test checks that every protocol request is among them). */
  get methods(): ReadonlySet<string> {
    return this.registered;
  }

  on<P, R, S extends z.ZodType>(def: RequestDef<P, R, S>, handler: Handler<S, R>): void {
    if (this.registered.has(def.method)) throw new Error(`${def.method} is registered twice`);
    this.registered.add(def.method);
    // With a plain method name, vscode-jsonrpc passes (params, token), or only (token) when the
    // request has no params, or the elements of by-position params then the token.
    this.connection.onRequest(def.method, async (...args: unknown[]) => {
      const raw = args.length > 1 ? args[0] : undefined;
      const token = CancellationToken.is(args[args.length - 1]) ? (args[args.length - 1] as CancellationToken) : CancellationToken.None;
      const started = performance.now();
      const ms = () => `${Math.round(performance.now() - started)} ms`;
      try {
        const params = def.params.parse(raw) as z.output<S>;
        const result = await handler(params, { token });
        this.log(`${def.method} ok ${ms()}`);
        // JSON-RPC has no "undefined" result; void requests answer null.
        return result === undefined ? null : result;
      } catch (err) {
        // Whatever the handler threw while stopping, the client asked for this: LSP's answer to a cancelled request.
        if (token.isCancellationRequested) {
          this.log(`${def.method} cancelled ${ms()}`);
          return new ResponseError(LSPErrorCodes.RequestCancelled, 'The request was cancelled');
        }
        const d = describeError(err);
        // Bugs get their stack in the log (never in the answer); expected failures one line.
        const detail = d.internal && err instanceof Error && err.stack ? `\n${err.stack}` : '';
        this.log(`${def.method} failed ${d.code} ${ms()}${detail}`);
        return toResponseError(err);
      }
    });
  }
}
