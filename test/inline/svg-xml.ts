/**
 * Reads SVG documents with a real XML parser (Python's expat, through the MLflow venv the other
 * tests use) and reports what a test asserts on: whether each parses, and its elements with their
 * attributes and text, in document order.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureMlflowVenv } from '../support/mlflow.ts';

export interface XmlElement {
  /** Local name (namespace dropped). */
  tag: string;
  namespace: string;
  attrs: Record<string, string>;
  /** Text directly inside the element, stripped. */
  text: string;
}

export type Parsed = { ok: true; elements: XmlElement[] } | { ok: false; error: string };

const SCRIPT = `
import json, sys
import xml.etree.ElementTree as ET
out = []
for doc in json.load(sys.stdin):
    try:
        root = ET.fromstring(doc)
    except ET.ParseError as e:
        out.append({"ok": False, "error": str(e)})
        continue
    els = []
    for el in root.iter():
        ns, _, tag = el.tag[1:].partition("}") if el.tag.startswith("{") else ("", "", el.tag)
        els.append({"tag": tag, "namespace": ns, "attrs": dict(el.attrib), "text": (el.text or "").strip()})
    out.append({"ok": True, "elements": els})
json.dump(out, sys.stdout)
`;

/** Parses every document in one Python run. */
export async function parseXml(docs: readonly string[]): Promise<Parsed[]> {
  const python = join(await ensureMlflowVenv(), 'python');
  const result = spawnSync(python, ['-c', SCRIPT], { input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`the XML parser failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Parsed[];
}

/** Every number in an SVG path's `d`. */
export function pathNumbers(d: string): number[] {
  return (d.match(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi) ?? []).map(Number);
}
