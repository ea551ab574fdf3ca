import type { PayloadTransform } from '../../../../shared/ipc/publish';

/** The composer's payload script (issue #17 §3): whether it runs, its text, and when it runs. */
export interface PayloadScriptSetting {
  readonly enabled: boolean;
  readonly source: string;
  readonly per: 'once' | 'message';
  /** Bumped when a loaded message replaces the script: the editor opens a new model with that text. */
  readonly version: number;
}

/** The composer's state beyond its form (the form and Monaco's text stay in the component). */
export interface PublishState {
  readonly payloadScript: PayloadScriptSetting;
}

const DEFAULT_PAYLOAD_SCRIPT = '// msg is the message with its {{placeholders}} filled in; return the payload to send.\nconst value = msg.json();\nreturn { ...value, computedAt: Date.now() };\n';

export const initialPublishState: PublishState = {
  payloadScript: { enabled: false, source: DEFAULT_PAYLOAD_SCRIPT, per: 'message', version: 0 },
};

/** The transform a composed message carries: the script when the user ticked the box, else none. */
export function transformOf(setting: PayloadScriptSetting): { readonly transform?: PayloadTransform } {
  return setting.enabled ? { transform: { source: setting.source, per: setting.per } } : {};
}

/** The setting once a saved or history message is put back in the form: its script (or none) with it. */
export function withLoadedTransform(setting: PayloadScriptSetting, transform: PayloadTransform | undefined): PayloadScriptSetting {
  if (!transform) return { ...setting, enabled: false };
  return {
    ...setting,
    enabled: true,
    source: transform.source,
    per: transform.per ?? 'message',
    version: transform.source === setting.source ? setting.version : setting.version + 1,
  };
}
