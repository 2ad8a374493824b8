/** Decides whether to colour output: flags first, then NO_COLOR/FORCE_COLOR, then whether stdout is a terminal. */
export function useColor(flags: { color?: boolean | undefined; "no-color"?: boolean | undefined }): boolean {
  if (flags["no-color"]) return false;
  if (flags.color) return true;
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== "0") return true;
  return Boolean(process.stdout.isTTY);
}
