// Parses `WWW-Authenticate` headers (RFC 7235 challenges) as registries send them.

/** One authentication challenge: its scheme (lowercase) and parameters (names lowercase). */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Parses every challenge in a `WWW-Authenticate` value: `Bearer realm="…",service="…",scope="…"`. */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = () => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const token = () => {
    const start = i;
    while (i < n && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(header[i])) i++;
    return header.slice(start, i);
  };
  while (i < n) {
    skipSpace();
    while (i < n && header[i] === ',') {
      i++;
      skipSpace();
    }
    const word = token();
    if (!word) {
      i++;
      continue;
    }
    skipSpace();
    if (header[i] === '=' && challenges.length > 0) {
      // A parameter of the current challenge.
      i++;
      skipSpace();
      challenges[challenges.length - 1].params[word.toLowerCase()] = value();
      continue;
    }
    challenges.push({ scheme: word.toLowerCase(), params: {} });
    // token68 form (`Basic abc==`) carries no parameters we use; skip it when no `=` pair follows.
  }
  return challenges;

  function value(): string {
    if (header[i] === '"') {
      i++;
      let out = '';
      while (i < n && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < n) i++;
        out += header[i++];
      }
      i++;
      return out;
    }
    const start = i;
    while (i < n && header[i] !== ',' && header[i] !== ' ') i++;
    return header.slice(start, i);
  }
}
