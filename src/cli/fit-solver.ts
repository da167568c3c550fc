/** `reprise fit-solver <kind> --model <folder> --steps N`: fits a solver to the model and saves the fit. */
import { fitKind } from '../editing/fit/kinds.js';
import { parseOptions } from '../editing/options.js';
import { loadPipeline, modelFlags, onePositional } from './args.js';
import { printJson, runCommand } from './command.js';
import { EXIT } from './errors.js';
import { FIT_SOLVER_TABLE } from './options/fit-solver.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';
import { ProgressBar } from './progress.js';

/** The help text of `reprise fit-solver` (from its table). */
export const FIT_SOLVER_HELP = helpText(FIT_SOLVER_TABLE);

/** The flags every kind shares (not kind options). */
const SHARED = new Set(['model', 'device', 'dtype', 'no-cache', 'dir', 'json', 'help']);

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
