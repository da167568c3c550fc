/**
 * The import-boundary rules (.dependency-cruiser.cjs, `npm run lint:deps`) fire on each kind of
 * violation and on nothing else: a scratch tree of one-line modules, each import either allowed
 * or breaking exactly one rule, cruised with the project's config by the project's depcruise.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** file → its imports (`type:` marks an `import type`); every file exports what it imports, so it is a module. */
const TREE: Record<string, readonly string[]> = {
  'src/errors.ts': [],
  'src/util/random.ts': ['../errors.js'],
  'src/solvers/ok.ts': ['../util/random.js', '../errors.js'],
  'src/solvers/json.ts': [],
  'src/solvers/bad.ts': ['../editing/ok.js', '../attention/ok.js'],
  'src/tokenizer/ok.ts': ['../solvers/json.js'],
  'src/tokenizer/bad.ts': ['../solvers/ok.js'],
  'src/onnx/ok.ts': [],
  'src/io/ok.ts': ['../onnx/ok.js'],
  'src/io/bad.ts': ['../models/ok.js'],
  'src/models/ok.ts': ['../io/ok.js', '../tokenizer/ok.js'],
  'src/runtime/ok.ts': ['../models/ok.js', '../attention/controlled-graph.js'],
  'src/runtime/bad.ts': ['../attention/ok.js'],
  'src/attention/controlled-graph.ts': ['../onnx/ok.js'],
  'src/attention/ok.ts': ['../runtime/ok.js'],
  'src/inversion/ok.ts': ['../solvers/ok.js', '../runtime/ok.js'],
  'src/editing/ok.ts': ['../inversion/ok.js', '../attention/ok.js'],
  'src/editing/tooling.ts': ['../../tools/scene.js'],
  'src/editing/cli.ts': ['../cli/ok.js'],
  'src/editing/dev.ts': ['vitest'],
  'src/editing/cycle-a.ts': ['./cycle-b.js'],
  'src/editing/cycle-b.ts': ['./cycle-a.js'],
  'src/editing/missing.ts': ['./nowhere.js'],
  // A cycle closed by `import type` only is erased by the compiler: allowed.
  'src/editing/type-cycle-a.ts': ['type:./type-cycle-b.js'],
  'src/editing/type-cycle-b.ts': ['./type-cycle-a.js'],
  'src/cli/ok.ts': ['../editing/ok.js', '../bench/ok.js'],
  'src/bench/ok.ts': ['../editing/ok.js'],
  'src/index.ts': ['./editing/ok.js', './cli/ok.js'],
  'src/newfolder/a.ts': ['../errors.js'],
  'tools/scene.ts': ['../src/editing/ok.js'],
  'tools/bad.ts': ['../test/helper.js'],
  'test/helper.ts': ['../tools/scene.js', '../src/cli/ok.js'],
};

/** The violations the tree must produce, as `rule from → to`. */
const EXPECTED = [
  'layer-solvers src/solvers/bad.ts → src/editing/ok.ts',
  'layer-solvers src/solvers/bad.ts → src/attention/ok.ts',
  'layer-tokenizer src/tokenizer/bad.ts → src/solvers/ok.ts',
  'layer-io src/io/bad.ts → src/models/ok.ts',
  'layer-runtime src/runtime/bad.ts → src/attention/ok.ts',
  'product-imports-no-tooling src/editing/tooling.ts → tools/scene.ts',
  'layer-editing src/editing/cli.ts → src/cli/ok.ts',
  'only-cli-imports-cli src/editing/cli.ts → src/cli/ok.ts',
  'product-imports-no-dev-dependency src/editing/dev.ts → node_modules/vitest/dist/index.d.ts',
  'no-circular src/editing/cycle-a.ts → src/editing/cycle-b.ts',
  'not-to-unresolvable src/editing/missing.ts → ./nowhere.js',
  'only-cli-imports-cli src/index.ts → src/cli/ok.ts',
  'entry-point-exports-no-cli-or-bench src/index.ts → src/cli/ok.ts',
  'src-folder-in-layer-table src/newfolder/a.ts → src/errors.ts',
  'tools-import-no-tests tools/bad.ts → test/helper.ts',
].sort();

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

function writeTree(dir: string): void {
  for (const [file, imports] of Object.entries(TREE)) {
    const abs = path.join(dir, file);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const lines = imports.map((spec, i) =>
      spec.startsWith('type:') ? `import type * as m${i} from '${spec.slice('type:'.length)}';\nexport type T${i} = typeof m${i};` : `import * as m${i} from '${spec}';\nexport const v${i} = m${i};`,
    );
    fs.writeFileSync(abs, `${lines.join('\n')}\nexport const here = '${file}';\n`);
  }
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowJs: false }, include: ['src', 'tools', 'test'] }));
  // The scratch tree's package.json declares vitest as a devDependency, as the project's does.
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'scratch', type: 'module', devDependencies: { vitest: '*' } }));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
}

describe('import boundaries (.dependency-cruiser.cjs)', () => {
  it('flags exactly the violating imports of a scratch tree, each with its rule', () => {
    const dir = tempDir('reprise-depcruise-');
    writeTree(dir);
    const bin = path.join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
    let out: string;
    try {
      out = execFileSync(process.execPath, [bin, 'src', 'tools', 'test', '--config', path.join(repo, '.dependency-cruiser.cjs'), '--output-type', 'json'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    } catch (e) {
      // depcruise exits with the number of errors; the report is still on stdout.
      out = String((e as { stdout?: unknown }).stdout ?? '');
    }
    const violations = (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
    // node_modules is a link to the repository's: cut the resolved path to its package-relative part.
    const got = violations.map((v) => `${v.rule.name} ${v.from} → ${v.to.replace(/^.*\/node_modules\//, 'node_modules/')}`).sort();
    expect(got).toEqual(EXPECTED);
  });

  it('has one layer row per src/ folder of the repository', async () => {
    const config = (await import(path.join(repo, '.dependency-cruiser.cjs'))) as { default: { forbidden: readonly { name: string }[] } };
    const layers = config.default.forbidden.map((r) => r.name).filter((n) => n.startsWith('layer-')).map((n) => n.slice('layer-'.length)).sort();
    const src = path.join(repo, 'src');
    // Folders that hold sources (an emptied folder left behind by a move is not one).
    const hasSources = (dir: string): boolean => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).some((f) => f.endsWith('.ts'));
    const folders = fs.readdirSync(src, { withFileTypes: true }).filter((d) => d.isDirectory() && hasSources(path.join(src, d.name))).map((d) => d.name).sort();
    expect(layers).toEqual(folders);
  });
});
