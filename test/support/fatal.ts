/** The end of a child fixture that hit an unexpected error: its stack on stderr, exit 70 (EX_SOFTWARE), which the test reports. */
export function exitOnError(err: unknown): never {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(70);
}
