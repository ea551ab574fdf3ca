import type { DiffResult } from '../../../../shared/ipc/explorer';

/** Two payloads compared line by line (JSON ones as pretty JSON with sorted keys, so a changed field is one line). */
export function PayloadDiff({ diff, testId = 'history-diff' }: { readonly diff: DiffResult; readonly testId?: string }): React.JSX.Element {
  return (
    <div className="diff" data-testid={testId} data-added={diff.added} data-removed={diff.removed} data-json={diff.json}>
      {diff.lines.map((l, i) => (
        <span key={i} className={l.op}>
          {l.op === 'added' ? '+ ' : l.op === 'removed' ? '- ' : '  '}
          {l.text}
          {'\n'}
        </span>
      ))}
    </div>
  );
}
