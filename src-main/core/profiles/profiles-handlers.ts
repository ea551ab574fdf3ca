import type { DomainHandlers } from '../ipc/serve';
import type { ProfileService } from './profile-service';

/** The handlers for every `profiles.*` request. */
export function profilesHandlers(profiles: ProfileService): DomainHandlers<'profiles'> {
  return {
    'profiles.list': () => profiles.list(),
    'profiles.save': (args) => profiles.save(args),
    'profiles.saveConnection': ({ connectionId, name, folder }) => profiles.saveConnection(connectionId, name, folder),
    'profiles.duplicate': ({ id }) => profiles.duplicate(id),
    'profiles.delete': ({ id }) => profiles.delete(id),
    'profiles.move': ({ id, folder, index }) => profiles.move(id, folder, index),
    'profiles.connect': ({ id }) => profiles.connect(id),
    'profiles.export': ({ ids, includeSecrets, includeScripts }) => profiles.export(ids, includeSecrets, includeScripts),
    'profiles.import': ({ text }) => profiles.import(text),
    'profiles.importForeign': ({ text, format }) => profiles.importForeign(text, format),
    'profiles.getSecretStore': () => profiles.secretStoreInfo(),
  };
}
