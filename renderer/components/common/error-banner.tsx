// An engine error as the user sees it: the sentence, plus the file and entry it concerns.
import type { ApiError } from '../../../shared/api';

/** Shows an error with the file and entry it names; dismissable when `onDismiss` is given. */
export function ErrorBanner({ error, onDismiss }: { readonly error: ApiError; readonly onDismiss?: () => void }) {
  return (
    <div className="error-banner" role="alert">
      <span className="error-banner-icon" aria-hidden="true">!</span>
      <div className="error-banner-body">
        <div className="error-banner-message">{error.message}</div>
        {(error.file || error.entry) && (
          <dl className="error-banner-where">
            {error.file && (
              <>
                <dt>File</dt>
                <dd className="mono">{error.file}</dd>
              </>
            )}
            {error.entry && (
              <>
                <dt>Entry</dt>
                <dd className="mono">{error.entry}</dd>
              </>
            )}
          </dl>
        )}
      </div>
      {onDismiss && (
        <button type="button" className="icon-button" aria-label="Dismiss error" onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  );
}
