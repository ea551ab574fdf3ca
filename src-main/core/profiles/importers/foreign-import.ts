import { TopiaryError } from '../../../../shared/ipc/errors';
import type { ForeignImport } from './import-candidate';
import { importMqttExplorer, looksLikeMqttExplorer } from './mqtt-explorer-import';
import { importMqttx, looksLikeMqttx } from './mqttx-import';

export type ForeignFormat = 'mqttx' | 'mqtt-explorer';

/** Reads another tool's connection file; 'auto' tells MQTTX exports and MQTT Explorer settings apart. */
export async function readForeignProfiles(text: string, format: ForeignFormat | 'auto'): Promise<ForeignImport & { readonly format: ForeignFormat }> {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new TopiaryError('VALIDATION_ERROR', `The file is not valid JSON (${error instanceof Error ? error.message : String(error)}). Choose an MQTTX JSON export or MQTT Explorer's settings.json.`);
  }
  const chosen: ForeignFormat | undefined =
    format !== 'auto' ? format : looksLikeMqttExplorer(json) ? 'mqtt-explorer' : looksLikeMqttx(json) ? 'mqttx' : undefined;
  if (!chosen) {
    throw new TopiaryError('VALIDATION_ERROR', 'The file is neither an MQTTX connection export nor MQTT Explorer settings. In MQTTX use "Export data" as JSON; for MQTT Explorer choose its settings.json.');
  }
  const result = chosen === 'mqttx' ? await importMqttx(json) : importMqttExplorer(json);
  return { ...result, format: chosen };
}
