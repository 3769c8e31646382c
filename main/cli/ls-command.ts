// `strata ls SOURCE --layer N [--merged]`: one layer's entries, or the filesystem as of that layer.
import { plainEntry } from '../../shared/model';
import { mergedFilesystem } from '../layers/layer-diff';
import { layerArg, sourceOptions, withAnalyzedImage } from './cli-analysis';
import type { CliCommand } from './command';
import { entryLine, mergedJson } from './entry-format';

/** Lists a layer's entries (tar order) or, with --merged, the merged filesystem sorted by path. */
export const lsCommand: CliCommand = {
  name: 'ls',
  summary: "list a layer's entries, or with --merged the whole filesystem as of that layer",
  usage: 'strata ls SOURCE [--layer N] [--merged] [--json]   (layers count from 0 = base; default: top)',
  options: { ...sourceOptions, layer: { type: 'string' }, merged: { type: 'boolean' } },
  async run(args, io) {
    return withAnalyzedImage(args, io, (image) => {
      const layer = layerArg(args, image);
      if (args.values.merged) {
        const merged = mergedFilesystem(image.indexes, layer);
        io.stdout.write(args.values.json ? `${JSON.stringify({ entries: merged.map(mergedJson) })}\n` : merged.map((e) => `${entryLine(e)}  [${e.layer}]\n`).join(''));
        return 0;
      }
      const entries = image.indexes[layer].entries;
      io.stdout.write(args.values.json ? `${JSON.stringify({ entries: entries.map(plainEntry) })}\n` : entries.map((e) => `${entryLine(e)}\n`).join(''));
      return 0;
    });
  },
};
