import { useEffect, useState } from 'react';
import type { ConfigProblem } from '../../../shared/api';
import { ErrorNote } from '../components/EmptyState';
import { PageHeader } from '../components/Page';
import { RelativeTime } from '../components/Time';
import { errorMessage } from '../data/format';
import { useRefreshing } from '../data/live';
import { routeHref } from '../shell/route';
import { ChangesView } from './ChangesView';
import { changedLines } from './lineDiff';
import { YamlEditor } from './YamlEditor';

/** The config files of every layer, one YAML editor, and whether the running config is the saved one. */
export function ConfigPage({ path }: { path: string | null }) {
  const files = useRefreshing(async () => (await window.architect.config.files()).files, { events: ['config.changed'] });
  const status = useRefreshing(() => window.architect.config.status(), { events: ['config.changed'] });
  const current = path ?? files.value?.find((f) => f.exists)?.path ?? null;

  return (
    <div className="page config-page" data-testid="page-config">
      <PageHeader title="Config">
        {status.value && (
          <span className="muted small" data-testid="config-status">
            <span className={`pill ${status.value.ok ? 'ok' : 'bad'}`}>{status.value.ok ? 'applied' : `${status.value.errors.length} problem(s): last good config still running`}</span>{' '}
            version <code data-testid="config-version">{status.value.version ?? 'none'}</code>
            {status.value.env && <> · env <code>{status.value.env}</code></>} · loaded <RelativeTime at={status.value.loadedAt} />
          </span>
        )}
      </PageHeader>
      <ErrorNote error={files.error ?? status.error} />
      {status.value && status.value.errors.length > 0 && (
        <ul className="problems" data-testid="config-status-problems">
          {status.value.errors.map((p, i) => (
            <li key={i}>
              <code>
                {p.file}:{p.line}:{p.col}
              </code>{' '}
              {p.message}
            </li>
          ))}
        </ul>
      )}
      <div className="config-layout">
        <nav className="file-list" aria-label="Config files">
          {(['base', 'environment', 'local'] as const).map((layer) => {
            const inLayer = files.value?.filter((f) => f.layer === layer) ?? [];
            if (inLayer.length === 0) return null;
            return (
              <div key={layer}>
                <h3 className="sub">{layer === 'base' ? 'Base' : layer === 'environment' ? 'Environment' : 'Local overrides'}</h3>
                {inLayer.map((f) => (
                  <a key={f.path} href={routeHref('config', f.path)} className={f.path === current ? 'active' : ''} data-testid="config-file" title={f.exists ? f.path : `${f.path} (not created yet)`}>
                    {f.path.split('/').pop()}
                    {!f.exists && <span className="muted small"> (new)</span>}
                  </a>
                ))}
              </div>
            );
          })}
        </nav>
        {current ? <FileEditor key={current} path={current} /> : <p className="muted">Choose a file.</p>}
      </div>
    </div>
  );
}

/** `/abs/config/base/x.yaml` → `base/x.yaml`: the name config.files uses. */
export function layerPath(file: string): string {
  return /(?:^|\/)((?:base|environments|local)\/[^/]+)$/.exec(file)?.[1] ?? file;
}

function FileEditor({ path }: { path: string }) {
  // `hash` names the text on disk the edit started from: a save over someone else's change is refused.
  const [loaded, setLoaded] = useState<{ text: string; hash: string | null } | null>(null);
  const [text, setText] = useState('');
  const [problems, setProblems] = useState<ConfigProblem[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmForce, setConfirmForce] = useState(false);
  const [showChanges, setShowChanges] = useState(false);

  useEffect(() => {
    window.architect.config
      .read({ path })
      .then((r) => (setLoaded({ text: r.text, hash: r.hash }), setText(r.text), setProblems(r.problems)))
      .catch((e: unknown) => setError(errorMessage(e)));
  }, [path]);

  const dirty = loaded !== null && text !== loaded.text;
  const save = (force: boolean): void => {
    setMessage(null);
    window.architect.config
      .save({ path, text, force, expectedHash: loaded?.hash ?? null })
      .then((r) => {
        setProblems(r.problems);
        setError(null);
        if (r.saved) {
          setLoaded({ text, hash: r.hash });
          setConfirmForce(false);
          setMessage(force && r.problems.length ? 'Saved with problems: the last good config keeps running until they are fixed.' : 'Saved. The new rules are live.');
        } else {
          setConfirmForce(true);
          setMessage(`Not saved: ${r.problems.length} problem(s). Fix them, or save anyway.`);
        }
      })
      .catch((e: unknown) => setError(errorMessage(e)));
  };

  const diff = loaded ? changedLines(loaded.text, text) : 0;
  return (
    <div className="file-editor">
      <div className="editor-bar">
        <code>{path}</code>
        {dirty && (
          <button type="button" className="ghost small" data-testid="config-dirty" onClick={() => setShowChanges((v) => !v)} title="Show what saving will change">
            unsaved · {diff} line(s) changed {showChanges ? '▾' : '▸'}
          </button>
        )}
        <span className="spacer" />
        {problems.length > 0 && (
          <span className="error small" data-testid="config-problem-count">
            {problems.length} problem(s)
          </span>
        )}
        <button type="button" className="primary" disabled={!dirty} onClick={() => save(false)} data-testid="config-save" title="Save (Ctrl+S)">
          Save
        </button>
        {confirmForce && (
          <button type="button" className="danger" onClick={() => save(true)} data-testid="config-force-save" title="Write the file although it does not validate">
            Save anyway
          </button>
        )}
        {dirty && (
          <button type="button" onClick={() => loaded && (setLoaded({ ...loaded }), setText(loaded.text), setConfirmForce(false), setMessage(null))}>
            Discard
          </button>
        )}
      </div>
      {message && (
        <p className={confirmForce ? 'error' : 'ok-text'} data-testid="config-save-message" role="status">
          {message}
        </p>
      )}
      <ErrorNote error={error} />
      {problems.length > 0 && (
        <ul className="problems" data-testid="config-problems">
          {problems.map((p, i) => (
            <li key={i}>
              <a href={routeHref('config', layerPath(p.file))} onClick={(e) => layerPath(p.file) === path && e.preventDefault()}>
                <code>
                  {layerPath(p.file)}:{p.line}:{p.col}
                </code>
              </a>{' '}
              {p.message}
            </li>
          ))}
        </ul>
      )}
      {dirty && showChanges && loaded && <ChangesView before={loaded.text} after={text} />}
      {loaded && <YamlEditor path={path} initial={loaded.text} onChange={setText} onProblems={setProblems} onSave={() => save(false)} />}
    </div>
  );
}

