/**
 * Environment variables for one test: `setEnv()` in the test, `restoreEnv()` in `afterEach`, so
 * credentials and regions set by one test never reach another.
 */
const original = { ...process.env };
export function setEnv(vars: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
export function restoreEnv(): void {
  for (const name of Object.keys(process.env)) if (!(name in original)) delete process.env[name];
  Object.assign(process.env, original);
}
