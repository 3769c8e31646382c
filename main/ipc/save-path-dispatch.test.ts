import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SavePathRequest } from '../../shared/api';
import { createSavePathDispatcher, saveDialogOptions } from './save-path-dispatch';

const appFrame = { url: 'strata-app://app/index.html', isAppMainFrame: true };

describe('save dialog IPC', () => {
  it('refuses other frames and invalid requests without opening the dialog', async () => {
    const shown: SavePathRequest[] = [];
    const dispatch = createSavePathDispatcher(async (r) => {
      shown.push(r);
      return '/home/me/out';
    });
    for (const sender of [{ url: 'https://evil.example/', isAppMainFrame: true }, { url: appFrame.url, isAppMainFrame: false }]) {
      const result = await dispatch(sender, { suggestedName: 'alpine', format: 'oci' });
      assert.equal(!result.ok && result.error.code, 'forbidden');
    }
    for (const bad of [{ suggestedName: '../../etc/passwd', format: 'oci' }, { suggestedName: '..', format: 'oci' }, { suggestedName: 'a', format: 'zip' }, 'alpine', null]) {
      const result = await dispatch(appFrame, bad);
      assert.match(!result.ok ? result.error.message : '', /^Invalid input for chooseSavePath/, JSON.stringify(bad));
    }
    assert.equal(shown.length, 0);
  });

  it('answers the chosen path, or an error value when the dialog throws', async () => {
    const ok = await createSavePathDispatcher(async () => '/home/me/alpine.tar')(appFrame, { suggestedName: 'alpine', format: 'docker-archive', extra: 1 });
    assert.deepEqual(ok, { ok: true, value: '/home/me/alpine.tar' });
    const failed = await createSavePathDispatcher(async () => {
      throw new Error('no display');
    })(appFrame, { suggestedName: 'alpine', format: 'oci' });
    assert.equal(!failed.ok && failed.error.code, 'internal');
  });

  it('suggests a .tar file for archives and a folder name for OCI layouts', () => {
    const archive = saveDialogOptions({ suggestedName: 'alpine-3.20', format: 'docker-archive' }, '/home/me/Downloads/');
    assert.equal(archive.defaultPath, '/home/me/Downloads/alpine-3.20.tar');
    assert.deepEqual(archive.filters, [{ name: 'docker-save archive', extensions: ['tar'] }]);
    const layout = saveDialogOptions({ suggestedName: 'alpine-3.20', format: 'oci' }, '/home/me/Downloads');
    assert.equal(layout.defaultPath, '/home/me/Downloads/alpine-3.20');
    assert.deepEqual(layout.filters, []);
  });
});
