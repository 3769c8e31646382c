// `strata ci SOURCE`: dive's CI rules (from flags, `.strata-ci.yml` or `.dive-ci`) as a gate; exit 1 on failure.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { BloatReport } from '../../shared/bloat';
import { StrataError } from '../../shared/errors';
import { analyzeBloat } from '../bloat/analyze-bloat';
import { parseCiConfig, renderCiVerdict, resolveCiRules, type CiRule, type CiRuleName } from '../bloat/ci-rules';
import { sourceOptions, withAnalyzedImage } from './cli-analysis';
import type { CliArgs, CliCommand } from './command';

/** Config files looked for in the working directory when --config is not given, first found wins. */
export const CI_CONFIG_FILES = ['.strata-ci.yml', '.strata-ci.yaml', '.dive-ci'] as const;

const FLAG_OF: Readonly<Record<CiRuleName, string>> = {
  lowestEfficiency: 'lowest-efficiency',
  highestWastedBytes: 'highest-wasted-bytes',
  highestUserWastedPercent: 'highest-user-wasted-percent',
};

/** Reads the config file named by --config, or the first of CI_CONFIG_FILES in `cwd`. */
export function loadCiConfig(args: CliArgs, cwd: string): { name: string; rules: Partial<Record<CiRuleName, string>> } | null {
  const explicit = args.values.config as string | undefined;
  const file = explicit !== undefined ? path.resolve(cwd, explicit) : CI_CONFIG_FILES.map((f) => path.join(cwd, f)).find((f) => existsSync(f));
  if (!file) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new StrataError('not-found', `${file}: cannot read the CI config (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, { file });
  }
  return { name: explicit ?? path.basename(file), rules: parseCiConfig(text, explicit ?? path.basename(file)) };
}

/** The rules a run uses: flags, else the config file, else dive's defaults (validated; bad values throw). */
export function ciRulesFor(args: CliArgs, cwd: string): CiRule[] {
  const flags: Partial<Record<CiRuleName, string>> = {};
  for (const [rule, flag] of Object.entries(FLAG_OF) as [CiRuleName, string][]) {
    const value = args.values[flag];
    if (typeof value === 'string') flags[rule] = value;
  }
  return resolveCiRules(flags, loadCiConfig(args, cwd));
}

/** The verdict for a report under the rules of the flags and config file: rendered output and exit code. */
export function ciVerdict(report: BloatReport, args: CliArgs, cwd: string): { output: string; code: number } {
  return renderCiVerdict(report, ciRulesFor(args, cwd), args.values.markdown === true);
}

/** Evaluates the CI rules against the image's dive-compatible figures. */
export const ciCommand: CliCommand = {
  name: 'ci',
  summary: 'gate an image on efficiency and wasted bytes (dive rules; .strata-ci.yml or .dive-ci); exit 1 on failure',
  usage: [
    'strata ci SOURCE [--lowest-efficiency RATIO] [--highest-wasted-bytes SIZE] [--highest-user-wasted-percent RATIO]',
    '                 [--config FILE] [--markdown]',
    `Rules come from flags, else --config FILE, else ${CI_CONFIG_FILES.join(' / ')} in the working directory, else dive's defaults`,
    '(lowestEfficiency 0.9, highestWastedBytes disabled, highestUserWastedPercent 0.1). SIZE: 20MB, 1GiB, 1048576…;',
    '`disabled` or `off` turns a rule off. Exit codes: 0 pass, 1 a rule failed (or bad input), 2 usage.',
  ].join('\n'),
  options: {
    ...sourceOptions,
    markdown: { type: 'boolean' },
    config: { type: 'string' },
    'lowest-efficiency': { type: 'string' },
    'highest-wasted-bytes': { type: 'string' },
    'highest-user-wasted-percent': { type: 'string' },
  },
  async run(args, io) {
    // Rules are read and validated before the image is opened, so a typo fails fast.
    const rules = ciRulesFor(args, io.cwd);
    return withAnalyzedImage(args, io, (image) => {
      const { output, code } = renderCiVerdict(analyzeBloat(image.descriptor, image.indexes, image.diffs), rules, args.values.markdown === true);
      io.stdout.write(output);
      return code;
    });
  },
};
