// The CronJob schedules Kubernetes accepts, judged before anything is deployed: the API server validates
// spec.schedule with github.com/robfig/cron/v3's ParseStandard (five fields, or a descriptor such as
// @daily or "@every 6h") and refuses any TZ=/CRON_TZ= in it (the timeZone field is the way). This mirrors
// that parser rule for rule; tests/e2e/kubernetes-apiserver.test.ts holds it against the real API server.

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}
const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };
const FIELDS: Array<[string, Bounds]> = [
  ["minute", MINUTES],
  ["hour", HOURS],
  ["day of month", DOM],
  ["month", MONTHS],
  ["day of week", DOW],
];

/** Go's strconv.Atoi on a decimal: an optional sign, digits, within 64 bits. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

function intOrName(s: string, b: Bounds): number | string {
  const named = b.names?.[s.toLowerCase()];
  if (named !== undefined) return named;
  const n = atoi(s);
  if (n === undefined) return `"${s}" is not a number${b.names ? " or a name" : ""}`;
  if (n < 0) return `negative number ${n}`;
  return n;
}

function rangeProblem(expr: string, b: Bounds): string | undefined {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0].split("-");
  let start: number, end: number;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    [start, end] = [b.min, b.max];
  } else {
    const s = intOrName(lowAndHigh[0], b);
    if (typeof s === "string") return s;
    start = s;
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) {
      const e = intOrName(lowAndHigh[1], b);
      if (typeof e === "string") return e;
      end = e;
    } else return `too many hyphens in ${expr}`;
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    const n = atoi(rangeAndStep[1]);
    if (n === undefined) return `step "${rangeAndStep[1]}" is not a number`;
    if (n < 0) return `negative step ${n}`;
    step = n;
    if (lowAndHigh.length === 1) end = b.max;
  } else if (rangeAndStep.length > 2) return `too many slashes in ${expr}`;
  if (start < b.min) return `${expr} starts below ${b.min}`;
  if (end > b.max) return `${expr} goes above ${b.max}`;
  if (start > end) return `${expr} starts after it ends`;
  if (step === 0) return `${expr} has a step of 0`;
  return undefined;
}

/** Go's time.ParseDuration, as far as its grammar goes: "0", or signed runs of number+unit. */
const GO_DURATION = /^[+-]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

/**
 * Why Kubernetes would refuse `schedule` as a CronJob's spec.schedule (undefined: it accepts it).
 */
export function cronScheduleProblem(schedule: string): string | undefined {
  if (schedule.length === 0) return "the schedule is empty";
  const spec = schedule;
  if (spec.includes("TZ"))
    return "a time zone (TZ= or CRON_TZ=) in the schedule is refused by Kubernetes; schedules run in the controller's time zone";
  if (spec.startsWith("@")) {
    if (["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"].includes(spec)) return undefined;
    if (spec.startsWith("@every "))
      return GO_DURATION.test(spec.slice("@every ".length))
        ? undefined
        : `"${spec.slice("@every ".length)}" is not a duration such as 6h or 90m`;
    return `${spec} is not a descriptor Kubernetes knows (@yearly, @monthly, @weekly, @daily, @hourly, @every <duration>)`;
  }
  // Go's strings.Fields: runs of white space separate the fields
  const fields = spec.split(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/).filter((f) => f !== "");
  if (fields.length !== 5) return `${fields.length} fields; a schedule has five (minute hour day-of-month month day-of-week)`;
  for (let i = 0; i < 5; i++) {
    const [name, b] = FIELDS[i];
    for (const expr of fields[i].split(",").filter((e) => e !== "")) {
      const why = rangeProblem(expr, b);
      if (why) return `${name} field "${fields[i]}": ${why} (${b.min}-${b.max})`;
    }
  }
  return undefined;
}
