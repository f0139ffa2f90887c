// The real clients the tests drive (GDAL, pandas, openpyxl; Chromium in browser.ts): a missing one fails the test
// file with what to install, it never skips, so a machine without the client cannot pass without having run it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's python, which has python3-pandas and python3-openpyxl (a pyenv python3 first on PATH does not) */
export const PYTHON = '/usr/bin/python3';

interface TestLike {
  fail(message: string): unknown;
  end(): unknown;
}

/** fails the file: tap records the failure and the non-zero exit, and nothing after this runs */
function missing(t: TestLike, message: string): never {
  t.fail(message);
  t.end();
  process.exit(1);
}

/** the first of `candidates` that exists, or the file fails naming the Debian package that provides it */
export function requireExecutable(t: TestLike, candidates: readonly string[], debianPackage: string): string {
  const found = candidates.find((p) => existsSync(p));
  if (!found) missing(t, `${candidates.join(' or ')} is not installed: install Debian's ${debianPackage} (infra/test.sh does); the tests of this real client cannot run`);
  return found;
}

/** Debian's python with `module` importable, or the file fails naming the package */
export function requirePythonModule(t: TestLike, module: string, debianPackage: string): string {
  const probe = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = (probe.stderr || String(probe.error ?? '')).trim().split('\n').pop();
    missing(t, `${module} is not available (${PYTHON} -c 'import ${module}' failed: ${why}): install Debian's ${debianPackage} (infra/test.sh does)`);
  }
  return PYTHON;
}
