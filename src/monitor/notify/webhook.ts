import { LbguardError } from "../../errors.js";

/** How much of a refusing receiver's answer an error quotes. */
const EXCERPT_CHARS = 200;

/**
 * POSTs `body` as JSON to `url` and resolves once the receiver answers 2xx. Anything else
 * rejects with LBG_WEBHOOK_FAILED: no connection, no answer within `timeoutMs`, an answer other
 * than 2xx (with its status and the start of its body), or a redirect, which is never followed:
 * a webhook that moved is fixed in the configuration, not chased to another host. Errors name
 * only the URL's host, because a webhook's path often holds its secret (Slack's does).
 */
export async function postJson(
  url: string,
  body: unknown,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const host = hostOf(url);
  const failed = (reason: string, cause?: unknown): LbguardError =>
    new LbguardError("LBG_WEBHOOK_FAILED", { host, reason }, { cause });
  if (!/^https?:\/\//i.test(url)) throw failed("only http:// and https:// webhooks are supported");
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw failed(fetchFailure(error, timeoutMs), error);
  }
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel();
    return;
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    const location = response.headers.get("location");
    const to = location !== null ? ` to ${hostOf(new URL(location, url).href)}` : "";
    throw failed(`HTTP ${response.status}: redirected${to}; webhook redirects are not followed`);
  }
  const excerpt = await bodyExcerpt(response);
  throw failed(`HTTP ${response.status}${excerpt ? `: ${excerpt}` : ""}`);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return "(an unparsable URL)";
  }
}

function fetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  // Node's fetch says only "fetch failed"; the cause names the socket error (ECONNREFUSED …).
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause ?? (error instanceof Error ? error.message : String(error));
}

async function bodyExcerpt(response: Response): Promise<string> {
  try {
    const text = (await response.text()).replace(/\s+/g, " ").trim();
    return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
  } catch {
    return "";
  }
}
