import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  APP_CONTENT_SECURITY_POLICY,
  APP_ORIGIN,
  APP_RESPONSE_HEADERS,
  isAppUrl,
  resolveAppAsset,
  senderRefusal,
} from './app-security';

const root = path.resolve('/opt/strata/dist/renderer');

/** The directives of a CSP string, by name. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name, values] as [string, string[]];
    }),
  );
}

describe('app protocol path resolution', () => {
  it('serves index.html for the root and files below the renderer directory', () => {
    assert.deepEqual(resolveAppAsset(root, `${APP_ORIGIN}/`), { file: path.join(root, 'index.html'), contentType: 'text/html; charset=utf-8' });
    assert.deepEqual(resolveAppAsset(root, `${APP_ORIGIN}/index.html?source=%7B%7D#x`)?.file, path.join(root, 'index.html'));
    assert.deepEqual(resolveAppAsset(root, `${APP_ORIGIN}/assets/index-3f2a.js`), {
      file: path.join(root, 'assets', 'index-3f2a.js'),
      contentType: 'text/javascript; charset=utf-8',
    });
    assert.equal(resolveAppAsset(root, `${APP_ORIGIN}/assets/a%20b.css`)?.file, path.join(root, 'assets', 'a b.css'));
  });

  it('refuses every way out of the renderer directory', () => {
    const escapes = [
      `${APP_ORIGIN}/..%2f..%2fetc%2fpasswd.js`,
      `${APP_ORIGIN}/assets/..%2F..%2F..%2Fmain%2Fmain.js`,
      `${APP_ORIGIN}/%2e%2e/%2e%2e/secret.json`,
      `${APP_ORIGIN}/assets/%2e%2e%2f%2e%2e%2fx.js`,
      `${APP_ORIGIN}/..%5c..%5cx.js`,
      `${APP_ORIGIN}/a%00.js`,
      `${APP_ORIGIN}/%E0%A4%A.js`,
      `${APP_ORIGIN}/%2fetc%2fpasswd.js`,
    ];
    for (const url of escapes) {
      const asset = resolveAppAsset(root, url);
      assert.ok(asset === null || asset.file.startsWith(root + path.sep), `${url} → ${asset?.file}`);
    }
    assert.equal(resolveAppAsset(root, `${APP_ORIGIN}/..%2f..%2fetc%2fpasswd.js`), null);
    assert.equal(resolveAppAsset(root, `${APP_ORIGIN}/a%00.js`), null);
    assert.equal(resolveAppAsset(root, `${APP_ORIGIN}/..%5c..%5cx.js`), null);
    // The URL parser already folds literal `..`, so they cannot climb above the root either.
    assert.equal(resolveAppAsset(root, `${APP_ORIGIN}/../../../etc/passwd.js`)?.file, path.join(root, 'etc', 'passwd.js'));
  });

  it('refuses other schemes, other hosts and types the UI never loads', () => {
    assert.equal(resolveAppAsset(root, 'file:///etc/passwd'), null);
    assert.equal(resolveAppAsset(root, 'https://app/index.html'), null);
    assert.equal(resolveAppAsset(root, 'strata-app://evil/index.html'), null);
    assert.equal(resolveAppAsset(root, `${APP_ORIGIN}/sample/strata-sample.tar`), null);
    assert.equal(resolveAppAsset(root, `${APP_ORIGIN}/main.exe`), null);
    assert.equal(resolveAppAsset(root, 'not a url'), null);
  });
});

describe('content security policy', () => {
  const csp = directives(APP_CONTENT_SECURITY_POLICY);

  it('allows scripts and styles only from the app itself, never inline or eval', () => {
    assert.deepEqual(csp.get('default-src'), ["'none'"]);
    assert.deepEqual(csp.get('script-src'), ["'self'"]);
    assert.deepEqual(csp.get('style-src'), ["'self'"]);
    assert.doesNotMatch(APP_CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|wasm-unsafe-eval|\*|https?:/);
  });

  it('denies network access, frames, forms and base rewriting', () => {
    assert.deepEqual(csp.get('connect-src'), ["'none'"]);
    assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(csp.get('form-action'), ["'none'"]);
    assert.deepEqual(csp.get('base-uri'), ["'none'"]);
    assert.equal(APP_RESPONSE_HEADERS['content-security-policy'], APP_CONTENT_SECURITY_POLICY);
    assert.equal(APP_RESPONSE_HEADERS['x-content-type-options'], 'nosniff');
  });
});

describe('IPC sender check', () => {
  it('accepts only the app main frame on the app origin', () => {
    assert.equal(senderRefusal({ url: `${APP_ORIGIN}/index.html?source=x`, isAppMainFrame: true }), null);
    assert.match(senderRefusal({ url: `${APP_ORIGIN}/index.html`, isAppMainFrame: false }) ?? '', /main frame/);
    assert.match(senderRefusal({ url: 'https://example.com/', isAppMainFrame: true }) ?? '', /outside strata-app:\/\/app/);
    assert.match(senderRefusal({ url: 'strata-app://app.evil/', isAppMainFrame: true }) ?? '', /outside/);
    assert.match(senderRefusal({ url: 'strata-app://app:8080/', isAppMainFrame: true }) ?? '', /outside/);
    assert.match(senderRefusal({ url: undefined, isAppMainFrame: true }) ?? '', /gone/);
  });

  it('recognises app URLs by scheme and host', () => {
    assert.equal(isAppUrl(`${APP_ORIGIN}/index.html`), true);
    // Chromium hands over canonical (lower-case) URLs; anything else is refused rather than guessed at.
    assert.equal(isAppUrl('strata-app://APP/index.html'), false);
    assert.equal(isAppUrl('strata-app://user@app/index.html'), false);
    assert.equal(isAppUrl('about:blank'), false);
    assert.equal(isAppUrl('data:text/html,<script>1</script>'), false);
    assert.equal(isAppUrl(''), false);
  });
});
