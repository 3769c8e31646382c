// The session: what is open and how far along it is. Start screen → (staging dropped layer tarballs) →
// opening with per-layer progress → (choosing one image of several) → browsing an analysed image.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, ImageView, SourceInfo, SourceSpec } from '../../shared/api';
import type { ImageChoice, LayerProgress } from '../../shared/model';
import { api, localFolderPath, onApiEvent, sourceForFiles } from '../api-client';
import type { GivenFolder } from './folder-files';
import { folderTar, isOciLayoutFolder } from './folder-tar';
import { sourceLabel } from './source-label';

/** Where the session is. */
export type SessionPhase =
  | { readonly phase: 'start' }
  | { readonly phase: 'staging'; readonly files: readonly File[] }
  | {
      readonly phase: 'opening';
      readonly label: string;
      readonly jobId: string | null;
      readonly progress: readonly LayerProgress[];
      /** Per dropped file while it is being uploaded (browser only). */
      readonly uploads: readonly { readonly name: string; readonly state: 'queued' | 'sending' | 'sent' }[];
    }
  | { readonly phase: 'choose-image'; readonly source: SourceInfo }
  | { readonly phase: 'ready'; readonly source: SourceInfo; readonly image: ImageView };

/** The session state plus its actions. */
export interface Session {
  readonly state: SessionPhase;
  readonly error: ApiError | null;
  /** Opens a source (a path, the sample, a reference, uploads) and analyses its image. */
  openSource(source: SourceSpec, label: string): Promise<void>;
  /** Dropped files: one opens directly; several are staged as a layer chain to reorder first. */
  openFiles(files: readonly File[]): Promise<void>;
  /** A folder chosen or dropped: opened by its path in Electron; in a browser an OCI layout is packed into an archive and uploaded. */
  openFolder(folder: GivenFolder): Promise<void>;
  /** Replaces the staged chain (after a reorder or removal). */
  stageFiles(files: readonly File[]): void;
  /** Analyses the staged files as loose layer tarballs, base first. */
  analyseStaged(): Promise<void>;
  /** Analyses one image of a source that holds several (by name and platform: the images of an index share their name). */
  chooseImage(choice: ImageChoice): Promise<void>;
  cancel(): void;
  /** Closes what is open and returns to the start screen. */
  close(): void;
  /** Shows an error found in the UI itself (e.g. a folder dropped into a browser). */
  showError(error: ApiError): void;
  dismissError(): void;
}

const newJobId = () => crypto.randomUUID().replace(/-/g, '');

/** Shows an uploaded file by the name it was dropped with, not by its stored path on the server. */
function withDroppedNames(error: ApiError, names: ReadonlyMap<string, string>): ApiError {
  let { message, file } = error;
  for (const [id, name] of names) {
    const stored = new RegExp(`[^\\s"']*[\\\\/]uploads[\\\\/]${id}[\\\\/][A-Za-z0-9._-]+`, 'g');
    message = message.replace(stored, name);
    file = file?.replace(stored, name);
  }
  return { ...error, message, file };
}

/** Owns the session; one per window. */
export function useSession(): Session {
  const [state, setState] = useState<SessionPhase>({ phase: 'start' });
  const [error, setErrorState] = useState<ApiError | null>(null);
  // Upload id → dropped file name, for the last files sent to the server.
  const droppedNames = useRef<ReadonlyMap<string, string>>(new Map());
  const setError = useCallback((e: ApiError | null) => setErrorState(e && withDroppedNames(e, droppedNames.current)), []);
  // Bumped on cancel/close so that late answers of an abandoned attempt are ignored.
  const attempt = useRef(0);
  const openSourceId = useRef<string | null>(null);


  const releaseSource = useCallback(() => {
    if (openSourceId.current) void api.closeSource({ sourceId: openSourceId.current });
    openSourceId.current = null;
  }, []);

  const analyse = useCallback(async (source: SourceInfo, image: string | undefined, label: string, mine: number, platform?: string) => {
    const jobId = newJobId();
    setState({ phase: 'opening', label, jobId, progress: [], uploads: [] });
    const result = await api.analyzeImage({ sourceId: source.sourceId, image, ...(platform ? { platform } : {}), jobId });
    if (attempt.current !== mine) return;
    if (!result.ok) {
      setError(result.error);
      releaseSource();
      setState({ phase: 'start' });
      return;
    }
    setState({ phase: 'ready', source, image: result.value });
  }, [releaseSource, setError]);

  const openSource = useCallback(
    async (spec: SourceSpec, label: string) => {
      const mine = ++attempt.current;
      releaseSource();
      setError(null);
      setState({ phase: 'opening', label, jobId: null, progress: [], uploads: [] });
      const opened = await api.openSource({ source: spec });
      if (attempt.current !== mine) {
        if (opened.ok) void api.closeSource({ sourceId: opened.value.sourceId });
        return;
      }
      if (!opened.ok) {
        setError(opened.error);
        setState({ phase: 'start' });
        return;
      }
      openSourceId.current = opened.value.sourceId;
      if (opened.value.images.length > 1) {
        setState({ phase: 'choose-image', source: opened.value });
        return;
      }
      await analyse(opened.value, opened.value.images[0]?.name || undefined, label, mine);
    },
    [analyse, releaseSource, setError],
  );

  // Engine events: layer progress, and sources the shell opens (menus, command line, file associations).
  const openLatest = useRef(openSource);
  openLatest.current = openSource;
  useEffect(
    () =>
      onApiEvent((event) => {
        if (event.type === 'open-source') {
          void openLatest.current(event.source, sourceLabel(event.source));
          return;
        }
        setState((s) => (s.phase === 'opening' && s.jobId === event.jobId ? { ...s, progress: event.layers } : s));
      }),
    [],
  );

  const openUploaded = useCallback(
    async (files: readonly File[], label: string) => {
      const mine = ++attempt.current;
      setError(null);
      const uploads = files.map((f) => ({ name: f.name, state: 'queued' as const }));
      setState({ phase: 'opening', label, jobId: null, progress: [], uploads });
      const spec = await sourceForFiles(files, (index, fileState) =>
        setState((s) =>
          s.phase === 'opening' ? { ...s, uploads: s.uploads.map((u, i) => (i === index ? { ...u, state: fileState } : u)) } : s,
        ),
      );
      if (attempt.current !== mine) return;
      if (!spec.ok) {
        setError(spec.error);
        setState({ phase: 'start' });
        return;
      }
      if (spec.value.kind === 'uploads') droppedNames.current = new Map(spec.value.uploads.map((id, i) => [id, files[i].name]));
      await openSource(spec.value, label);
    },
    [openSource, setError],
  );

  const openFiles = useCallback(
    async (files: readonly File[]) => {
      if (files.length === 0) return;
      if (files.length > 1 || state.phase === 'staging') {
        setError(null);
        setState({ phase: 'staging', files: state.phase === 'staging' ? [...state.files, ...files] : files });
        return;
      }
      await openUploaded(files, files[0].name);
    },
    [state, openUploaded, setError],
  );

  const openFolder = useCallback(
    async (folder: GivenFolder) => {
      const { name, files } = folder;
      const local = localFolderPath(folder);
      if (local) {
        await openSource({ kind: 'path', path: local }, local);
        return;
      }
      if (!isOciLayoutFolder(files)) {
        setError({
          code: 'unknown-format',
          message: `${name} is not an OCI image layout (it has no oci-layout file). A browser can upload OCI layout folders only: open a registry v1 store by typing its path.`,
          file: name,
        });
        return;
      }
      await openUploaded([new File([folderTar(files)], name, { type: 'application/x-tar' })], name);
    },
    [openSource, openUploaded, setError],
  );

  const stageFiles = useCallback((files: readonly File[]) => {
    setState(files.length === 0 ? { phase: 'start' } : { phase: 'staging', files });
  }, []);

  const analyseStaged = useCallback(async () => {
    if (state.phase !== 'staging') return;
    await openUploaded(state.files, `${state.files.length} layer tarballs`);
  }, [state, openUploaded]);

  const chooseImage = useCallback(
    async (choice: ImageChoice) => {
      if (state.phase !== 'choose-image') return;
      const name = choice.name || choice.id;
      await analyse(state.source, name, choice.platform ? `${name} (${choice.platform})` : name, attempt.current, choice.platform || undefined);
    },
    [state, analyse],
  );

  const cancel = useCallback(() => {
    attempt.current++;
    if (state.phase === 'opening' && state.jobId) void api.cancelJob({ jobId: state.jobId });
    releaseSource();
    setState({ phase: 'start' });
  }, [state, releaseSource]);

  const close = useCallback(() => {
    attempt.current++;
    releaseSource();
    setState({ phase: 'start' });
  }, [releaseSource]);

  const dismissError = useCallback(() => setError(null), []);

  return { state, error, openSource, openFiles, openFolder, stageFiles, analyseStaged, chooseImage, cancel, close, showError: setError, dismissError };
}
