// `strata images`: the local Docker engine's images (DOCKER_HOST, docker context or /var/run/docker.sock).
import { formatBytes, shortDigest } from '../../shared/format';
import { DockerEngineClient, resolveEngineEndpoint } from '../registry/docker-engine-client';
import type { CliCommand } from './command';

/** Lists the engine's images: repository:tag, id, size and creation time (or JSON with --json). */
export const imagesCommand: CliCommand = {
  name: 'images',
  summary: "list the local Docker engine's images (open one with docker://NAME)",
  usage: 'strata images [--json]',
  options: { json: { type: 'boolean' } },
  async run(args, io) {
    const client = new DockerEngineClient(await resolveEngineEndpoint(io.env));
    const images = await client.listImages();
    if (args.values.json) {
      io.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
      return 0;
    }
    const rows = images.flatMap((i) => (i.repoTags.length ? i.repoTags : ['<none>']).map((tag) => ({ tag, image: i })));
    const width = Math.max(10, ...rows.map((r) => r.tag.length));
    const out = [`${'IMAGE'.padEnd(width)}  ${'ID'.padEnd(19)}  ${'SIZE'.padStart(10)}  CREATED`];
    for (const { tag, image } of rows) {
      out.push(`${tag.padEnd(width)}  ${shortDigest(image.id).padEnd(19)}  ${formatBytes(image.size).padStart(10)}  ${image.created}`);
    }
    io.stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
};
