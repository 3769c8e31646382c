// Turns what the user types in the search box into a path predicate: substring, glob or regex.
// Queries without `/` match the last path component; with `/`, the whole path. Smart case: a query
// with an upper-case letter is case-sensitive.

/** How the search box reads its text. */
export type QueryMode = 'text' | 'glob' | 'regex';

/** Decides whether row `row` (path `path`, last component from `nameStart`) matches. */
export type PathPredicate = (path: string, nameStart: number, row: number) => boolean;

/** A compiled query, or the reason it cannot compile (a bad regex). */
export type CompiledQuery = { readonly ok: true; readonly accepts: PathPredicate } | { readonly ok: false; readonly message: string };

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

/**
 * Compiles a query; an empty query compiles to null (no filter). `names` lists every row's last path
 * component; it is only asked for (and can be built lazily) when a regex must see the bare name.
 */
export function compileQuery(query: string, mode: QueryMode, names: () => readonly string[]): CompiledQuery | null {
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
  if (mode === 'regex') {
    const list = names();
    return { ok: true, accepts: (_path, _start, row) => re.test(list[row]) };
  }
  // Match from the last component on without slicing the path: a search from `lastIndex` for text,
  // an anchored (sticky) match for globs, whose pattern ends with `$`.
  const from = mode === 'text' ? new RegExp(re.source, `${flags}g`) : new RegExp(re.source.slice(1), `${flags}y`);
  return {
    ok: true,
    accepts: (path, nameStart) => {
      from.lastIndex = nameStart;
      return from.test(path);
    },
  };
}
