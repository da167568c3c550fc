/** `reprise fit-solver <kind> --model <folder> [kind flags]`: fits a solver to the model and saves the fit. */
import { fitKind } from '../editing/fit/kinds.js';
import { parseOptions } from '../editing/options.js';
import { loadPipeline, modelFlags, onePositional } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT, UsageError } from './errors.js';
import { FIT_KIND_FLAGS, FIT_SOLVER_TABLE } from './options/fit-solver.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';
import { ProgressBar } from './progress.js';

/** The help text of `reprise fit-solver` (from its table). */
export const FIT_SOLVER_HELP = helpText(FIT_SOLVER_TABLE);

/** The flags that are not fit options (model loading, output). */
const SHARED = new Set(['model', 'device', 'dtype', 'no-cache', 'dir', 'json', 'help']);

/** The kind whose own flag `flag` is (undefined: a flag every kind takes). */
function kindOfFlag(flag: string): string | undefined {
  return Object.entries(FIT_KIND_FLAGS).find(([, flags]) => flags.some((f) => f.name === flag))?.[0];
}

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Runs `fit-solver` with argv (without the command name); returns the exit code. */
export function fitSolverCommand(argv: readonly string[]): Promise<number> {
  return runCommand('fit-solver', argv, async () => {
    const parsed = parseCommand(FIT_SOLVER_TABLE, argv);
    const { values, positionals } = parsed;
    if (parsed.help) {
      process.stdout.write(`${FIT_SOLVER_HELP}\n`);
      return EXIT.ok;
    }
    const kind = fitKind(onePositional(positionals, '<kind>', FIT_SOLVER_HELP));
    for (const [flag, v] of Object.entries(values)) {
      const owner = v === undefined ? undefined : kindOfFlag(flag);
      if (owner !== undefined && owner !== kind.name) throw new UsageError(`fit-solver ${kind.name} does not take --${flag} (a flag of fit-solver ${owner})`, FIT_SOLVER_HELP);
    }
    const missing = (FIT_KIND_FLAGS[kind.name] ?? []).find((f) => f.required === true && (values as Readonly<Record<string, unknown>>)[f.name] === undefined);
    if (missing) throw new UsageError(`fit-solver ${kind.name} needs --${missing.name}: ${missing.help}`, FIT_SOLVER_HELP);
    // The kind's own schema validates its options (the flags given, camelCased).
    const given = Object.fromEntries(Object.entries(values).filter(([k, v]) => !SHARED.has(k) && v !== undefined).map(([k, v]) => [camel(k), v]));
    const options = parseOptions(kind.optionsSchema, given, `fit-solver ${kind.name}`);
    const model = modelFlags(values, FIT_SOLVER_HELP);
    const bar = new ProgressBar({ silent: values.json === true && process.stderr.isTTY !== true });
    bar.update('loading model', 0, 1);
    const pipe = await loadPipeline(model);
    const report = await kind.fit(pipe, options, (p) => bar.update(p.phase, p.step, p.total), values.dir);
    bar.done();
    if (values.json) printJson({ ok: true, command: `fit-solver ${kind.name}`, model: model.folder, files: report.files, ...report.summary });
    else process.stdout.write(`${report.lines.join('\n')}\n`);
    return EXIT.ok;
  });
}
