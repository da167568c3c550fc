/**
 * Import boundaries, checked by `npm run lint:deps` (part of `npm test`, so CI runs it).
 *
 * 1. The product (src/) imports no tooling (tools/, scripts/, examples/, test/, training/) and no
 *    devDependency: dist/ is built from src/ alone and must run with the runtime dependencies.
 * 2. Layering inside src/ (docs/design.md §1): each folder imports only the folders its row of
 *    LAYERS names, plus src/errors.ts and src/util/ (the base every layer may use). The table is
 *    the import graph as it holds; widening a layer is a deliberate edit of one row here.
 * 3. Nothing but src/cli/ imports src/cli/; no import cycles; every relative import resolves.
 */

/**
 * What each src/ folder may import besides itself, src/errors.ts and src/util/: folder names, or
 * a path under src/ (regex) where only one file of a folder is allowed.
 */
const LAYERS = {
  util: [],
  solvers: [],
  onnx: [],
  // JSON with NaN/Infinity (tokenizer files carry none in practice, but the parser is shared).
  tokenizer: ['solvers/json\\.ts'],
  // io/tensor-location.ts types a tensor as the graph builder stores it; io knows no model code.
  io: ['onnx'],
  // random-model.ts writes a tokenizer vocabulary; config files may hold NaN/Infinity.
  models: ['io', 'onnx', 'tokenizer', 'solvers/json\\.ts'],
  // load.ts feeds neutral controls to a controlled UNet graph (the control-input names live with
  // the graph pieces in attention/controlled-graph.ts, which itself imports only onnx/ and models/).
  runtime: ['io', 'onnx', 'models', 'solvers', 'attention/controlled-graph\\.ts'],
  attention: ['io', 'onnx', 'models', 'runtime', 'tokenizer'],
  inversion: ['solvers', 'io', 'runtime'],
  editing: ['solvers', 'tokenizer', 'io', 'models', 'runtime', 'attention', 'inversion'],
  conformance: ['solvers', 'tokenizer', 'io', 'models', 'runtime'],
  bench: ['io', 'models', 'runtime', 'attention', 'editing'],
  cli: ['solvers', 'tokenizer', 'io', 'onnx', 'models', 'runtime', 'attention', 'inversion', 'editing', 'conformance', 'bench'],
};

const FOLDERS = Object.keys(LAYERS);
const alt = (xs) => xs.map((x) => (x.includes('\\') ? x : `${x}/`)).join('|');

const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => ({
  name: `layer-${folder}`,
  comment: `src/${folder}/ may import only ${allowed.length ? allowed.join(', ') : 'nothing'} (besides itself, errors.ts, util/): docs/design.md §1 and LAYERS in .dependency-cruiser.cjs`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: '^src/', pathNot: `^src/(${alt([folder, 'util', ...allowed])}|errors\\.ts$)` },
}));

module.exports = {
  forbidden: [
    {
      name: 'product-imports-no-tooling',
      comment: 'src/ is the product (dist/ ships it): it must not import tools/, scripts/, examples/, test/ or training/',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(tools|scripts|examples|test|training)/' },
    },
    {
      name: 'product-imports-no-dev-dependency',
      comment: 'src/ runs from dist/ with the runtime dependencies only: no devDependency (vitest, tsx, typedoc, ...), not even as a type (dist/*.d.ts would name it)',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'tools-import-no-tests',
      comment: 'tools/ (benchmarks, scene renderer, test model) is used by scripts and tests, never the other way round',
      severity: 'error',
      from: { path: '^tools/' },
      to: { path: '^(test|scripts)/' },
    },
    {
      name: 'only-cli-imports-cli',
      comment: 'src/cli/ is the top of the product: nothing else in src/ imports it',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'errors-imports-nothing',
      comment: 'src/errors.ts is the base of every layer',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/', pathNot: '^src/errors\\.ts$' },
    },
    {
      name: 'entry-point-exports-no-cli-or-bench',
      comment: 'src/index.ts (the public API) re-exports library layers, not the command line or its benchmarks',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/(cli|bench)/' },
    },
    {
      name: 'src-folder-in-layer-table',
      comment: 'every folder of src/ has a row in LAYERS (.dependency-cruiser.cjs), so its imports are checked',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `^src/(${FOLDERS.join('|')})/` },
      to: {},
    },
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'no import cycles at run time (a cycle closed only by `import type` is erased by the compiler)',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves (a moved file leaves no stale path)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      comment: 'every package imported is declared in package.json',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|\\.tools-build|docs/api)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
