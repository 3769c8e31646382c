// The bloat analysis in steps: no step walks more than about STEP_ENTRIES entries, so the main process is never
// stopped for the whole analysis, and the stepped report is the one-go report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageDescriptor, LayerEntry, LayerIndex } from '../../shared/model';
import { diffLayers } from '../layers/layer-diff';
import { STEP_ENTRIES } from '../layers/step-budget';
import { runInTurns } from '../services/run-in-turns';
import { analyzeBloat, analyzeBloatInSteps } from './analyze-bloat';

const PER_LAYER = 2 * STEP_ENTRIES + 5000;
const base = { mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000, linkname: '' };

/** Two big layers: the second rewrites every tenth file of the first, deletes a directory and hard-links a file. */
function bigImage(): { image: ImageDescriptor; indexes: LayerIndex[] } {
  const indexes: LayerIndex[] = [0, 1].map((l) => {
    const entries: LayerEntry[] = [];
    for (let i = 0; i < PER_LAYER; i++) {
      const owner = l === 1 && i % 10 === 0 ? 0 : l;
      const dir = `/opt/l${owner}/d${Math.floor(i / 100)}`;
      if (i % 100 === 0) entries.push({ ...base, path: dir, type: 'dir', size: 0, digest: '' });
      if (l === 1 && i === 7) entries.push({ ...base, path: `${dir}/link`, type: 'hardlink', size: 0, linkname: `${dir}/f6`, digest: '' });
      else entries.push({ ...base, path: `${dir}/f${i}`, type: 'file', size: 100 + (i % 50), digest: `sha256:${(i % 3000).toString(16).padStart(64, '0')}` });
    }
    return { diffId: '', compression: 'none', compressedSize: 0, uncompressedSize: 0, entries, whiteouts: l === 1 ? ['/opt/l0/d3'] : [], opaqueDirs: [], warnings: [] };
  });
  const image: ImageDescriptor = {
    name: 'big', id: '', platform: 'linux/amd64', created: '', runtimeConfig: '', emptyStepsAfter: [],
    layers: indexes.map((_, i) => ({
      index: i, digest: '', diffId: '', mediaType: '', size: 0,
      step: { createdBy: `RUN step ${i}`, created: '', comment: '', emptyLayer: false }, emptyStepsBefore: [],
    })),
  };
  return { image, indexes };
}

/** The image's indexes with entry arrays that count every element read into `reads.count`. */
function counting(indexes: readonly LayerIndex[], reads: { count: number }): LayerIndex[] {
  return indexes.map((index) => ({
    ...index,
    entries: new Proxy(index.entries, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads.count++;
        return Reflect.get(target, key, receiver);
      },
    }),
  }));
}

test('no step of the analysis reads more than about STEP_ENTRIES entries', () => {
  const { image, indexes } = bigImage();
  const diffs = diffLayers(indexes);
  const reads = { count: 0 };
  const steps = analyzeBloatInSteps(image, counting(indexes, reads), diffs);
  let longest = 0;
  let yields = 0;
  for (let last = 0; ; yields++) {
    const step = steps.next();
    longest = Math.max(longest, reads.count - last);

    last = reads.count;
    if (step.done) break;
  }
  // Every phase walks the entries (tracing three times, dive's tree twice and its visit once): a phase that did
  // not yield would read a whole layer (45k entries) or the whole image in one step.
  assert.ok(reads.count > 8 * PER_LAYER * 2, `read ${reads.count} entries in all`);
  assert.ok(longest <= STEP_ENTRIES * 1.25, `a step read ${longest} entries`);
  assert.ok(yields >= reads.count / STEP_ENTRIES, `${yields} yields for ${reads.count} reads`);
});

test('the stepped analysis, run a step per event-loop turn with other work in between, gives the one-go report', async () => {
  const { image, indexes } = bigImage();
  const diffs = diffLayers(indexes);
  let otherWork = 0;
  const timer = setInterval(() => otherWork++, 0);
  try {
    const stepped = await runInTurns(analyzeBloatInSteps(image, indexes, diffs));
    assert.deepEqual(stepped, analyzeBloat(image, indexes, diffs));
    assert.ok(stepped.totals.wastedBytes > 0 && stepped.dive.wastedBytes > 0, 'the fixture has waste to find');
  } finally {
    clearInterval(timer);
  }
  assert.ok(otherWork > 0, 'timers ran between the steps');
});
