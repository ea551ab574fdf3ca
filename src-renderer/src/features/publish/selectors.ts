import type { AppState } from '../../store/root-store';
import type { PayloadScriptSetting } from './state';

export const publishSelectors = {
  payloadScript: (s: AppState): PayloadScriptSetting => s.publish.payloadScript,
};
