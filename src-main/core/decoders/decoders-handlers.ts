import { SCRIPT_API_DECLARATIONS, SCRIPT_API_FILE_NAME } from '../scripts/script-api-declarations';
import { diffPayloads } from '../explorer/diff';
import type { DomainHandlers } from '../ipc/serve';
import type { DecodersService } from './decoders-service';

/** The decoders group of the contract: decoder bindings and trying a decoder script, decoding and comparing given payloads. */
export function decodersHandlers(service: DecodersService): DomainHandlers<'decoders'> {
  return {
    'decoders.getScriptApi': () => ({ fileName: SCRIPT_API_FILE_NAME, declarations: SCRIPT_API_DECLARATIONS }),
    'decoders.listBindings': () => service.list(),
    'decoders.saveBinding': (args) => service.save(args),
    'decoders.deleteBinding': ({ id }) => service.delete(id),
    'decoders.testScript': (args) => service.testScript(args),
    'decoders.decodePayload': (args) => service.decodePayload(args),
    'decoders.diffPayloads': ({ a, b }) => diffPayloads(a, b),
  };
}
