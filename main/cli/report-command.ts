// `strata report SOURCE -o report.html`: one standalone HTML file with the bloat summary, tables and treemap.
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { StrataError } from '../../shared/errors';
import { analyzeBloatWithFiles } from '../bloat/analyze-bloat';
import { layoutTreemap, renderBloatHtml } from '../bloat/html-report';
import { buildSizeTree } from '../bloat/size-tree';
import { sourceOptions, withAnalyzedImage } from './cli-analysis';
import type { CliCommand } from './command';

const TREEMAP = { width: 1100, height: 620 };

/** Checks, before any analysis, that the report can go to `target`: its folder exists and it is no folder itself. */
async function checkReportTarget(target: string): Promise<void> {
  const folder = path.dirname(target);
  if (!(await stat(folder).catch(() => undefined))?.isDirectory()) {
    throw new StrataError('not-found', `${target}: cannot write the report, ${folder} is not an existing folder.`, { file: target });
  }
  if ((await stat(target).catch(() => undefined))?.isDirectory()) {
    throw new StrataError('usage', `${target} is a folder: give -o the path of the HTML file to write.`, { file: target });
  }
}

/** Writes `html` to `target` through a hidden temp file beside it, removed if anything fails. */
async function writeReport(target: string, html: string): Promise<void> {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
  try {
    await writeFile(tmp, html);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

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
    await checkReportTarget(target);
    return withAnalyzedImage(args, io, async (image) => {
      const { report, files } = analyzeBloatWithFiles(image.descriptor, image.indexes, image.diffs);
      const tree = buildSizeTree(files);
      const html = renderBloatHtml(report, await layoutTreemap(tree, TREEMAP.width, TREEMAP.height), TREEMAP);
      await writeReport(target, html);
      io.stderr.write(`Wrote ${target} (${html.length} bytes).\n`);
      return 0;
    });
  },
};
