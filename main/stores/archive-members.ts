// Reads the member table of an outer (uncompressed) tar archive once: member name → byte range.
// A small header walk with windowed positioned reads; member data is never read. Image archives
// (`docker save`, `oci-archive`) hold few, large members, so this costs one read per member.
import { open, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { StrataError } from '../../shared/errors';
import { isTarHeader } from '../layers/compression';

/** One member of an archive, as its header describes it. */
export interface ArchiveMember {
  /** Normalised name: no leading `./` or `/`, no trailing `/`. */
  readonly name: string;
  readonly type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  /** Byte offset of the member's data in the archive. */
  readonly offset: number;
  readonly size: number;
  readonly linkname: string;
}

/** The members of one archive file, by normalised name (the last of duplicate names wins, as in tar). */
export interface ArchiveMembers {
  readonly file: string;
  readonly members: ReadonlyMap<string, ArchiveMember>;
  /** False when the walk stopped early at a member `stopAt` rejected (the table is then partial). */
  readonly complete: boolean;
}

const BLOCK = 512;
const WINDOW = 64 * 1024;
const MAX_META = 1024 * 1024;

/**
 * Walks the headers of the tar archive at `file` and returns its member table; `stopAt`, when given,
 * ends the walk at the first member name it returns true for (so sniffing a big layer stays cheap).
 */
export async function readArchiveMembers(file: string, stopAt?: (name: string) => boolean): Promise<ArchiveMembers> {
  const handle = await openOrFail(file);
  try {
    const members = new Map<string, ArchiveMember>();
    const complete = await walk(handle, file, members, stopAt);
    return { file, members, complete };
  } finally {
    await handle.close();
  }
}

/**
 * Finds a member by name, following symbolic and hard links inside the archive (as `docker save`
 * writes for shared layers); a link leaving the archive is an `unsafe-path` error.
 */
export function resolveMember(archive: ArchiveMembers, name: string): ArchiveMember | undefined {
  let current = archive.members.get(normalizeMemberName(name));
  for (let hops = 0; current && hops < 16; hops++) {
    if (current.type === 'file') return current;
    if (current.type !== 'symlink' && current.type !== 'hardlink') return undefined;
    const base = current.type === 'symlink' ? path.posix.dirname(current.name) : '';
    const target = path.posix.normalize(path.posix.join(base, current.linkname));
    if (current.linkname.startsWith('/') || target === '..' || target.startsWith('../') || current.linkname.includes('\0')) {
      throw new StrataError('unsafe-path', `${archive.file}: member ${current.name} links outside the archive (${current.linkname}).`, {
        file: archive.file,
        entry: current.name,
      });
    }
    current = archive.members.get(normalizeMemberName(target));
  }
  return current?.type === 'file' ? current : undefined;
}

/** Strips `./` and `/` prefixes and trailing slashes, as member names are compared. */
export function normalizeMemberName(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

async function openOrFail(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (error) {
    throw new StrataError('not-found', `${file}: cannot open (${(error as Error).message}).`, { file });
  }
}

async function walk(
  handle: FileHandle,
  file: string,
  members: Map<string, ArchiveMember>,
  stopAt: ((name: string) => boolean) | undefined,
): Promise<boolean> {
  const { size: fileSize } = await handle.stat();
  let window = Buffer.alloc(0);
  let windowStart = 0;
  const readAt = async (offset: number, length: number): Promise<Buffer> => {
    if (offset >= windowStart && offset + length <= windowStart + window.length) {
      return window.subarray(offset - windowStart, offset - windowStart + length);
    }
    const buffer = Buffer.alloc(Math.max(length, WINDOW));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    window = buffer.subarray(0, bytesRead);
    windowStart = offset;
    return window.subarray(0, Math.min(length, bytesRead));
  };
  let offset = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  let paxSize: number | undefined;
  let paxLink: string | undefined;
  const malformed = (why: string) =>
    new StrataError('malformed', `${file}: not a readable tar archive at byte ${offset} (${why}).`, { file });
  while (offset < fileSize) {
    if (offset + BLOCK > fileSize) throw malformed('truncated header');
    const header = await readAt(offset, BLOCK);
    if (header.length < BLOCK) throw malformed('short read');
    if (header.every((b) => b === 0)) break;
    if (!isTarHeader(header)) throw malformed('bad header checksum');
    const flag = String.fromCharCode(header[156] || 0x30);
    const size = paxSize ?? readNumber(header.subarray(124, 136));
    if (size < 0 || !Number.isSafeInteger(size)) throw malformed('bad size field');
    const dataOffset = offset + BLOCK;
    if (dataOffset + size > fileSize) throw malformed('truncated: member data runs past the end of the file');
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (next > fileSize) throw malformed('truncated: the last block is incomplete');
    if (flag === 'x' || flag === 'L' || flag === 'K' || flag === 'g') {
      if (size > MAX_META) throw malformed(`metadata record of ${size} bytes`);
      const data = await readAt(dataOffset, size);
      if (flag === 'x') {
        const records = parsePax(data);
        paxPath = records.get('path') ?? paxPath;
        paxLink = records.get('linkpath') ?? paxLink;
        const s = records.get('size');
        if (s !== undefined) paxSize = /^\d+$/.test(s) ? Number(s) : undefined;
      } else if (flag === 'L') {
        longName = cString(data);
      }
      offset = next;
      continue;
    }
    const rawName = paxPath ?? longName ?? headerName(header);
    const linkname = paxLink ?? cString(header.subarray(157, 257));
    const name = normalizeMemberName(rawName);
    const type =
      flag === '0' || flag === '7' || header[156] === 0
        ? rawName.endsWith('/') ? 'dir' : 'file'
        : flag === '5' ? 'dir' : flag === '2' ? 'symlink' : flag === '1' ? 'hardlink' : 'other';
    if (stopAt?.(name)) return false;
    if (name) members.set(name, { name, type, offset: dataOffset, size, linkname });
    longName = paxPath = paxLink = undefined;
    paxSize = undefined;
    offset = next;
  }
  return true;
}

function readNumber(field: Buffer): number {
  if (field[0] & 0x80) {
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  const text = cString(field).trim();
  return text === '' ? 0 : /^[0-7]+$/.test(text) ? parseInt(text, 8) : -1;
}

function headerName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  const ustar = header.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = ustar ? cString(header.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}

function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const length = Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0 || pos + length > data.length) break;
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}
