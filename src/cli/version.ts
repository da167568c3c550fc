/** The Reprise version, read from the package's own package.json (the same file from src/ and dist/). */
import * as fs from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
    return pkg.name === 'reprise' && typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The version of this Reprise (from package.json; "0.0.0" when it cannot be read). */
export const REPRISE_VERSION: string = readVersion();
