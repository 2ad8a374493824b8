import type { Server } from "node:net";

/**
 * Listens on one loopback address and port, resolving once bound and rejecting when the
 * address cannot be bound (taken, or not an address of this host). `exclusive` keeps a second
 * lab process from sharing the port through the cluster module.
 */
export function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error): void => reject(error);
    server.once("error", failed);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", failed);
      resolve();
    });
  });
}
