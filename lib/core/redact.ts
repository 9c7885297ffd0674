/**
 * User info of URLs (`https://user:TOKEN@host/...`) never leaves leger in
 * text: sources are stripped of it when they are parsed
 * (lib/source/spec.ts), and every line and JSON document leger prints
 * passes {@linkcode redactUrls} as a last guard (lib/core/escape.ts), so a
 * message quoting a source or a tool's output cannot show a token.
 *
 * @module
 */

/** `scheme://userinfo@`: the user info runs to the last `@` before the path. */
const USER_INFO = /\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#"'<>\\]*)@/gi;

/**
 * What of a URL's user info may stay: the user name of an ssh URL
 * (`ssh://git@host/...`) names an account, not a secret, and ssh needs it;
 * its password never stays (git does not use one with ssh). Of every other
 * URL nothing stays: an https user name may be a token (forges take one
 * there).
 */
function publicPart(scheme: string, userInfo: string): string {
  if (!/(^|\+)ssh(\+|$)/i.test(scheme)) return "";
  const colon = userInfo.indexOf(":");
  return (colon < 0 ? userInfo : userInfo.slice(0, colon)) + "@";
}

/** The text with the user info of every URL in it removed (ssh user names stay). */
export function redactUrls(text: string): string {
  if (!text.includes("@")) return text;
  return text.replace(USER_INFO, (_all, scheme: string, info: string) => `${scheme}://${publicPart(scheme, info)}`);
}

/** A URL's user info, split off. */
export interface UrlUserInfo {
  /** The URL without its secret part (an ssh user name stays). */
  url: string;
  /** The https/http user name, percent-decoded; undefined when the URL has none. */
  username?: string;
  /** The password, percent-decoded ("" when only a user name was given). */
  password?: string;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Splits the user info off one URL (`scheme://...`); other text is returned as it is. */
export function splitUserInfo(url: string): UrlUserInfo {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)@/i.exec(url);
  if (!m) return { url };
  const [all, scheme, info] = [m[0], m[1]!, m[2]!];
  const kept = publicPart(scheme, info);
  const stripped = `${scheme}://${kept}${url.slice(all.length)}`;
  if (kept !== "" || !/^https?$/i.test(scheme)) return { url: stripped };
  const colon = info.indexOf(":");
  return {
    url: stripped,
    username: decode(colon < 0 ? info : info.slice(0, colon)),
    password: colon < 0 ? "" : decode(info.slice(colon + 1)),
  };
}
