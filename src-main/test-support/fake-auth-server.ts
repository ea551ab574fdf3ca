import { createServer, type Server, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { IAuthPacket, IConnectPacket, Packet } from 'mqtt-packet';

/** What the fake server answers at one step of an enhanced authentication exchange. */
export type FakeAuthReply =
  | { readonly kind: 'continue'; readonly data?: Buffer }
  | { readonly kind: 'accept'; readonly data?: Buffer; readonly omitMethod?: boolean }
  | { readonly kind: 'refuse'; readonly reasonCode: number };

/** Decides each step: `step` 0 gets the CONNECT's Authentication Data, then one per AUTH 0x18. */
export type FakeAuthHandler = (method: string | undefined, data: Buffer | undefined, step: number) => FakeAuthReply | Promise<FakeAuthReply>;

/** A minimal MQTT 5 server on a raw socket (mqtt-packet), speaking only CONNECT/AUTH/CONNACK, PINGREQ and DISCONNECT. */
export interface FakeAuthServer {
  readonly url: string;
  /** Every CONNECT received, as parsed. */
  readonly connects: IConnectPacket[];
  close(): Promise<void>;
}

/** Starts a fake broker whose enhanced authentication is scripted by `handler`: for testing what a client does with a lying or unusual server. */
export async function startFakeAuthServer(handler: FakeAuthHandler): Promise<FakeAuthServer> {
  const connects: IConnectPacket[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const send = (p: Record<string, unknown>): void => {
      if (!socket.destroyed) socket.write(mqttPacket.generate(p as unknown as Packet, { protocolVersion: 5 }));
    };
    let method: string | undefined;
    let step = 0;
    const answer = async (data: Buffer | undefined): Promise<void> => {
      const reply = await handler(method, data, step++);
      if (reply.kind === 'continue') send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: method, ...(reply.data ? { authenticationData: reply.data } : {}) } });
      else if (reply.kind === 'accept') {
        send({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { ...(reply.omitMethod ? {} : { authenticationMethod: method }), ...(reply.data ? { authenticationData: reply.data } : {}) } });
      } else {
        send({ cmd: 'connack', sessionPresent: false, reasonCode: reply.reasonCode });
        socket.end();
      }
    };
    parser.on('packet', (p: Packet) => {
      if (p.cmd === 'connect') {
        connects.push(p);
        method = p.properties?.authenticationMethod;
        void answer(p.properties?.authenticationData);
      } else if (p.cmd === 'auth') void answer((p as IAuthPacket).properties?.authenticationData);
      else if (p.cmd === 'pingreq') send({ cmd: 'pingresp' });
      else if (p.cmd === 'disconnect') socket.end();
    });
    parser.on('error', () => socket.destroy());
    socket.on('data', (d) => parser.parse(d));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
