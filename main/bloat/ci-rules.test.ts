// CI rules: sizes as dive parses them, `.dive-ci` / `.strata-ci.yml` files, flags over files, verdicts and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BloatReport, DiveFigures } from '../../shared/bloat';
import { isStrataError } from '../../shared/errors';
import { parseByteSize } from './byte-size';
import { ciExitCode, evaluateCiRules, parseCiConfig, renderCiVerdict, resolveCiRules } from './ci-rules';

test('byte sizes: SI and binary units, case-insensitive, plain bytes, junk rejected', () => {
  assert.equal(parseByteSize('20MB'), 20_000_000);
  assert.equal(parseByteSize('19Mb'), 19_000_000);
  assert.equal(parseByteSize('1GiB'), 1_073_741_824);
  assert.equal(parseByteSize('1.5 kib'), 1536);
  assert.equal(parseByteSize('1,048,576'), 1_048_576);
  assert.equal(parseByteSize('512'), 512);
  assert.equal(parseByteSize('7k'), 7000);
  for (const bad of ['', 'MB', '20 parsecs', '-5MB', '1e3']) assert.equal(parseByteSize(bad), null, bad);
});

test('a .dive-ci file: camelCase rules, numbers and sizes', () => {
  const rules = parseCiConfig('rules:\n  # comment\n  lowestEfficiency: 0.96\n  highestWastedBytes: 19Mb\n  highestUserWastedPercent: 0.6\n', '.dive-ci');
  assert.deepEqual(rules, { lowestEfficiency: '0.96', highestWastedBytes: '19Mb', highestUserWastedPercent: '0.6' });
  const resolved = resolveCiRules({}, { name: '.dive-ci', rules });
  assert.deepEqual(resolved.map((r) => [r.name, r.threshold, r.source]), [
    ['lowestEfficiency', 0.96, '.dive-ci'],
    ['highestWastedBytes', 19_000_000, '.dive-ci'],
    ['highestUserWastedPercent', 0.6, '.dive-ci'],
  ]);
});

test('kebab-case keys, disabled/off, defaults and flags over the file', () => {
  const rules = parseCiConfig('rules:\n  lowest-efficiency: off\n  highest-wasted-bytes: disabled\n', '.strata-ci.yml');
  const resolved = resolveCiRules({ highestWastedBytes: '1GiB' }, { name: '.strata-ci.yml', rules });
  assert.deepEqual(resolved.map((r) => [r.threshold, r.source]), [[null, '.strata-ci.yml'], [1_073_741_824, 'flag'], [0.1, 'default']]);
  assert.deepEqual(parseCiConfig('', 'x'), {});
});

test('bad config values and keys are errors naming the file and the rule', () => {
  const err = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(isStrataError(e));
      return e.message;
    }
    assert.fail('expected an error');
  };
  assert.match(err(() => parseCiConfig('rules:\n  lowestEficiency: 0.9\n', '.dive-ci')), /\.dive-ci: unknown rule "lowestEficiency"/);
  assert.match(err(() => parseCiConfig('rules: [1, 2]\n', '.dive-ci')), /must be a map/);
  assert.match(err(() => parseCiConfig('rules:\n  a: [\n', '.dive-ci')), /not valid YAML/);
  assert.match(err(() => resolveCiRules({}, { name: '.dive-ci', rules: { lowestEfficiency: '1.5' } })), /\.dive-ci: lowestEfficiency: "1.5" must be a ratio/);
  assert.match(err(() => resolveCiRules({ highestWastedBytes: 'lots' }, null)), /--highest-wasted-bytes: "lots" is not a byte size/);
});

const dive = (over: Partial<DiveFigures>): DiveFigures => ({
  efficiency: 0.95, wastedBytes: 1000, userWastedPercent: 0.05, sizeBytes: 10_000, userSizeBytes: 2000, inefficiencyCount: 0, inefficiencies: [], ...over,
});
const reportWithDive = (d: DiveFigures): BloatReport => ({
  image: { name: 'img', id: '', platform: '' },
  totals: { layers: 2, tarBytes: 0, compressedBytes: 0, contentBytes: 0, visibleBytes: 0, files: 0, wastedBytes: 0, wastedFraction: 0, metadataOnlyBytes: 0, identicalBytes: 0, wastedItems: 0, duplicateBytes: 0, duplicateGroups: 0 },
  layers: [], wasted: [], duplicates: [], largestFiles: [], largestDirectories: [], dive: d,
});

test('verdicts follow dive: strict comparisons, SKIP for disabled rules, exit 1 on any failure', () => {
  const rules = resolveCiRules({ lowestEfficiency: '0.95', highestWastedBytes: '1000', highestUserWastedPercent: 'off' }, null);
  const atLimit = evaluateCiRules(rules, reportWithDive(dive({})));
  assert.deepEqual(atLimit.map((r) => r.status), ['PASS', 'PASS', 'SKIP']);
  assert.equal(ciExitCode(atLimit), 0);
  const over = evaluateCiRules(rules, reportWithDive(dive({ efficiency: 0.9499, wastedBytes: 1001 })));
  assert.deepEqual(over.map((r) => r.status), ['FAIL', 'FAIL', 'SKIP']);
  assert.equal(ciExitCode(over), 1);
});

test('renderCiVerdict: text lists each rule with its source; Markdown is a PR comment', () => {
  const rules = resolveCiRules({ lowestEfficiency: '0.99' }, { name: '.dive-ci', rules: { highestUserWastedPercent: 'off' } });
  const text = renderCiVerdict(reportWithDive(dive({})), rules, false);
  assert.equal(text.code, 1);
  assert.match(text.output, /FAIL {2}lowestEfficiency = 0\.99 \[flag\]: efficiency 95\.00 % is below 99\.00 %/);
  assert.match(text.output, /SKIP {2}highestUserWastedPercent = off \[\.dive-ci\]/);
  assert.match(text.output, /FAIL \[pass:0 fail:1 skip:2\]/);
  const md = renderCiVerdict(reportWithDive(dive({})), resolveCiRules({}, null), true);
  assert.equal(md.code, 0);
  assert.match(md.output, /^## Strata CI: ✅ PASS/);
  assert.match(md.output, /\| highestWastedBytes \| `disabled` \| ⏭️ SKIP \|/);
});
