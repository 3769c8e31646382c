// The app shell: the session decides the screen; drops work everywhere. Views of an open image are
// the TABS below (one entry each); start-screen sources are the sections of StartScreen.
import { useEffect } from 'react';
import { initialSource } from './api-client';
import { BloatView } from './components/bloat/bloat-view';
import { ErrorBanner } from './components/common/error-banner';
import { DropTarget } from './components/drop/drop-target';
import { LayerFilesChain } from './components/drop/layer-files-chain';
import { ProgressPanel } from './components/progress/progress-panel';
import { ImageChooser } from './components/start/image-chooser';
import { StartScreen } from './components/start/start-screen';
import { TreeExplorer } from './components/tree/tree-explorer';
import { ImageWorkspace, type WorkspaceTab } from './components/workspace/image-workspace';
import { sourceLabel } from './state/source-label';
import { useSession } from './state/use-session';

/** The views of an open image, in tab order. */
const TABS: readonly WorkspaceTab[] = [
  { id: 'tree', label: 'Tree', render: (props) => <TreeExplorer {...props} /> },
  { id: 'bloat', label: 'Bloat', render: (props) => <BloatView {...props} /> },
];

/** The whole window. */
export function App() {
  const session = useSession();
  const { state } = session;

  useEffect(() => {
    const source = initialSource();
    if (source) void session.openSource(source, sourceLabel(source));
    // Once per window: the source named on the command line (`strata serve SOURCE`).
  }, []);

  return (
    <DropTarget onFiles={session.openFiles} onFolder={session.openFolder} onError={session.showError}>
      <div className="app">
        {session.error && (
          <div className="app-error">
            <ErrorBanner error={session.error} onDismiss={session.dismissError} />
          </div>
        )}
        {state.phase === 'start' && <StartScreen onOpen={session.openSource} onFiles={session.openFiles} onFolder={session.openFolder} />}
        {state.phase === 'staging' && <LayerFilesChain files={state.files} onChange={session.stageFiles} onAnalyse={session.analyseStaged} />}
        {state.phase === 'opening' && <ProgressPanel label={state.label} progress={state.progress} uploads={state.uploads} onCancel={session.cancel} />}
        {state.phase === 'choose-image' && <ImageChooser source={state.source} onChoose={session.chooseImage} onCancel={session.close} />}
        {state.phase === 'ready' && (
          <ImageWorkspace
            key={state.image.imageId}
            image={state.image}
            tabs={TABS}
            platforms={state.source.images.map((i) => i.platform).filter(Boolean)}
            onClose={session.close}
            onOpen={session.openSource}
          />
        )}
      </div>
    </DropTarget>
  );
}
