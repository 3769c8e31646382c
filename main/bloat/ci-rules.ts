// The CI gate: dive's three rules (lowestEfficiency, highestWastedBytes, highestUserWastedPercent) read
// from flags, a `.strata-ci.yml` or an existing `.dive-ci`, evaluated against the dive-compatible
// figures (so a `.dive-ci` gives the verdict dive gives), and rendered for a terminal or a PR comment.
import { parse as parseYaml } from 'yaml';
import { StrataError } from '../../shared/errors';
import type { BloatReport } from '../../shared/bloat';
import { formatBytes } from '../../shared/format';
import { parseByteSize } from './byte-size';
import { renderCiMarkdown } from './report-markdown';
import { renderCiText } from './report-text';

/** The rule names, as `.dive-ci` spells them. */
export const CI_RULE_NAMES = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'] as const;
/** One rule name. */
export type CiRuleName = (typeof CI_RULE_NAMES)[number];

/** Each rule's value when nothing configures it: dive's defaults. */
export const DEFAULT_CI_RULES: Readonly<Record<CiRuleName, string>> = {
  lowestEfficiency: '0.9',
  highestWastedBytes: 'disabled',
  highestUserWastedPercent: '0.1',
};

/** Spellings accepted in config files: camelCase (`.dive-ci`), kebab-case, and dive's `-threshold` form. */
const ALIASES: Readonly<Record<string, CiRuleName>> = {
  lowestEfficiency: 'lowestEfficiency',
  'lowest-efficiency': 'lowestEfficiency',
  'lowest-efficiency-threshold': 'lowestEfficiency',
  highestWastedBytes: 'highestWastedBytes',
  'highest-wasted-bytes': 'highestWastedBytes',
  highestUserWastedPercent: 'highestUserWastedPercent',
  'highest-user-wasted-percent': 'highestUserWastedPercent',
};

/** A configured rule: its threshold, or null when disabled. */
export interface CiRule {
  readonly name: CiRuleName;
  /** The value as written. */
  readonly configured: string;
  readonly threshold: number | null;
  /** Where the value came from: `flag`, `default`, or a config file's name. */
  readonly source: string;
}

/** A rule's verdict. */
export interface CiResult {
  readonly rule: CiRule;
  readonly status: 'PASS' | 'FAIL' | 'SKIP';
  /** The measured figure, formatted. */
  readonly actual: string;
  readonly message: string;
}

/** Reads the rules of a `.strata-ci.yml` / `.dive-ci` file (a `rules:` map); unknown keys are an error. */
export function parseCiConfig(text: string, file: string): Partial<Record<CiRuleName, string>> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new StrataError('malformed', `${file}: not valid YAML (${(error as Error).message.split('\n')[0]}).`, { file });
  }
  if (doc === null || doc === undefined) return {};
  const rules = typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>).rules : undefined;
  if (rules === undefined || rules === null) return {};
  if (typeof rules !== 'object' || Array.isArray(rules)) throw new StrataError('malformed', `${file}: "rules" must be a map of rule names to values.`, { file });
  const out: Partial<Record<CiRuleName, string>> = {};
  for (const [key, value] of Object.entries(rules as Record<string, unknown>)) {
    const name = ALIASES[key];
    if (!name) throw new StrataError('malformed', `${file}: unknown rule ${JSON.stringify(key)} (expected ${CI_RULE_NAMES.join(', ')}).`, { file, entry: key });
    if (value !== null && typeof value === 'object') throw new StrataError('malformed', `${file}: rule ${key} must be a single value.`, { file, entry: key });
    out[name] = value === null ? '' : String(value);
  }
  return out;
}

function isDisabled(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === '' || v === 'disabled' || v === 'off' || v === 'false';
}

/** Validates one rule's value: a ratio 0–1 for efficiency and percent, a byte size for wasted bytes. */
export function ciRule(name: CiRuleName, configured: string, source: string): CiRule {
  if (isDisabled(configured)) return { name, configured, threshold: null, source };
  const where = source === 'flag' ? `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : `${source}: ${name}`;
  if (name === 'highestWastedBytes') {
    const bytes = parseByteSize(configured);
    if (bytes === null) throw new StrataError('usage', `${where}: ${JSON.stringify(configured)} is not a byte size (e.g. 20MB, 1GiB, 1048576).`, { file: source === 'flag' ? undefined : source });
    return { name, configured, threshold: bytes, source };
  }
  const ratio = /^\s*[0-9]*\.?[0-9]+\s*$/.test(configured) ? Number(configured) : NaN;
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new StrataError('usage', `${where}: ${JSON.stringify(configured)} must be a ratio between 0 and 1 (e.g. 0.9).`, { file: source === 'flag' ? undefined : source });
  }
  return { name, configured, threshold: ratio, source };
}

/** Resolves every rule: a flag wins over the config file, which wins over dive's defaults. */
export function resolveCiRules(flags: Partial<Record<CiRuleName, string>>, file: { readonly name: string; readonly rules: Partial<Record<CiRuleName, string>> } | null): CiRule[] {
  return CI_RULE_NAMES.map((name) => {
    if (flags[name] !== undefined) return ciRule(name, flags[name] as string, 'flag');
    if (file && file.rules[name] !== undefined) return ciRule(name, file.rules[name] as string, file.name);
    return ciRule(name, DEFAULT_CI_RULES[name], 'default');
  });
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;

/** Evaluates the rules against the report's dive-compatible figures (dive's comparisons: strict). */
export function evaluateCiRules(rules: readonly CiRule[], report: BloatReport): CiResult[] {
  const { dive } = report;
  return rules.map((rule): CiResult => {
    const actual =
      rule.name === 'lowestEfficiency' ? percent(dive.efficiency)
      : rule.name === 'highestWastedBytes' ? `${dive.wastedBytes} bytes (${formatBytes(dive.wastedBytes)})`
      : percent(dive.userWastedPercent);
    if (rule.threshold === null) return { rule, status: 'SKIP', actual, message: 'disabled' };
    const failed =
      rule.name === 'lowestEfficiency' ? dive.efficiency < rule.threshold
      : rule.name === 'highestWastedBytes' ? dive.wastedBytes > rule.threshold
      : dive.userWastedPercent > rule.threshold;
    const limit = rule.name === 'highestWastedBytes' ? `${rule.threshold} bytes` : percent(rule.threshold);
    const message = failed
      ? rule.name === 'lowestEfficiency' ? `efficiency ${actual} is below ${limit}` : `${actual} is above ${limit}`
      : `${actual} within ${limit}`;
    return { rule, status: failed ? 'FAIL' : 'PASS', actual, message };
  });
}

/** The exit code of a CI run: 1 when any rule failed. */
export function ciExitCode(results: readonly CiResult[]): number {
  return results.some((r) => r.status === 'FAIL') ? 1 : 0;
}

/** Evaluates the rules and renders the verdict (text or Markdown) with its exit code. */
export function renderCiVerdict(report: BloatReport, rules: readonly CiRule[], markdown: boolean): { output: string; code: number } {
  const results = evaluateCiRules(rules, report);
  return { output: markdown ? renderCiMarkdown(report, results) : renderCiText(report, results), code: ciExitCode(results) };
}
