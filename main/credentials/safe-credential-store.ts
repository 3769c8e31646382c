// Registry logins encrypted with Electron's safeStorage (Keychain on macOS, DPAPI on Windows,
// libsecret/kwallet on Linux). Linux's `basic_text` backend (a hard-coded key) does not count as
// encryption: there the store keeps logins in memory for this run only.
import * as path from 'node:path';
import { safeStorage } from 'electron';
import { createEncryptedCredentialStore, type AppCredentialStore, type StringCipher } from './encrypted-credential-store';

/** safeStorage as a cipher; available only with a real OS key store (call after app 'ready'). */
export function safeStorageCipher(): StringCipher {
  return {
    available: () =>
      safeStorage.isEncryptionAvailable() && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
    encrypt: (plainText) => safeStorage.encryptString(plainText),
    decrypt: (cipherText) => safeStorage.decryptString(cipherText),
  };
}

/** The app's credential store: `<userData>/registry-credentials.bin`, encrypted with safeStorage. */
export function createSafeCredentialStore(userDataDir: string): AppCredentialStore {
  return createEncryptedCredentialStore({ cipher: safeStorageCipher(), file: path.join(userDataDir, 'registry-credentials.bin') });
}
