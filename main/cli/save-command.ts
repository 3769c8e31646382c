// `strata save REF DEST`: writes a registry or Docker engine image to an OCI layout or docker-save archive.
import * as path from 'node:path';
import { formatBytes } from '../../shared/format';
import { StrataError } from '../../shared/errors';
import { saveFormatFor, saveReference } from '../stores/save-image';
import type { CliCommand } from './command';

/** Saves an image named by a reference: DEST ending in .tar → docker-save archive, else an OCI layout directory. */
export const saveCommand: CliCommand = {
  name: 'save',
  summary: 'save a registry or Docker engine image as an OCI layout or a docker-save archive',
  usage: 'strata save REF DEST [--format oci|docker-archive] [--platform OS/ARCH]\n  REF: a registry reference (alpine:3.20, ghcr.io/o/a@sha256:…) or docker://NAME\n  DEST: a new folder (OCI layout) or a file ending in .tar (docker-save archive)',
  options: { format: { type: 'string' }, platform: { type: 'string' } },
  async run(args, io) {
    const [ref, destArg, ...extra] = args.positionals;
    if (!ref || !destArg || extra.length > 0) throw new StrataError('usage', 'Give exactly a reference and a destination: strata save REF DEST.');
    const dest = path.resolve(io.cwd, destArg);
    const format = saveFormatFor(dest, typeof args.values.format === 'string' ? args.values.format : undefined);
    let last = 0;
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    try {
      await saveReference(ref, dest, {
        format,
        platform: typeof args.values.platform === 'string' ? args.values.platform : undefined,
        env: io.env,
        signal: controller.signal,
        onProgress: (done, total) => {
          const now = Date.now();
          if (!io.stderr.isTTY || now - last < 100) return;
          last = now;
          io.stderr.write(`\r${formatBytes(done)}${total ? ` / ${formatBytes(total)}` : ''}\x1b[K`);
        },
      });
    } finally {
      process.off('SIGINT', onSignal);
      if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
    }
    io.stdout.write(`Saved ${ref} to ${dest} (${format === 'oci' ? 'OCI layout' : 'docker-save archive'}).\n`);
    return 0;
  },
};
