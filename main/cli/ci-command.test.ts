// `strata ci`: config files found in the working directory, flags over files, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BloatReport } from '../../shared/bloat';
import { ciVerdict } from './ci-command';

const report: BloatReport = {
  image: { name: 'img', id: '', platform: '' },
  totals: { layers: 2, tarBytes: 0, compressedBytes: 0, contentBytes: 0, visibleBytes: 0, files: 0, wastedBytes: 0, wastedFraction: 0, metadataOnlyBytes: 0, identicalBytes: 0, wastedItems: 0, duplicateBytes: 0, duplicateGroups: 0 },
  layers: [], wasted: [], duplicates: [], largestFiles: [], largestDirectories: [],
  dive: { efficiency: 0.95, wastedBytes: 1000, userWastedPercent: 0.05, sizeBytes: 10_000, userSizeBytes: 2000, inefficiencyCount: 0, inefficiencies: [] },
};
const args = (values: Record<string, string | boolean>) => ({ positionals: [], values });

test('.strata-ci.yml wins over .dive-ci in the working directory; flags win over both', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-ci-'));
  writeFileSync(path.join(dir, '.dive-ci'), 'rules:\n  highestUserWastedPercent: 0.01\n');
  const fromDive = ciVerdict(report, args({}), dir);
  assert.equal(fromDive.code, 1);
  assert.match(fromDive.output, /FAIL {2}highestUserWastedPercent = 0\.01 \[\.dive-ci\]/);
  writeFileSync(path.join(dir, '.strata-ci.yml'), 'rules:\n  highestUserWastedPercent: disabled\n');
  assert.equal(ciVerdict(report, args({}), dir).code, 0);
  assert.equal(ciVerdict(report, args({ 'lowest-efficiency': '0.99' }), dir).code, 1);
  assert.equal(ciVerdict(report, args({ config: '.dive-ci', 'highest-wasted-bytes': '999' }), dir).code, 1);
});

test('a missing --config file is an error naming it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-ci-'));
  assert.throws(() => ciVerdict(report, args({ config: 'nope.yml' }), dir), /nope\.yml: cannot read the CI config \(ENOENT\)/);
});
