// Turns what the user types in the search box into a path predicate: substring, glob or regex.
// Queries without `/` match the last path component; with `/`, the whole path. Smart case: a query
// with an upper-case letter is case-sensitive.

/** How the search box reads its text. */
export type QueryMode = 'text' | 'glob' | 'regex';

/** A compiled query, or the reason it cannot compile (a bad regex). */
export type CompiledQuery =
  | { readonly ok: true; readonly accepts: (path: string, nameStart: number) => boolean }
  | { readonly ok: false; readonly message: string };

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Converts a glob (`*`, `**`, `?`, `[abc]`) to a regex source anchored at both ends. */
export function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
        out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = close;
      }
    } else out += escapeRegex(ch);
  }
  return `^${out}$`;
}

/** Compiles a query; an empty query compiles to null (no filter). */
export function compileQuery(query: string, mode: QueryMode): CompiledQuery | null {
  if (query === '') return null;
  const flags = /[A-Z]/.test(query) ? '' : 'i';
  const wholePath = query.includes('/');
  let re: RegExp;
  try {
    re =
      mode === 'regex'
        ? new RegExp(query, flags)
        : mode === 'glob'
          ? new RegExp(globToRegex(query), flags)
          : new RegExp(escapeRegex(query), flags);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  if (wholePath) return { ok: true, accepts: (path) => re.test(path) };
  if (mode === 'text') {
    // Sticky-free search from the last component on, without slicing the string.
    const g = new RegExp(re.source, `${flags}g`);
    return {
      ok: true,
      accepts: (path, nameStart) => {
        g.lastIndex = nameStart;
        return g.test(path);
      },
    };
  }
  return { ok: true, accepts: (path, nameStart) => re.test(path.slice(nameStart)) };
}
