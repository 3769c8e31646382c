// The recipe of Strata's sample image: a small Docker 25-style `docker save` archive whose eight layers
// show every kind of change the explorer colours — created, changed (content, mode only, re-emitted
// unchanged), deleted (file, directory, opaque directory), a big file added then deleted (wasted bytes),
// duplicate content, symlinks and hard links — with empty ENV/LABEL/CMD history steps between layers.
// Same bytes on every run. CLI: `node --import tsx main/sample/make-sample-image.ts [dest]`.
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { defaultSamplePath } from '../services/cache-location';
import { writeDockerOciArchive, type FixtureImage, type WrittenImages } from '../test-support/image-fixtures';
import { dir, file, makeLayerTar, opaque, whiteout, type FixtureEntry } from '../test-support/layer-tar';

/** Deterministic, poorly compressible bytes (xorshift32), so the big file stays big in gzip layers. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  return out;
}

const T0 = 1_700_000_000;
const at = (n: number) => ({ mtime: T0 + n * 3600 });
const LIBC = noise(48 * 1024, 7);
const LOGO = noise(12 * 1024, 11);
const APP_CONF_V1 = 'listen = 8080\nlog_level = info\n';
const APP_CONF_V2 = 'listen = 8080\nlog_level = debug\nworkers = 4\n';
const SERVER_JS = "const http = require('node:http');\nhttp.createServer((_, res) => res.end('hi')).listen(8080);\n";

/** The layers, base first, as tar entry lists. */
function sampleLayers(): FixtureEntry[][] {
  return [
    // 0: a small base filesystem.
    [
      dir('bin', at(0)),
      file('bin/busybox', '#!busybox\n'.repeat(200), { ...at(0), mode: 0o755 }),
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox', ...at(0) },
      { name: 'bin/ls', type: 'link', linkname: 'bin/busybox', ...at(0) },
      dir('etc', at(0)),
      file('etc/os-release', 'NAME="Strata Sample Linux"\nID=strata\nVERSION_ID=1.0\n', at(0)),
      file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n', at(0)),
      file('etc/group', 'root:x:0:\nnobody:x:65534:\n', at(0)),
      file('etc/hostname', 'sample\n', at(0)),
      dir('usr', at(0)),
      dir('usr/bin', at(0)),
      { name: 'usr/bin/env', type: 'symlink', linkname: '../../bin/busybox', ...at(0) },
      dir('usr/lib', at(0)),
      file('usr/lib/libc.so.6', LIBC, { ...at(0), mode: 0o755 }),
      dir('usr/share', at(0)),
      dir('usr/share/doc', at(0)),
      file('usr/share/doc/README', 'Strata sample image: every layer changes something.\n', at(0)),
      dir('usr/share/misc', at(0)),
      dir('usr/share/misc/legacy', at(0)),
      file('usr/share/misc/legacy/old-tool.txt', 'deprecated\n', at(0)),
      file('usr/share/misc/legacy/notes.txt', 'to be removed\n', at(0)),
      dir('var', at(0)),
      dir('var/cache', at(0)),
      dir('var/cache/apk', at(0)),
      file('var/cache/apk/APKINDEX.old', 'index v1\n'.repeat(50), at(0)),
      file('var/cache/apk/stale.pkg', 'stale\n', at(0)),
      dir('tmp', { ...at(0), mode: 0o1777 }),
    ],
    // 1: the application.
    [
      dir('app', at(1)),
      file('app/server.js', SERVER_JS, at(1)),
      file('app/package.json', '{"name":"sample-app","version":"1.0.0"}\n', at(1)),
      dir('app/lib', at(1)),
      file('app/lib/util.js', 'module.exports = { add: (a, b) => a + b };\n', at(1)),
      dir('app/static', at(1)),
      file('app/static/logo.png', LOGO, at(1)),
      file('etc/app.conf', APP_CONF_V1, at(1)),
    ],
    // 2: a config file's content changes.
    [file('etc/app.conf', APP_CONF_V2, at(2))],
    // 3: a mode-only change (same bytes, now executable).
    [file('app/server.js', SERVER_JS, { ...at(1), mode: 0o755 })],
    // 4: deletions by whiteout: a file and a whole directory.
    [dir('usr/share/doc', at(0)), whiteout('/usr/share/doc/README'), dir('usr/share/misc', at(0)), whiteout('/usr/share/misc/legacy')],
    // 5: an opaque directory: everything the lower layers had in /var/cache/apk is hidden.
    [dir('var/cache/apk', at(5)), opaque('/var/cache/apk'), file('var/cache/apk/APKINDEX', 'index v2\n'.repeat(50), at(5))],
    // 6: a big download, a duplicate of the logo, and libc re-emitted unchanged (wasted bytes).
    [
      file('tmp/build-cache.bin', noise(1536 * 1024, 42), at(6)),
      dir('app/public', at(6)),
      file('app/public/logo.png', LOGO, at(6)),
      file('usr/lib/libc.so.6', LIBC, { ...at(0), mode: 0o755 }),
    ],
    // 7: the big file deleted again: its bytes stay in layer 6.
    [whiteout('/tmp/build-cache.bin'), file('app/VERSION', '1.0.0\n', at(7))],
  ];
}

/** The sample image's history: one step per layer plus empty ENV/LABEL/WORKDIR/EXPOSE/CMD steps. */
const HISTORY: FixtureImage['history'] = [
  { createdBy: '/bin/sh -c #(nop) ADD file:3f2a0c1e9d in / ' },
  { createdBy: '/bin/sh -c #(nop)  ENV PATH=/usr/local/bin:/usr/bin:/bin', emptyLayer: true },
  { createdBy: '/bin/sh -c #(nop)  LABEL org.opencontainers.image.title=strata-sample', emptyLayer: true },
  { createdBy: 'WORKDIR /app', emptyLayer: true, comment: 'buildkit.dockerfile.v0' },
  { createdBy: 'COPY app/ /app/ # buildkit', comment: 'buildkit.dockerfile.v0' },
  { createdBy: 'COPY app.conf /etc/app.conf # buildkit', comment: 'buildkit.dockerfile.v0' },
  { createdBy: 'RUN /bin/sh -c chmod +x /app/server.js # buildkit', comment: 'buildkit.dockerfile.v0' },
  { createdBy: 'RUN /bin/sh -c rm -rf /usr/share/doc/README /usr/share/misc/legacy # buildkit', comment: 'buildkit.dockerfile.v0' },
  { createdBy: 'RUN /bin/sh -c rm -rf /var/cache/apk && mkdir /var/cache/apk && echo index > /var/cache/apk/APKINDEX # buildkit' },
  { createdBy: 'RUN /bin/sh -c fetch-build-cache /tmp/build-cache.bin && cp /app/static/logo.png /app/public/ # buildkit' },
  { createdBy: 'RUN /bin/sh -c rm /tmp/build-cache.bin && echo 1.0.0 > /app/VERSION # buildkit' },
  { createdBy: 'EXPOSE map[8080/tcp:{}]', emptyLayer: true },
  { createdBy: 'CMD ["node" "server.js"]', emptyLayer: true },
];

/** Writes the sample image to `destPath` (a `docker save` tar); returns what was written. */
export async function makeSampleImage(destPath: string): Promise<WrittenImages> {
  const layers = await Promise.all(sampleLayers().map((entries) => makeLayerTar(entries)));
  await mkdir(path.dirname(destPath), { recursive: true });
  return writeDockerOciArchive(destPath, [
    {
      layers,
      compression: ['gzip', 'none', 'none', 'none', 'zstd', 'none', 'gzip', 'none'],
      history: HISTORY,
      tags: ['strata/sample:1.0'],
      created: '2023-11-15T06:13:20Z',
      runtimeConfig: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['node', 'server.js'], WorkingDir: '/app', ExposedPorts: { '8080/tcp': {} } },
    },
  ]);
}

if (require.main === module) {
  const dest = path.resolve(process.argv[2] ?? defaultSamplePath());
  makeSampleImage(dest).then(
    ({ path: written }) => console.log(`sample image written to ${written}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
