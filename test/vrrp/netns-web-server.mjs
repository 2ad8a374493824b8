// One emulated web server for the VRRP netns test, run inside its namespace:
//   ip netns exec NS node netns-web-server.mjs NAME HOST PORT
// It answers every request with `x-served-by: NAME` (the built src/lab/emulated-server.ts, so
// `npm run build` first) and stops on SIGTERM.
import process from "node:process";
import { startEmulatedServer } from "../../dist/lab/emulated-server.js";

const [name, host, port] = process.argv.slice(2);
if (!name || !host || !port) {
  process.stderr.write("usage: netns-web-server.mjs NAME HOST PORT\n");
  process.exit(2);
}
const server = await startEmulatedServer({ name, host, port: Number(port) });
process.stdout.write(`${name} listening on ${server.address}\n`);
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
