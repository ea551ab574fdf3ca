/** A collapsible view of a decoded value; numeric leaves offer to be charted. */
export function JsonTree({ value, onChart }: { readonly value: unknown; readonly onChart?: (path: string) => void }): React.JSX.Element {
  return (
    <div className="json-tree" data-testid="payload-tree">
      <JsonNode name={null} value={value} path="" onChart={onChart} open />
    </div>
  );
}

interface NodeProps {
  readonly name: string | null;
  readonly value: unknown;
  readonly path: string;
  readonly onChart?: ((path: string) => void) | undefined;
  readonly open?: boolean;
}

/** Children shown per object or array before a "more" line; a huge array must not create a million elements. */
const MAX_CHILDREN = 500;

function JsonNode({ name, value, path, onChart, open = false }: NodeProps): React.JSX.Element {
  const label = name === null ? null : <span className="json-key">{JSON.stringify(name)}: </span>;
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
    const [openMark, closeMark] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    return (
      <details open={open || path.split('.').length < 3} data-path={path}>
        <summary>
          {label}
          {openMark}
          <span className="note">{` ${entries.length} ${Array.isArray(value) ? 'items' : 'keys'} `}</span>
          {closeMark}
        </summary>
        {entries.slice(0, MAX_CHILDREN).map(([k, v]) => (
          <JsonNode key={k} name={k} value={v} path={path === '' ? k : `${path}.${k}`} onChart={onChart} />
        ))}
        {entries.length > MAX_CHILDREN ? <div className="note">… {entries.length - MAX_CHILDREN} more</div> : null}
      </details>
    );
  }
  const cls = typeof value === 'string' ? 'json-string' : typeof value === 'number' ? 'json-number' : 'json-literal';
  return (
    <div className="json-leaf" data-path={path}>
      {label}
      {typeof value === 'number' && onChart && path !== '' ? (
        // The number itself is the way to chart it: one click, and the chart opens on this field.
        <button type="button" className="json-number chart-field" data-testid="chart-field" data-field={path} title={`Chart ${path} over time`} aria-label={`Chart ${path} (now ${value}) over time`} onClick={() => onChart(path)}>
          {JSON.stringify(value)}
        </button>
      ) : (
        <span className={cls}>{JSON.stringify(value)}</span>
      )}
    </div>
  );
}
