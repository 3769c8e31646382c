// `strata analyze SOURCE`: where the image's bytes went — summary, layers and the top wasted copies.
import { StrataError } from '../../shared/errors';
import { analyzeBloat } from '../bloat/analyze-bloat';
import { renderBloatMarkdown } from '../bloat/report-markdown';
import { renderBloatText } from '../bloat/report-text';
import { sourceOptions, withAnalyzedImage } from './cli-analysis';
import type { CliArgs, CliCommand } from './command';

/** Reads `--top N` (how many wasted copies to print). */
export function topArg(args: CliArgs): number {
  const raw = args.values.top;
  if (raw === undefined) return 10;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 100_000) throw new StrataError('usage', `--top ${String(raw)} must be a whole number from 0 to 100000.`);
  return n;
}

/** Prints the bloat summary (or the whole report with --json, or Markdown). */
export const analyzeCommand: CliCommand = {
  name: 'analyze',
  summary: 'bloat analysis: wasted bytes per layer and item, duplicates, dive-compatible efficiency',
  usage: 'strata analyze SOURCE [--top N] [--json | --markdown] [--image NAME] [--platform OS/ARCH]',
  options: { ...sourceOptions, markdown: { type: 'boolean' }, top: { type: 'string' } },
  async run(args, io) {
    const top = topArg(args);
    return withAnalyzedImage(args, io, (image) => {
      const report = analyzeBloat(image.descriptor, image.indexes, image.diffs);
      if (args.values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else io.stdout.write(args.values.markdown ? renderBloatMarkdown(report, top) : renderBloatText(report, top));
      return 0;
    });
  },
};
