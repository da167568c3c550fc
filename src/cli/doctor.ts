/** `reprise doctor [--json] [--device cpu|cuda|cuda:N]` and `reprise install-cuda-provider [--cuda 13|12]`. */
import { installCudaProvider } from '../runtime/cuda-install.js';
import { parseDevice } from '../runtime/device.js';
import { runDoctor } from '../runtime/doctor.js';
import { runCommand } from './command.js';
import { EXIT } from './errors.js';
import { DOCTOR_TABLE, INSTALL_CUDA_TABLE } from './options/doctor.js';
import { helpText } from './options/help.js';
import { parseCommand } from './options/parse.js';

/** The help text of `reprise doctor` (from its table). */
export const DOCTOR_HELP = helpText(DOCTOR_TABLE);

/** The help text of `reprise install-cuda-provider` (from its table). */
export const INSTALL_CUDA_HELP = helpText(INSTALL_CUDA_TABLE);

/** Runs `doctor`; returns the exit code. */
export function doctorCommand(argv: readonly string[]): Promise<number> {
  return runCommand('doctor', argv, () => doctor(argv));
}

async function doctor(argv: readonly string[]): Promise<number> {
  const parsed = parseCommand(DOCTOR_TABLE, argv);
  if (parsed.help) {
    process.stdout.write(`${DOCTOR_HELP}\n`);
    return EXIT.ok;
  }
  const spec = parsed.values.device ?? 'cpu';
  const { device } = parseDevice(spec);
  const checks = await runDoctor();
  const needed = checks.filter((c) => c.requiredFor === 'all' || device === 'cuda');
  const ok = needed.every((c) => c.ok);
  if (parsed.values.json) {
    process.stdout.write(`${JSON.stringify({ ok, device: spec, checks })}\n`);
  } else {
    for (const c of checks) {
      const mark = c.ok ? 'ok  ' : c.requiredFor === 'cuda' && device === 'cpu' ? 'n/a ' : 'MISSING';
      process.stdout.write(`${mark.padEnd(8)}${c.name.padEnd(26)}${c.detail}\n`);
      if (!c.ok && c.fix) process.stdout.write(`${' '.repeat(34)}→ ${c.fix}\n`);
    }
    process.stdout.write(ok ? `\nReady for ${spec}.\n` : `\nNot ready for ${spec}: fix the MISSING lines above.\n`);
  }
  return ok ? EXIT.ok : EXIT.failed;
}

/** Runs `install-cuda-provider`; returns the exit code. */
export function installCudaCommand(argv: readonly string[]): Promise<number> {
  return runCommand('install-cuda-provider', argv, async () => installCuda(argv));
}

function installCuda(argv: readonly string[]): number {
  const parsed = parseCommand(INSTALL_CUDA_TABLE, argv);
  if (parsed.help) {
    process.stdout.write(`${INSTALL_CUDA_HELP}\n`);
    return EXIT.ok;
  }
  const cuda = parsed.values.cuda ?? '13';
  const files = installCudaProvider(cuda === '12' ? 12 : 13);
  process.stdout.write(`Installed:\n${files.map((f) => `  ${f}`).join('\n')}\nRun \`reprise doctor --device cuda\` to check the CUDA and cuDNN libraries.\n`);
  return EXIT.ok;
}
