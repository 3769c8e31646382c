// `strata diff SOURCE --layer N`: what one layer created, changed and deleted.
import { plainEntry } from '../../shared/model';
import { layerArg, sourceOptions, withAnalyzedImage } from './cli-analysis';
import type { CliCommand } from './command';
import { changedJson, deletedJson, entryLine } from './entry-format';

/** Prints the layer's diff against the union of the layers below it. */
export const diffCommand: CliCommand = {
  name: 'diff',
  summary: 'show what a layer created (+), changed (~, and what) and deleted (-)',
  usage: 'strata diff SOURCE [--layer N] [--json]   (layers count from 0 = base; default: top)',
  options: { ...sourceOptions, layer: { type: 'string' } },
  async run(args, io) {
    return withAnalyzedImage(args, io, (image) => {
      const diff = image.diffs[layerArg(args, image)];
      if (args.values.json) {
        const json = { created: diff.created.map(plainEntry), changed: diff.changed.map(changedJson), deleted: diff.deleted.map(deletedJson) };
        io.stdout.write(`${JSON.stringify(json)}\n`);
        return 0;
      }
      const lines = [
        ...diff.created.map((e) => `+ ${entryLine(e)}`),
        ...diff.changed.map((e) => `~ ${entryLine(e)}  (${e.what.length > 0 ? e.what.join(', ') : 'rewritten unchanged'})`),
        ...diff.deleted.map((e) => `- ${entryLine(e)}  (from layer ${e.layer})`),
      ];
      lines.push(`${diff.created.length} created, ${diff.changed.length} changed, ${diff.deleted.length} deleted`);
      io.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    });
  },
};
