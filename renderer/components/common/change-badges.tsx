// The created / changed / deleted counts as small coloured badges with a sign, readable without colour.
import { formatCount } from '../../../shared/format';

/** Badges `+created ~changed −deleted`; zero counts are shown dimmed. */
export function ChangeBadges({ created, changed, deleted }: { readonly created: number; readonly changed: number; readonly deleted: number }) {
  return (
    <span className="badges">
      <span className={`badge badge-A${created === 0 ? ' badge-zero' : ''}`} title={`${created} created`}>
        +{formatCount(created)}
      </span>
      <span className={`badge badge-M${changed === 0 ? ' badge-zero' : ''}`} title={`${changed} changed`}>
        ~{formatCount(changed)}
      </span>
      <span className={`badge badge-D${deleted === 0 ? ' badge-zero' : ''}`} title={`${deleted} deleted`}>
        −{formatCount(deleted)}
      </span>
    </span>
  );
}
