const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, cyan: 36 } as const;

/** A terminal text style. */
export type Style = keyof typeof CODES;

/** Styles text, or returns it as it is when colour is off. */
export type Paint = (style: Style | readonly Style[], text: string) => string;

/** The one ANSI styling every renderer uses; with `color` off it changes nothing. */
export function painter(color: boolean): Paint {
  if (!color) return (_style, text) => text;
  return (style, text) => {
    const codes = typeof style === "string" ? [CODES[style]] : style.map((s) => CODES[s]);
    return `\u001b[${codes.join(";")}m${text}\u001b[0m`;
  };
}
