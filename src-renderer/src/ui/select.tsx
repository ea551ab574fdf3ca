/** One choice of a Select: the value it sets, what the user reads, and an optional tooltip. */
export interface SelectChoice<V extends string> {
  readonly value: V;
  readonly label: string;
  readonly title?: string;
}

export interface SelectProps<V extends string> extends Omit<React.SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'children'> {
  readonly value: V;
  readonly choices: readonly SelectChoice<V>[];
  readonly onChange: (value: V) => void;
}

/** A drop-down of typed choices: onChange is handed one of the choices' values, so callers need no cast. */
export function Select<V extends string>({ value, choices, onChange, ...rest }: SelectProps<V>): React.JSX.Element {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value as V)} {...rest}>
      {choices.map((c) => (
        <option key={c.value} value={c.value} title={c.title}>
          {c.label}
        </option>
      ))}
    </select>
  );
}
