/**
 * Maintenance windows in systemd's calendar syntax (systemd.time(7)): the
 * minutes in which the daemon may apply an update unattended.
 *
 * A window is a calendar expression read as the set of minutes it matches:
 * `Sun *-*-* 03..04:*` is every minute of 03:00–04:59 on Sundays. Each
 * component takes what systemd takes: `*`, a number, lists (`1,15`),
 * ranges (`1..5`), repetitions (`0/15`, `*-*-1/7`), weekday names, lists
 * and ranges (`Mon..Fri`, `Sat,Sun`), and the shorthands (`daily`,
 * `weekly`, ...). One addition, because a window is a span and not an
 * instant: the time part may be a range of clock times, `03:00..05:00`
 * (from 03:00 up to, not including, 05:00; it may wrap past midnight,
 * `22:00..02:00`). A trailing time zone (`UTC`) is honoured; otherwise
 * local time.
 *
 * @module
 */

/** A parsed window. */
export interface CalendarWindow {
  /** The expression as written. */
  text: string;
  /** Whether the minute that holds `at` is in the window. */
  contains(at: Date): boolean;
}

/** Thrown for an expression leger cannot read; the message says what is wrong. */
export class CalendarError extends SyntaxError {
  constructor(text: string, why: string) {
    super(`Cannot read the calendar expression "${text}": ${why}`);
    this.name = "CalendarError";
  }
}

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const SHORTHANDS: Record<string, string> = {
  minutely: "*-*-* *:*:00",
  hourly: "*-*-* *:00:00",
  daily: "*-*-* 00:00:00",
  monthly: "*-*-01 00:00:00",
  weekly: "Mon *-*-* 00:00:00",
  yearly: "*-01-01 00:00:00",
  annually: "*-01-01 00:00:00",
  quarterly: "*-01,04,07,10-01 00:00:00",
  semiannually: "*-01,07-01 00:00:00",
};

type Matcher = (n: number) => boolean;

function weekdayIndex(text: string, word: string): number {
  const i = WEEKDAYS.indexOf(word.slice(0, 3).toLowerCase());
  const full = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
  if (i < 0 || !(word.length === 3 || full[i] === word.toLowerCase())) {
    throw new CalendarError(text, `"${word}" is not a weekday (Mon, Tue, ... or Monday, ...)`);
  }
  return i;
}

function weekdays(text: string, part: string): Matcher {
  const days = new Set<number>();
  for (const item of part.split(",")) {
    const [from, to] = item.split("..");
    if (from === undefined || from === "") throw new CalendarError(text, `empty weekday in "${part}"`);
    const a = weekdayIndex(text, from);
    if (to === undefined) {
      days.add(a);
      continue;
    }
    const b = weekdayIndex(text, to);
    // Mon..Sun wraps the way systemd reads it: the week starts on Monday.
    for (let d = a;; d = (d + 1) % 7) {
      days.add(d);
      if (d === b) break;
    }
  }
  return (n) => days.has(n);
}

function number(text: string, s: string, min: number, max: number): number {
  if (!/^\d+$/.test(s)) throw new CalendarError(text, `"${s}" is not a number`);
  const n = Number(s);
  if (n < min || n > max) throw new CalendarError(text, `${n} is outside ${min}..${max}`);
  return n;
}

/** One numeric component: `*`, `n`, `a..b`, `a/step`, `*\/step`, lists of these. */
function component(text: string, part: string, min: number, max: number): Matcher {
  const tests: Matcher[] = [];
  for (const item of part.split(",")) {
    if (item === "") throw new CalendarError(text, `empty value in "${part}"`);
    const [base, stepText] = item.split("/");
    const step = stepText === undefined ? undefined : number(text, stepText, 1, max);
    let from: number, to: number;
    if (base === "*") [from, to] = [min, max];
    else if (base!.includes("..")) {
      const [a, b] = base!.split("..");
      [from, to] = [number(text, a!, min, max), number(text, b!, min, max)];
      if (from > to) throw new CalendarError(text, `the range ${base} runs backwards`);
    } else {
      from = number(text, base!, min, max);
      to = step === undefined ? from : max;
    }
    tests.push((n) => n >= from && n <= to && (step === undefined || (n - from) % step === 0));
  }
  return (n) => tests.some((t) => t(n));
}

function minutesOf(text: string, clock: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(clock);
  if (!m) throw new CalendarError(text, `"${clock}" is not a clock time HH:MM`);
  return number(text, m[1]!, 0, 23) * 60 + number(text, m[2]!, 0, 59);
}

/**
 * Parses a window. Throws {@linkcode CalendarError} with the reason.
 *
 * @example
 * ```ts
 * parseWindow("Sun *-*-* 03:00..05:00").contains(new Date("2026-11-29T03:30:00"));
 * ```
 */
export function parseWindow(text: string): CalendarWindow {
  let rest = text.trim().replace(/\s+/g, " ");
  if (rest === "") throw new CalendarError(text, "it is empty");
  let utc = false;
  if (/ (UTC|utc|Z)$/.test(rest)) {
    utc = true;
    rest = rest.replace(/ (UTC|utc|Z)$/, "");
  }
  rest = SHORTHANDS[rest.toLowerCase()] ?? rest;
  const words = rest.split(" ");
  let weekday: Matcher = () => true;
  if (words[0] && /^[A-Za-z]/.test(words[0])) weekday = weekdays(text, words.shift()!);
  let date = ["*", "*", "*"];
  let time: string | undefined;
  for (const w of words) {
    if (w.includes(":")) {
      if (time !== undefined) throw new CalendarError(text, "it has two time parts");
      time = w;
    } else if (w.includes("-") || w === "*") {
      const parts = w.split("-");
      if (parts.length === 2) date = ["*", parts[0]!, parts[1]!];
      else if (parts.length === 3) date = parts;
      else throw new CalendarError(text, `"${w}" is not a date YYYY-MM-DD`);
    } else throw new CalendarError(text, `"${w}" is neither a weekday, a date nor a time`);
  }
  const year = component(text, date[0]!, 1970, 2199);
  const month = component(text, date[1]!, 1, 12);
  const day = component(text, date[2]!, 1, 31);
  let clock: (minuteOfDay: number) => boolean;
  if (time === undefined) {
    clock = (m) => m === 0; // systemd: a date alone means 00:00:00
  } else if (time.includes("..") && /^\d{1,2}:\d{2}\.\.\d{1,2}:\d{2}$/.test(time)) {
    const [a, b] = time.split("..").map((c) => minutesOf(text, c));
    clock = a! <= b! ? (m) => m >= a! && m < b! : (m) => m >= a! || m < b!;
  } else {
    const parts = time.split(":");
    if (parts.length < 2 || parts.length > 3) throw new CalendarError(text, `"${time}" is not a time HH:MM[:SS]`);
    const hour = component(text, parts[0]!, 0, 23);
    const minute = component(text, parts[1]!, 0, 59);
    clock = (m) => hour(Math.floor(m / 60)) && minute(m % 60);
  }
  return {
    text,
    contains(at: Date): boolean {
      const get = utc
        ? [
          at.getUTCFullYear(),
          at.getUTCMonth() + 1,
          at.getUTCDate(),
          at.getUTCDay(),
          at.getUTCHours(),
          at.getUTCMinutes(),
        ]
        : [at.getFullYear(), at.getMonth() + 1, at.getDate(), at.getDay(), at.getHours(), at.getMinutes()];
      const [y, mo, d, wd, h, mi] = get as [number, number, number, number, number, number];
      return year(y) && month(mo) && day(d) && weekday(wd) && clock(h * 60 + mi);
    },
  };
}
