import { readFileSync } from 'node:fs';
import { TopiaryError } from '../../shared/ipc/errors';
import { SaveSimulationArgsSchema, type SimulationDefinition } from '../../shared/ipc/simulations';
import { validationError } from '../core/ipc/serve';
import { sourceProblem } from '../core/simulator/simulation';

/**
 * One saved simulation, by name, from a Topiary profiles export (the app's "Export" with its scripts): checked as the
 * app checks an imported one, so a file edited by hand says what is wrong with it in a sentence.
 */
export function readSavedSimulation(file: string, name: string | undefined): SimulationDefinition & { readonly name: string } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code !== undefined ? 'cannot be read; check the path' : 'is not valid JSON';
    throw new TopiaryError('VALIDATION_ERROR', `The profiles file ${file} ${why}.`);
  }
  const entries = (json as { simulations?: unknown } | null)?.simulations;
  if (!Array.isArray(entries) || entries.length === 0) throw new TopiaryError('VALIDATION_ERROR', `The profiles file ${file} carries no simulations: export it from Topiary with its scripts.`);
  const names = entries.map((e: unknown) => (typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : undefined));
  const list = names.filter((n) => n !== undefined).map((n) => JSON.stringify(n)).join(', ');
  if (name === undefined && entries.length > 1) throw new TopiaryError('VALIDATION_ERROR', `The profiles file ${file} carries ${entries.length} simulations; say which with --name: ${list}.`);
  const at = name === undefined ? 0 : names.indexOf(name);
  if (at < 0) throw new TopiaryError('VALIDATION_ERROR', `The profiles file ${file} has no simulation named "${name}"; it has ${list || 'none with a name'}.`);
  const label = names[at] ?? `number ${at + 1}`;
  const parsed = SaveSimulationArgsSchema.safeParse(entries[at]);
  if (!parsed.success) throw new TopiaryError('VALIDATION_ERROR', `The simulation "${label}" in ${file} cannot run: ${validationError(parsed.error).message}`);
  const problem = sourceProblem(parsed.data.source, parsed.data.will);
  if (problem !== undefined) throw new TopiaryError('VALIDATION_ERROR', `The simulation "${label}" in ${file} cannot run: ${problem}`);
  const { id: _id, name: _name, ...definition } = parsed.data;
  return { ...definition, name: label };
}
