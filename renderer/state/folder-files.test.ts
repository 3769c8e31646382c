// Finding a chosen folder's own path from one of its files (Electron), for POSIX and Windows paths.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { folderRoot } from './folder-files';

describe('folder root', () => {
  it('strips the path inside the folder from a file’s local path', () => {
    assert.equal(folderRoot('/home/me/images/web/blobs/sha256/0a1b', 'blobs/sha256/0a1b'), '/home/me/images/web');
    assert.equal(folderRoot('/home/me/images/web/oci-layout', 'oci-layout'), '/home/me/images/web');
    assert.equal(folderRoot('C:\\Users\\me\\web\\blobs\\sha256\\0a1b', 'blobs/sha256/0a1b'), 'C:\\Users\\me\\web');
    assert.equal(folderRoot('/oci-layout', 'oci-layout'), '/');
  });
});
