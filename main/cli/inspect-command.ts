// `strata inspect SOURCE`: the ancestry chain, base to top.
import { formatBytes, shortDigest } from '../../shared/format';
import type { HistoryStep } from '../../shared/model';
import { trimCreatedBy } from '../services/image-analysis';
import { sourceOptions, withAnalyzedImage } from './cli-analysis';
import type { CliCommand } from './command';

const stepLine = (s: HistoryStep) => `      · ${trimCreatedBy(s)}`;

/** Prints every layer with its size, build step and created/changed/deleted counts. */
export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'show the ancestry chain: every layer, its size, build step and change counts',
  usage: 'strata inspect SOURCE [--image NAME] [--platform OS/ARCH] [--json]',
  options: sourceOptions,
  async run(args, io) {
    return withAnalyzedImage(args, io, (image) => {
      if (args.values.json) {
        io.stdout.write(`${JSON.stringify({ image: { name: image.descriptor.name, id: image.descriptor.id, platform: image.descriptor.platform }, layers: image.layers }, null, 2)}\n`);
        return 0;
      }
      const d = image.descriptor;
      const total = image.layers.reduce((s, l) => s + l.uncompressedSize, 0);
      const stored = image.layers.reduce((s, l) => s + l.size, 0);
      const out: string[] = [
        `${d.name || '(unnamed)'}  ${shortDigest(d.id)}  ${d.platform}  ${image.layers.length} layers  ${formatBytes(total)} (${formatBytes(stored)} stored)`,
        `  #  ${'DIGEST'.padEnd(19)} ${'SIZE'.padStart(10)} ${'+ADD'.padStart(7)} ${'~CHG'.padStart(7)} ${'-DEL'.padStart(7)}  CREATED BY`,
      ];
      for (const layer of image.layers) {
        out.push(...layer.emptyStepsBefore.map(stepLine));
        out.push(
          `${String(layer.index).padStart(3)}  ${shortDigest(layer.digest).padEnd(19)} ${formatBytes(layer.uncompressedSize).padStart(10)} ${String(layer.counts.created).padStart(7)} ${String(layer.counts.changed).padStart(7)} ${String(layer.counts.deleted).padStart(7)}  ${trimCreatedBy(layer.step)}`,
        );
        for (const w of layer.warnings) out.push(`      ! ${w.message}`);
      }
      out.push(...d.emptyStepsAfter.map(stepLine));
      io.stdout.write(`${out.join('\n')}\n`);
      return 0;
    });
  },
};
