/**
 * Imported first by `extension.ts`, before anything that builds the protocol's zod schemas.
 *
 * zod decides at schema construction whether it may compile parsers with `new Function`, and
 * probes `navigator` to do so. In the extension host (VS Code 1.10x+ on Node 22+) touching the
 * global `navigator` logs a `PendingMigrationError` into the extension host log. The extension
 * never parses with these schemas (the daemon does), so their JIT buys nothing here: turn it off.
 */
import { config } from 'zod';

config({ jitless: true });
