// `strata report SOURCE -o report.html`: one standalone HTML file with the bloat summary, tables and treemap.
import { rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { StrataError } from '../../shared/errors';
import { analyzeBloat } from '../bloat/analyze-bloat';
import { layoutTreemap, renderBloatHtml } from '../bloat/html-report';
import { buildSizeTree } from '../bloat/size-tree';
import { mergedFilesystem } from '../layers/layer-diff';
import { sourceOptions, withAnalyzedImage } from './cli-analysis';
import type { CliCommand } from './command';

const TREEMAP = { width: 1100, height: 620 };

/** Writes the HTML bloat report to the file named by -o. */
export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'write a standalone HTML bloat report (summary, tables, treemap) for a ticket',
  usage: 'strata report SOURCE -o report.html [--image NAME] [--platform OS/ARCH]',
  options: { ...sourceOptions, output: { type: 'string', short: 'o' } },
  async run(args, io) {
    const output = args.values.output;
    if (typeof output !== 'string' || output === '') throw new StrataError('usage', 'missing -o FILE: where to write the HTML report.');
    const target = path.resolve(io.cwd, output);
    return withAnalyzedImage(args, io, async (image) => {
      const report = analyzeBloat(image.descriptor, image.indexes, image.diffs);
      const tree = buildSizeTree(mergedFilesystem(image.indexes, image.indexes.length - 1));
      const html = renderBloatHtml(report, await layoutTreemap(tree, TREEMAP.width, TREEMAP.height), TREEMAP);
      const tmp = `${target}.${process.pid}.tmp`;
      await writeFile(tmp, html);
      await rename(tmp, target);
      io.stderr.write(`Wrote ${target} (${html.length} bytes).\n`);
      return 0;
    });
  },
};
