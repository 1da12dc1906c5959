import { diffLines, withContext } from './lineDiff';

/** What saving will change, as a unified diff with a little context. */
export function ChangesView({ before, after }: { before: string; after: string }) {
  const lines = withContext(diffLines(before, after));
  return (
    <pre className="diff" data-testid="config-diff">
      {lines.map((d, i) =>
        d === null ? (
          <div key={i} className="diff-gap">
            ⋯
          </div>
        ) : (
          <div key={i} className={`diff-${d.kind}`}>
            <span className="diff-no">{d.line}</span>
            {d.kind === 'add' ? '+ ' : d.kind === 'del' ? '- ' : '  '}
            {d.text}
          </div>
        ),
      )}
    </pre>
  );
}
