// Packing a folder into a tar Blob as the browser does, checked by the engine's own readers: an OCI
// layout folder packed this way opens as an OCI archive with the same images; long and non-ASCII names
// and the bytes survive a standard tar reader.
import assert from 'node:assert/strict';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { openLocalStore } from '../../main/stores/detect';
import { filesBelow } from '../../main/test-support/files-below';
import { writeOciLayout } from '../../main/test-support/image-fixtures';
import { dir, file, makeLayerTar } from '../../main/test-support/layer-tar';
import { folderTar, isOciLayoutFolder, type FolderFile } from './folder-tar';

async function folderFiles(root: string): Promise<FolderFile[]> {
  return Promise.all((await filesBelow(root)).map(async (f) => ({ path: f.path, file: await openAsBlob(f.full) })));
}

async function members(blob: Blob): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      out.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([Buffer.from(await blob.arrayBuffer())]).pipe(extract);
  await done;
  return out;
}

describe('folder tar', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'strata-folder-tar-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('packs an OCI layout folder into an archive the engine opens with the same images and layers', async () => {
    const layout = path.join(work, 'layout');
    await writeOciLayout(layout, [
      { layers: [await makeLayerTar([dir('etc'), file('etc/os-release', 'ID=folder\n')]), await makeLayerTar([file('app/run', 'go')])], tags: ['demo:v1'] },
    ]);
    const files = await folderFiles(layout);
    assert.equal(isOciLayoutFolder(files), true);
    const archive = path.join(work, 'layout.tar');
    await writeFile(archive, Buffer.from(await folderTar(files).arrayBuffer()));

    const fromFolder = await openLocalStore(layout);
    const fromArchive = await openLocalStore(archive);
    try {
      assert.equal(fromFolder.kind, 'oci-layout');
      assert.equal(fromArchive.kind, 'oci-archive');
      assert.deepEqual(await fromArchive.list(), await fromFolder.list());
      const [a, b] = [await fromFolder.openImage(), await fromArchive.openImage()];
      assert.equal(b.descriptor.id, a.descriptor.id);
      assert.deepEqual(b.descriptor.layers.map((l) => l.digest), a.descriptor.layers.map((l) => l.digest));
    } finally {
      await fromFolder.close();
      await fromArchive.close();
    }
  });

  it('keeps long and non-ASCII names (PAX) and every byte, in path order', async () => {
    const long = `deep/${'d'.repeat(90)}/${'f'.repeat(60)}.bin`;
    const files: FolderFile[] = [
      { path: 'z-last.txt', file: new Blob(['last']) },
      { path: long, file: new Blob([new Uint8Array(1500).fill(7)]) },
      { path: 'grüße/ß.txt', file: new Blob(['umlaut']) },
      { path: 'empty', file: new Blob([]) },
    ];
    assert.equal(isOciLayoutFolder(files), false);
    const blob = folderTar(files);
    assert.equal(blob.size % 512, 0);
    const read = await members(blob);
    assert.deepEqual([...read.keys()], [long, 'empty', 'grüße/ß.txt', 'z-last.txt'].sort());
    assert.deepEqual(read.get(long), Buffer.alloc(1500, 7));
    assert.equal(read.get('grüße/ß.txt')?.toString(), 'umlaut');
    assert.equal(read.get('empty')?.length, 0);
  });
});
