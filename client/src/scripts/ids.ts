/** Command ids and setting keys of "scripts" (the manifest test checks them against package.json). */
export const ScriptCommands = {
  runPythonFile: 'matih.scripts.runPythonFile',
  stopRun: 'matih.scripts.stopRun',
} as const;

/** Settings under `matih.` read by this module. */
export const ScriptSettings = {
  injectEnvironment: 'terminal.injectEnvironment',
  interpreter: 'python.interpreter',
  systemMetricsInterval: 'scripts.systemMetricsInterval',
} as const;
