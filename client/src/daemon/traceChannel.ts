/**
 * Makes `matih.trace.server` do what users expect from a `*.trace.server` setting.
 *
 * `vscode-languageclient` 10 traces only while its trace channel's *log level* is Trace, and uses
 * the setting merely to pick `messages` or `verbose`; with the level at its default (Info), setting
 * `matih.trace.server` alone shows nothing. This channel reports level Trace whenever the setting
 * is not `off` (and follows the channel's own level otherwise), and writes trace lines at a level
 * the real channel shows. The library's own rules stay untouched: it still reads the verbosity
 * from the setting and re-reads it on `onDidChangeLogLevel`.
 */
import { EventEmitter, LogLevel, window } from 'vscode';
import type { Disposable, Event, LogOutputChannel, ViewColumn } from 'vscode';
import type { TraceSetting } from '../config/settingsModel.ts';

export class TraceChannel implements LogOutputChannel {
  readonly #inner: LogOutputChannel;
  readonly #onDidChangeLogLevel = new EventEmitter<LogLevel>();
  readonly onDidChangeLogLevel: Event<LogLevel> = this.#onDidChangeLogLevel.event;
  readonly #listener: Disposable;
  #setting: TraceSetting;

  constructor(name: string, setting: TraceSetting) {
    this.#inner = window.createOutputChannel(name, { log: true });
    this.#setting = setting;
    this.#listener = this.#inner.onDidChangeLogLevel(() => this.#onDidChangeLogLevel.fire(this.logLevel));
  }

  get name(): string {
    return this.#inner.name;
  }

  get logLevel(): LogLevel {
    return this.#setting === 'off' ? this.#inner.logLevel : LogLevel.Trace;
  }

  /** Follows `matih.trace.server`; the library re-applies tracing on the event. */
  setSetting(setting: TraceSetting): void {
    if (setting === this.#setting) return;
    this.#setting = setting;
    this.#onDidChangeLogLevel.fire(this.logLevel);
  }

  trace(message: string, ...args: unknown[]): void {
    // Traced because the setting asked for it: write where the channel's level lets it show.
    if (this.#setting === 'off') this.#inner.trace(message, ...args);
    else this.#inner.info(message, ...args);
  }

  debug(message: string, ...args: unknown[]): void {
    this.#inner.debug(message, ...args);
  }

  info(message: string, ...args: unknown[]): void {
    this.#inner.info(message, ...args);
  }

  warn(message: string, ...args: unknown[]): void {
    this.#inner.warn(message, ...args);
  }

  error(error: string | Error, ...args: unknown[]): void {
    this.#inner.error(error, ...args);
  }

  append(value: string): void {
    this.#inner.append(value);
  }

  appendLine(value: string): void {
    this.#inner.appendLine(value);
  }

  replace(value: string): void {
    this.#inner.replace(value);
  }

  clear(): void {
    this.#inner.clear();
  }

  show(preserveFocus?: boolean): void;
  show(column?: ViewColumn, preserveFocus?: boolean): void;
  show(columnOrPreserveFocus?: ViewColumn | boolean, preserveFocus?: boolean): void {
    if (typeof columnOrPreserveFocus === 'number') this.#inner.show(columnOrPreserveFocus, preserveFocus);
    else this.#inner.show(columnOrPreserveFocus);
  }

  hide(): void {
    this.#inner.hide();
  }

  dispose(): void {
    this.#listener.dispose();
    this.#onDidChangeLogLevel.dispose();
    this.#inner.dispose();
  }
}
